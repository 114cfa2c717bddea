"""Shapes of /api/orglife/: a record as read, and what a client sends to write one. Writes are
checked by `orglife.services`; these only parse."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from dangjian.members.models import Member

from .choices import ActivityKind, AttendanceStatus
from .models import Activity


class AttendanceRowSerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="党员 id")
    name = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)
    leave_reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class RecordSerializer(serializers.ModelSerializer):
    org = serializers.CharField(source="organization.code", read_only=True)
    group = serializers.CharField(source="group.code", read_only=True, default=None)
    kinds = serializers.SerializerMethodField()
    attendance = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id",
            "org",
            "held_on",
            "start_time",
            "place",
            "kinds",
            "group",
            "host",
            "speaker_name",
            "secretary_spoke",
            "topic",
            "minutes",
            "status",
            "version",
            "previous",
            "is_current",
            "correction_reason",
            "submitted_at",
            "attendance",
            "attachments",
        ]

    def get_kinds(self, activity: Activity) -> list[str]:
        return sorted(entry.kind for entry in activity.kind_entries.all())

    def get_attendance(self, activity: Activity) -> list[dict[str, Any]]:
        return [
            {
                "member": row.member_id,
                "name": row.member.name,
                "status": row.status,
                "leave_reason": row.leave_reason,
            }
            for row in activity.attendance.all()
        ]

    def get_attachments(self, activity: Activity) -> list[dict[str, Any]]:
        return [
            {"id": item.pk, "kind": item.kind, "name": item.original_name, "size": item.size}
            for item in activity.attachments.all()
        ]


class RecordWriteSerializer(serializers.Serializer):
    org = serializers.CharField(required=False, help_text="党支部代码（新建时必填）")
    held_on = serializers.DateField(required=False)
    start_time = serializers.TimeField(required=False, allow_null=True)
    place = serializers.CharField(required=False, allow_blank=True, max_length=200)
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=ActivityKind.choices), required=False, allow_empty=True
    )
    group = serializers.CharField(required=False, allow_blank=True, allow_null=True, help_text="党小组代码")
    host = serializers.CharField(required=False, allow_blank=True, max_length=50)
    speaker_member = serializers.IntegerField(required=False, allow_null=True)
    speaker_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    topic = serializers.CharField(required=False, allow_blank=True, max_length=200)
    minutes = serializers.CharField(required=False, allow_blank=True)
    attendance = AttendanceRowSerializer(many=True, required=False)


class CorrectionSerializer(RecordWriteSerializer):
    reason = serializers.CharField(max_length=200, error_messages={"required": "请填写更正原因"})


def members_by_id(ids: list[int]) -> dict[int, Member]:
    return Member.objects.in_bulk(ids) if ids else {}
