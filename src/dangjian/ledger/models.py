from django.conf import settings
from django.db import models

from dangjian.core.restrict import RestrictedQuerySet
from dangjian.orgs.choices import Sector

from .choices import Comparison, ItemSource, ItemStatus, LedgerStatus, RecipientStatus, TargetMetric


class Ledger(models.Model):
    """整改台账 of one organization: a list of items kept open until every one is closed."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="ledgers", verbose_name="党组织"
    )
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("台账名称", max_length=120)
    source = models.CharField("来源", max_length=16, choices=ItemSource.choices)
    status = models.CharField("状态", max_length=12, choices=LedgerStatus.choices, default=LedgerStatus.OPEN)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    created_at = models.DateTimeField("建账时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "整改台账"
        verbose_name_plural = "整改台账"
        ordering = ["-year", "organization_id", "id"]

    def __str__(self) -> str:
        return f"{self.organization} {self.title}"


class LedgerItem(models.Model):
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="items", verbose_name="台账")
    number = models.PositiveSmallIntegerField("序号")
    problem = models.TextField("问题")
    measure = models.TextField("整改措施")
    responsible_person = models.CharField("责任人", max_length=50)
    deadline = models.DateField("完成时限")
    source = models.CharField("来源", max_length=16, choices=ItemSource.choices)
    status = models.CharField("状态", max_length=16, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    close_evidence = models.TextField("销号佐证", blank=True)
    close_requested_on = models.DateField("申请销号日期", null=True, blank=True)
    return_reason = models.TextField("退回理由", blank=True)
    closed_on = models.DateField("销号日期", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "ledger__organization__path"

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["ledger_id", "number"]
        constraints = [models.UniqueConstraint(fields=["ledger", "number"], name="ledger_item_number")]
        indexes = [models.Index(fields=["status", "deadline"], name="ledger_item_status_deadline")]

    def __str__(self) -> str:
        return f"{self.ledger.title} 第{self.number}项"


class ProgressNote(models.Model):
    item = models.ForeignKey(
        LedgerItem, on_delete=models.CASCADE, related_name="notes", verbose_name="整改事项"
    )
    noted_on = models.DateField("日期")
    note = models.TextField("进展情况")
    evidence = models.TextField("佐证材料", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "item__ledger__organization__path"

    class Meta:
        verbose_name = "整改进展"
        verbose_name_plural = "整改进展"
        ordering = ["noted_on", "id"]

    def __str__(self) -> str:
        return f"{self.item} {self.noted_on:%Y-%m-%d}"


class DispatchSheet(models.Model):
    """交办单: one task issued by a level to many organizations below it."""

    issuer = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="dispatch_sheets", verbose_name="交办单位"
    )
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("事项", max_length=120)
    content = models.TextField("具体要求", blank=True)
    issued_on = models.DateField("交办日期")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "issuer__path"

    class Meta:
        verbose_name = "交办单"
        verbose_name_plural = "交办单"
        ordering = ["-issued_on", "id"]

    def __str__(self) -> str:
        return self.title


class DispatchRecipient(models.Model):
    sheet = models.ForeignKey(DispatchSheet, on_delete=models.CASCADE, related_name="recipients")
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="dispatches", verbose_name="承办单位"
    )
    deadline = models.DateField("办理时限")
    responsible_person = models.CharField("责任人", max_length=50)
    status = models.CharField(
        "办理状态", max_length=12, choices=RecipientStatus.choices, default=RecipientStatus.PENDING
    )
    response = models.TextField("办理情况", blank=True)
    completed_on = models.DateField("办结日期", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "交办承办"
        verbose_name_plural = "交办承办"
        constraints = [
            models.UniqueConstraint(fields=["sheet", "organization"], name="dispatch_recipient_once"),
        ]

    def __str__(self) -> str:
        return f"{self.sheet} → {self.organization}"


class Target(models.Model):
    """A figure of the year's policy document over the organizations below `organization`,
    computed live from the data (nothing typed in twice)."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="targets", verbose_name="下达单位"
    )
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("目标名称", max_length=120)
    metric = models.CharField("指标", max_length=32, choices=TargetMetric.choices)
    comparison = models.CharField("比较", max_length=12, choices=Comparison.choices)
    threshold = models.DecimalField("目标值", max_digits=10, decimal_places=1)
    sector = models.CharField("限定单位属性", max_length=20, choices=Sector.choices, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "年度目标"
        verbose_name_plural = "年度目标"
        ordering = ["year", "id"]

    def __str__(self) -> str:
        return f"{self.year}年 {self.name}"
