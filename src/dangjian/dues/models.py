from decimal import Decimal

from django.conf import settings
from django.db import models

from dangjian.core.restrict import RestrictedQuerySet

from .choices import DuesCategory, PaymentMethod


class DuesProfile(models.Model):
    """A member's dues for one year: category and monthly base, set once a year."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="dues_profiles", verbose_name="党员"
    )
    year = models.PositiveSmallIntegerField("年度")
    category = models.CharField("党费类别", max_length=12, choices=DuesCategory.choices)
    monthly_base = models.DecimalField(
        "月收入基数（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    fixed_amount = models.DecimalField("定额（元/月）", max_digits=6, decimal_places=2, null=True, blank=True)
    voluntary_extra = models.DecimalField(
        "自愿多交（元/月）", max_digits=10, decimal_places=2, default=Decimal(0)
    )
    monthly_due = models.DecimalField("每月应交（元）", max_digits=10, decimal_places=2)
    set_on = models.DateField("核定日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "member__organization__path"

    class Meta:
        verbose_name = "党费基数"
        verbose_name_plural = "党费基数"
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="dues_profile_member_year")]

    def __str__(self) -> str:
        return f"{self.member} {self.year}年"


class DuesMonth(models.Model):
    """One member's dues for one month in the branch ledger. The branch is the one the member
    belonged to that month, so a later transfer leaves old months where they were paid; a
    payment provider would fill `reference` (the model does not assume cash)."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="dues_months", verbose_name="党员"
    )
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="dues_months", verbose_name="党支部"
    )
    month = models.DateField("月份")  # the first day of the month
    due = models.DecimalField("应交（元）", max_digits=10, decimal_places=2)
    paid = models.DecimalField("实交（元）", max_digits=10, decimal_places=2, default=Decimal(0))
    paid_on = models.DateField("交纳日期", null=True, blank=True)
    method = models.CharField("交纳方式", max_length=12, choices=PaymentMethod.choices, blank=True)
    reference = models.CharField("交易凭证号", max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "党费月账"
        verbose_name_plural = "党费月账"
        ordering = ["month", "member_id"]
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="dues_month_member_month")]
        indexes = [models.Index(fields=["organization", "month"], name="dues_org_month_idx")]

    def __str__(self) -> str:
        return f"{self.member} {self.month:%Y-%m}"

    @property
    def is_paid(self) -> bool:
        return self.paid >= self.due


class DuesExemption(models.Model):
    """少交或免交党费: a member in hardship pays less (or nothing) for some months of a year,
    on the branch's decision approved by the superior committee. `monthly_amount` 0 is an
    exemption; the months' ledger rows are due that amount."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="dues_exemptions", verbose_name="党员"
    )
    year = models.PositiveSmallIntegerField("年度")
    first_month = models.PositiveSmallIntegerField("起始月")
    last_month = models.PositiveSmallIntegerField("截止月")
    monthly_amount = models.DecimalField("减免后每月应交（元）", max_digits=10, decimal_places=2)
    reason = models.CharField("减免理由", max_length=300)
    branch_decided_on = models.DateField("党支部研究日期")
    approved_by = models.CharField("批准的党委", max_length=120)
    approved_on = models.DateField("批准日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "member__organization__path"

    class Meta:
        verbose_name = "党费减免"
        verbose_name_plural = "党费减免"
        ordering = ["-year", "first_month", "id"]
        indexes = [models.Index(fields=["member", "year"], name="dues_exemption_member_year")]

    def __str__(self) -> str:
        return f"{self.member} {self.year}年{self.first_month}-{self.last_month}月党费减免"

    @property
    def is_exemption(self) -> bool:
        return self.monthly_amount == 0

    def covers(self, month: int) -> bool:
        return self.first_month <= month <= self.last_month
