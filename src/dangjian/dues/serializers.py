"""Shapes of /api/dues/: a month's ledger entry, a payment sent by a client, an arrears row."""

from __future__ import annotations

from rest_framework import serializers

from .choices import PaymentMethod
from .models import DuesMonth


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
