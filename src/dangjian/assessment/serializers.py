"""Shapes of /api/assessment/: checklist templates with their items, one organization's year
(self-check and assessment entries), and the writes a client sends."""

from __future__ import annotations

from rest_framework import serializers

from dangjian.orgs.choices import Sector

from . import rules
from .choices import TEMPLATE_GRADE_BASES, BasicArea, CheckResult, Grade, GradeBasis, ScoringMethod
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


class ChecklistItemInputSerializer(serializers.Serializer):
    area = serializers.ChoiceField(choices=BasicArea.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_required = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    points = serializers.DecimalField(max_digits=5, decimal_places=1)
    # A string checked here, not an enum: "method" names other choice sets in the schema.
    method = serializers.CharField(
        required=False, default=ScoringMethod.MANUAL, help_text="评分方式：" + "、".join(ScoringMethod.values)
    )

    def validate_method(self, value: str) -> str:
        if value not in ScoringMethod.values:
            raise serializers.ValidationError(f"评分方式应为：{'、'.join(ScoringMethod.values)}")
        return value


class ChecklistTemplateInputSerializer(serializers.Serializer):
    owner = serializers.CharField(max_length=32)
    sector = serializers.ChoiceField(choices=Sector.choices)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    name = serializers.CharField(max_length=120)
    items = ChecklistItemInputSerializer(many=True, allow_empty=False, max_length=200)
    grade_one_min = serializers.DecimalField(max_digits=5, decimal_places=2, default=rules.DEFAULT_BANDS[0])
    grade_two_min = serializers.DecimalField(max_digits=5, decimal_places=2, default=rules.DEFAULT_BANDS[1])
    grade_three_min = serializers.DecimalField(max_digits=5, decimal_places=2, default=rules.DEFAULT_BANDS[2])
    grade_basis = serializers.ChoiceField(choices=TEMPLATE_GRADE_BASES, default=GradeBasis.SCORE_BANDS)
    good_share_min = serializers.DecimalField(
        max_digits=5, decimal_places=2, default=rules.DEFAULT_FIVE_GOODS.share_min
    )
    goods_for = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=5),
        min_length=3,
        max_length=3,
        default=list(rules.DEFAULT_FIVE_GOODS.goods_for),
    )
    star_lines = serializers.ListField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2), max_length=4, default=list
    )
