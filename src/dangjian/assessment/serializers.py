"""Shapes of /api/assessment/: checklist templates with their items, one organization's year
(self-check and assessment entries), and the writes a client sends."""

from __future__ import annotations

from rest_framework import serializers

from .choices import CheckResult, Grade
from .models import Assessment, AssessmentEntry, ChecklistItem, ChecklistTemplate, WeakOrganization


class ChecklistItemSerializer(serializers.ModelSerializer):
    area = serializers.CharField(read_only=True)
    area_display = serializers.CharField(source="get_area_display", read_only=True)
    method = serializers.CharField(read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)

    class Meta:
        model = ChecklistItem
        fields = [
            "number",
            "area",
            "area_display",
            "title",
            "description",
            "evidence_required",
            "points",
            "method",
            "method_display",
        ]


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.code", read_only=True)
    sector = serializers.CharField(read_only=True)
    sector_display = serializers.CharField(source="get_sector_display", read_only=True)
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = [
            "id",
            "owner",
            "sector",
            "sector_display",
            "year",
            "name",
            "grade_one_min",
            "grade_two_min",
            "grade_three_min",
            "grade_basis",
            "good_share_min",
            "goods_for_one",
            "goods_for_two",
            "goods_for_three",
            "star_lines",
            "items",
        ]


class AssessmentEntrySerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(source="item.number", read_only=True)
    title = serializers.CharField(source="item.title", read_only=True)
    points = serializers.DecimalField(source="item.points", max_digits=5, decimal_places=1, read_only=True)
    self_result = serializers.CharField(read_only=True)
    rectification = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = AssessmentEntry
        fields = [
            "number",
            "title",
            "points",
            "self_result",
            "self_evidence",
            "measure",
            "responsible_person",
            "deadline",
            "rectification",
            "score",
            "assessor_evidence",
        ]


class AssessmentSerializer(serializers.ModelSerializer):
    org = serializers.CharField(source="organization.code", read_only=True)
    org_name = serializers.CharField(source="organization.name", read_only=True)
    status = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    grade = serializers.IntegerField(read_only=True, allow_null=True)
    grade_display = serializers.CharField(source="get_grade_display", read_only=True, allow_null=True)
    grade_basis = serializers.CharField(read_only=True)
    previous_grade = serializers.IntegerField(read_only=True, allow_null=True)
    grade_change = serializers.CharField(read_only=True)
    grade_change_display = serializers.CharField(source="get_grade_change_display", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "org",
            "org_name",
            "year",
            "template",
            "status",
            "status_display",
            "ledger",
            "self_checked_on",
            "total_score",
            "max_score",
            "percent",
            "grade",
            "grade_display",
            "grade_basis",
            "grade_reason",
            "previous_grade",
            "grade_change",
            "grade_change_display",
            "stars",
            "previous_stars",
            "star_change",
            "signed_on",
        ]
        read_only_fields = fields


class AssessmentDetailSerializer(AssessmentSerializer):
    entries = AssessmentEntrySerializer(many=True, read_only=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "entries"]
        read_only_fields = fields


class SelfCheckInputSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1)
    result = serializers.ChoiceField(choices=CheckResult.choices)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    measure = serializers.CharField(required=False, allow_blank=True, default="")
    responsible_person = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class ScoreInputSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1)
    score = serializers.DecimalField(max_digits=5, decimal_places=1)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class SignOffInputSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Grade.choices, required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class WeakOrganizationSerializer(serializers.ModelSerializer):
    org = serializers.CharField(source="organization.code", read_only=True)
    org_name = serializers.CharField(source="organization.name", read_only=True)
    categories = serializers.ListField(child=serializers.CharField(), read_only=True)
    status = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = WeakOrganization
        fields = [
            "id",
            "org",
            "org_name",
            "year",
            "categories",
            "leader_name",
            "status",
            "status_display",
            "ledger",
            "identified_on",
            "closed_on",
        ]
        read_only_fields = fields
