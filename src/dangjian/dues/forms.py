"""Forms of the dues pages. They only parse; `dues.services` and `dues.rules` judge the
figures, and their refusals land on the field they name."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from dangjian.core.forms import DateInput, StyledForm

from .choices import DuesCategory, PaymentMethod


class ProfileForm(StyledForm):
    category = forms.ChoiceField(label="党费类别", choices=DuesCategory.choices)
    monthly_base = forms.DecimalField(
        label="月收入基数（元，税后工资或养老金）", max_digits=12, decimal_places=2, required=False
    )
    fixed_amount = forms.DecimalField(
        label="定额（元/月，农民党员0.2至1元）", max_digits=6, decimal_places=2, required=False
    )
    voluntary_extra = forms.DecimalField(
        label="自愿多交（元/月）", max_digits=10, decimal_places=2, required=False, initial=Decimal(0)
    )
    set_on = forms.DateField(label="核定日期", widget=DateInput())


class PaymentForm(StyledForm):
    paid = forms.DecimalField(label="实交（元）", max_digits=10, decimal_places=2)
    paid_on = forms.DateField(label="交纳日期", widget=DateInput())
    method = forms.ChoiceField(label="交纳方式", choices=[("", "—"), *PaymentMethod.choices], required=False)
    reference = forms.CharField(label="凭证号", max_length=64, required=False)


class ExemptionForm(StyledForm):
    first_month = forms.IntegerField(label="起始月", min_value=1, max_value=12)
    last_month = forms.IntegerField(label="截止月", min_value=1, max_value=12)
    monthly_amount = forms.DecimalField(
        label="减免后每月应交（元，免交填0）", max_digits=10, decimal_places=2, min_value=0
    )
    reason = forms.CharField(label="减免理由", max_length=300)
    branch_decided_on = forms.DateField(label="党支部研究日期", widget=DateInput())
    approved_by = forms.CharField(label="批准的党委", max_length=120)
    approved_on = forms.DateField(label="批准日期", widget=DateInput())
