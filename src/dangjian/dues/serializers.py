"""Shapes of /api/dues/: a month's ledger entry, a payment sent by a client, an arrears row."""

from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api import YEAR_RANGE

from .choices import PaymentMethod
from .models import DuesExemption, DuesMonth


class DuesMonthSerializer(serializers.ModelSerializer):
    org = serializers.CharField(source="organization.code", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    month = serializers.DateField(format="%Y-%m", read_only=True)

    class Meta:
        model = DuesMonth
        fields = [
            "id",
            "org",
            "member",
            "member_name",
            "month",
            "due",
            "paid",
            "paid_on",
            "method",
            "reference",
        ]


class PaymentSerializer(serializers.Serializer):
    paid = serializers.DecimalField(max_digits=10, decimal_places=2)
    paid_on = serializers.DateField()
    method = serializers.ChoiceField(
        choices=PaymentMethod.choices, required=False, allow_blank=True, default=""
    )
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class ArrearsSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id")
    name = serializers.CharField()
    organization = serializers.IntegerField(source="organization_id")
    months_unpaid = serializers.IntegerField()
    owed = serializers.DecimalField(max_digits=12, decimal_places=2)
    warning = serializers.BooleanField()
    lapsed = serializers.BooleanField()


class ExemptionSerializer(serializers.ModelSerializer):
    org = serializers.CharField(source="member.organization.code", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = DuesExemption
        fields = [
            "id",
            "org",
            "member",
            "member_name",
            "year",
            "first_month",
            "last_month",
            "monthly_amount",
            "reason",
            "branch_decided_on",
            "approved_by",
            "approved_on",
        ]


class ExemptionWriteSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="党员 id")
    year = serializers.IntegerField(min_value=YEAR_RANGE[0], max_value=YEAR_RANGE[1])
    # Any small whole number parses; `dues.rules.exemption_errors` judges 1-12 in Chinese.
    first_month = serializers.IntegerField(min_value=-1000, max_value=1000)
    last_month = serializers.IntegerField(min_value=-1000, max_value=1000)
    monthly_amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    reason = serializers.CharField(max_length=300, allow_blank=True)
    branch_decided_on = serializers.DateField()
    approved_by = serializers.CharField(max_length=120, allow_blank=True)
    approved_on = serializers.DateField()
