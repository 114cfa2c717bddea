"""Shapes of /api/ledger/: ledger items with their notes, the writes a client sends, dispatch
recipients and the year's targets with their live figures."""

from __future__ import annotations

from rest_framework import serializers

from dangjian.orgs.choices import Sector

from .choices import Comparison, TargetMetric
from .models import DispatchRecipient, DispatchSheet, LedgerItem, ProgressNote, Target


class ProgressNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgressNote
        fields = ["id", "noted_on", "note", "evidence"]


class LedgerItemSerializer(serializers.ModelSerializer):
    org = serializers.CharField(source="ledger.organization.code", read_only=True)
    org_name = serializers.CharField(source="ledger.organization.name", read_only=True)
    ledger_title = serializers.CharField(source="ledger.title", read_only=True)
    year = serializers.IntegerField(source="ledger.year", read_only=True)
    source = serializers.CharField(read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    status = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()
    notes = ProgressNoteSerializer(many=True, read_only=True)

    class Meta:
        model = LedgerItem
        fields = [
            "id",
            "org",
            "org_name",
            "ledger",
            "ledger_title",
            "year",
            "number",
            "problem",
            "measure",
            "responsible_person",
            "deadline",
            "source",
            "source_display",
            "status",
            "status_display",
            "overdue",
            "close_evidence",
            "close_requested_on",
            "return_reason",
            "closed_on",
            "notes",
        ]

    def get_overdue(self, item: LedgerItem) -> bool:
        return bool(self.context["overdue"](item))


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField()
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    noted_on = serializers.DateField(required=False, allow_null=True, default=None)


class CloseRequestInputSerializer(serializers.Serializer):
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class DispatchRecipientSerializer(serializers.ModelSerializer):
    org = serializers.CharField(source="organization.code", read_only=True)
    org_name = serializers.CharField(source="organization.name", read_only=True)
    sheet_title = serializers.CharField(source="sheet.title", read_only=True)
    issuer = serializers.CharField(source="sheet.issuer.code", read_only=True)
    issued_on = serializers.DateField(source="sheet.issued_on", read_only=True)
    status = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = DispatchRecipient
        fields = [
            "id",
            "sheet",
            "sheet_title",
            "issuer",
            "issued_on",
            "org",
            "org_name",
            "deadline",
            "responsible_person",
            "status",
            "status_display",
            "response",
            "completed_on",
        ]


class RespondInputSerializer(serializers.Serializer):
    response = serializers.CharField(allow_blank=True)
    completed = serializers.BooleanField(required=False, default=False)


class TargetFigureSerializer(serializers.Serializer):
    org = serializers.CharField(source="organization.code")
    org_name = serializers.CharField(source="organization.name")
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField(allow_null=True)
    value = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)
    met = serializers.BooleanField()


class LaggardSerializer(serializers.Serializer):
    org = serializers.CharField(source="code")
    org_name = serializers.CharField(source="name")


class TargetProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="target.pk")
    name = serializers.CharField(source="target.name")
    set_by = serializers.CharField(source="target.organization.code")
    year = serializers.IntegerField(source="target.year")
    metric = serializers.CharField(source="target.metric")
    metric_display = serializers.CharField(source="target.get_metric_display")
    comparison = serializers.CharField(source="target.comparison")
    threshold = serializers.DecimalField(source="target.threshold", max_digits=10, decimal_places=1)
    sector = serializers.CharField(source="target.sector")
    total = TargetFigureSerializer()
    children = TargetFigureSerializer(many=True)
    laggards = LaggardSerializer(many=True)


class TargetInputSerializer(serializers.Serializer):
    org = serializers.CharField(max_length=32)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    name = serializers.CharField(max_length=120)
    metric = serializers.ChoiceField(choices=TargetMetric.choices)
    comparison = serializers.ChoiceField(choices=Comparison.choices)
    threshold = serializers.DecimalField(max_digits=10, decimal_places=1)
    sector = serializers.ChoiceField(choices=Sector.choices, required=False, allow_blank=True, default="")


class TargetSerializer(serializers.ModelSerializer):
    set_by = serializers.CharField(source="organization.code", read_only=True)
    metric_display = serializers.CharField(source="get_metric_display", read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "set_by",
            "year",
            "name",
            "metric",
            "metric_display",
            "comparison",
            "threshold",
            "sector",
        ]
        read_only_fields = fields


class AssignmentInputSerializer(serializers.Serializer):
    org = serializers.CharField(max_length=32)
    deadline = serializers.DateField()
    responsible_person = serializers.CharField(max_length=50)


class DispatchSheetInputSerializer(serializers.Serializer):
    issuer = serializers.CharField(max_length=32)
    title = serializers.CharField(max_length=120)
    content = serializers.CharField(required=False, allow_blank=True, default="")
    assignments = AssignmentInputSerializer(many=True, allow_empty=False, max_length=5000)


class DispatchSheetSerializer(serializers.ModelSerializer):
    issuer = serializers.CharField(source="issuer.code", read_only=True)
    recipients = DispatchRecipientSerializer(many=True, read_only=True)

    class Meta:
        model = DispatchSheet
        fields = ["id", "issuer", "year", "title", "content", "issued_on", "recipients"]
        read_only_fields = fields
