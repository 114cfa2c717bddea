"""Shapes of /api/recruitment/: a candidate as read (ID number masked, the timeline on the
detail), and what a client sends to add an applicant or record a step. Only parsing here;
`recruitment.services` judges the rules."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from dangjian.core.api import YEAR_RANGE
from dangjian.members.choices import Education

from .choices import Step
from .models import Candidate, RecruitmentPlan


class CandidateSerializer(serializers.ModelSerializer):
    org = serializers.CharField(source="organization.code", read_only=True)
    id_number = serializers.CharField(source="masked_id_number", read_only=True)

    class Meta:
        model = Candidate
        fields = [
            "id",
            "org",
            "name",
            "id_number",
            "sex",
            "birth_date",
            "education",
            "occupation",
            "stage",
            "status",
        ]


def step_data(record: Any) -> dict[str, Any]:
    return {
        "step": record.step,
        "label": record.get_step_display(),
        "occurred_on": record.occurred_on,
        "contacts": [m.name for m in record.contacts.all()],
        "sponsors": [m.name for m in record.sponsors.all()],
        "talker_name": record.talker_name,
        "training_days": record.training_days,
        "training_hours": record.training_hours,
        "votes_entitled": record.votes_entitled,
        "votes_present": record.votes_present,
        "votes_in_favour": record.votes_in_favour,
        "extension_months": record.extension_months,
        "reason": record.reason,
        "documents": record.documents,
    }


class CandidateCreateSerializer(serializers.Serializer):
    org = serializers.CharField(help_text="党支部代码")
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18)
    applied_on = serializers.DateField()
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    education = serializers.ChoiceField(
        choices=Education.choices, required=False, allow_blank=True, default=""
    )
    occupation = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    documents = serializers.CharField(max_length=300, required=False, default="入党申请书")


class StepWriteSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=Step.choices)
    occurred_on = serializers.DateField()
    contacts = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    sponsors = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    talker_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    documents = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    training_days = serializers.DecimalField(max_digits=5, decimal_places=1, required=False, allow_null=True)
    training_hours = serializers.DecimalField(max_digits=5, decimal_places=1, required=False, allow_null=True)
    votes_present = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    votes_in_favour = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    extension_months = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PlanSerializer(serializers.ModelSerializer):
    org = serializers.CharField(source="organization.code", read_only=True)
    org_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = RecruitmentPlan
        fields = [
            "id",
            "org",
            "org_name",
            "year",
            "quota",
            "under_35_quota",
            "women_quota",
            "note",
            "updated_at",
        ]


class PlanProgressSerializer(PlanSerializer):
    """The plan as set, with the admissions counted from the votes on file (never typed)."""

    admitted = serializers.IntegerField(read_only=True)
    admitted_under_35 = serializers.IntegerField(read_only=True)
    admitted_women = serializers.IntegerField(read_only=True)
    percent = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "admitted", "admitted_under_35", "admitted_women", "percent"]


class PlanWriteSerializer(serializers.Serializer):
    org = serializers.CharField(help_text="下达计划的党组织代码（由其上级下达）")
    year = serializers.IntegerField(min_value=YEAR_RANGE[0], max_value=YEAR_RANGE[1])
    # The database column is a positive integer; the service judges the rules (负数 etc.).
    quota = serializers.IntegerField(min_value=-1_000_000, max_value=1_000_000)
    under_35_quota = serializers.IntegerField(
        min_value=-1_000_000, max_value=1_000_000, required=False, allow_null=True, default=None
    )
    women_quota = serializers.IntegerField(
        min_value=-1_000_000, max_value=1_000_000, required=False, allow_null=True, default=None
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
