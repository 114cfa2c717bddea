from decimal import Decimal

from django.conf import settings
from django.db import models

from dangjian.core.restrict import RestrictedQuerySet
from dangjian.orgs.choices import Sector

from . import rules
from .choices import (
    TEMPLATE_GRADE_BASES,
    AssessmentStatus,
    BasicArea,
    CheckResult,
    Grade,
    GradeBasis,
    GradeChange,
    ScoringMethod,
    WeakStatus,
)


class ChecklistTemplate(models.Model):
    """A standardization checklist of one sector for one year, held by a county (or any level
    above branches). It applies to the owner's subtree; a deeper owner's template wins."""

    owner = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="checklist_templates",
        verbose_name="制定单位",
    )
    sector = models.CharField("适用单位属性", max_length=20, choices=Sector.choices)
    year = models.PositiveSmallIntegerField("适用年度（起）")
    name = models.CharField("清单名称", max_length=120)
    grade_one_min = models.DecimalField(
        "一类线（得分率%）", max_digits=5, decimal_places=2, default=rules.DEFAULT_BANDS[0]
    )
    grade_two_min = models.DecimalField(
        "二类线（得分率%）", max_digits=5, decimal_places=2, default=rules.DEFAULT_BANDS[1]
    )
    grade_three_min = models.DecimalField(
        "三类线（得分率%）", max_digits=5, decimal_places=2, default=rules.DEFAULT_BANDS[2]
    )
    grade_basis = models.CharField(
        "定级办法", max_length=16, choices=TEMPLATE_GRADE_BASES, default=GradeBasis.SCORE_BANDS
    )
    good_share_min = models.DecimalField(
        "“好”的得分率线（%）", max_digits=5, decimal_places=2, default=rules.DEFAULT_FIVE_GOODS.share_min
    )
    goods_for_one = models.PositiveSmallIntegerField(
        "一类所需“好”项数", default=rules.DEFAULT_FIVE_GOODS.goods_for[0]
    )
    goods_for_two = models.PositiveSmallIntegerField(
        "二类所需“好”项数", default=rules.DEFAULT_FIVE_GOODS.goods_for[1]
    )
    goods_for_three = models.PositiveSmallIntegerField(
        "三类所需“好”项数", default=rules.DEFAULT_FIVE_GOODS.goods_for[2]
    )
    # 评星晋级 (community branches by default): minimum percentages for 5, 4, 3 and 2 stars as
    # strings, e.g. ["95", "85", "75", "60"]; empty when the checklist awards no stars.
    star_lines = models.JSONField("评星档次（五星至二星线，%）", default=list, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "owner__path"

    class Meta:
        verbose_name = "规范化建设清单"
        verbose_name_plural = "规范化建设清单"
        ordering = ["owner_id", "sector", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "sector", "year"], name="checklist_owner_sector_year"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.year}）"

    @property
    def bands(self) -> tuple[Decimal, Decimal, Decimal]:
        return (self.grade_one_min, self.grade_two_min, self.grade_three_min)

    @property
    def stars(self) -> tuple[Decimal, ...]:
        return tuple(Decimal(line) for line in self.star_lines)

    @property
    def five_goods(self) -> rules.FiveGoods:
        return rules.FiveGoods(
            self.good_share_min, (self.goods_for_one, self.goods_for_two, self.goods_for_three)
        )


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField("序号")
    area = models.CharField("类别", max_length=16, choices=BasicArea.choices)
    title = models.CharField("事项", max_length=200)
    description = models.TextField("标准要求", blank=True)
    evidence_required = models.CharField("佐证材料", max_length=200, blank=True)
    points = models.DecimalField("分值", max_digits=5, decimal_places=1)
    method = models.CharField(
        "评分方式", max_length=24, choices=ScoringMethod.choices, default=ScoringMethod.MANUAL
    )

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "template__owner__path"

    class Meta:
        verbose_name = "清单事项"
        verbose_name_plural = "清单事项"
        ordering = ["template_id", "number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="checklist_item_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Assessment(models.Model):
    """One organization's year: its self-check (体检), then the superior's item-by-item
    assessment (照单考评), the score and the class once signed off."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="assessments", verbose_name="党组织"
    )
    year = models.PositiveSmallIntegerField("年度")
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(
        "状态", max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    ledger = models.ForeignKey(
        "ledger.Ledger",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="整改台账",
    )
    self_checked_on = models.DateField("自查提交日期", null=True, blank=True)
    total_score = models.DecimalField("得分", max_digits=6, decimal_places=1, null=True, blank=True)
    max_score = models.DecimalField("总分", max_digits=6, decimal_places=1, null=True, blank=True)
    percent = models.DecimalField("得分率（%）", max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.PositiveSmallIntegerField("类别", choices=Grade.choices, null=True, blank=True)
    grade_basis = models.CharField("定级依据", max_length=16, choices=GradeBasis.choices, blank=True)
    grade_reason = models.TextField("定级说明", blank=True)
    previous_grade = models.PositiveSmallIntegerField(
        "上年类别", choices=Grade.choices, null=True, blank=True
    )
    grade_change = models.CharField("晋位升级", max_length=8, choices=GradeChange.choices, blank=True)
    stars = models.PositiveSmallIntegerField("星级", null=True, blank=True)
    previous_stars = models.PositiveSmallIntegerField("上年星级", null=True, blank=True)
    star_change = models.CharField("评星晋级", max_length=8, choices=GradeChange.choices, blank=True)
    signed_on = models.DateField("确认日期", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "规范化考评"
        verbose_name_plural = "规范化考评"
        ordering = ["-year", "organization_id"]
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="assessment_org_year")]
        indexes = [models.Index(fields=["year", "status", "grade"], name="assessment_year_status_grade")]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}年考评"

    @property
    def stars_display(self) -> str:
        return "★" * self.stars + "☆" * (5 - self.stars) if self.stars else ""


class AssessmentEntry(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    self_result = models.CharField("自查结果", max_length=8, choices=CheckResult.choices, blank=True)
    self_evidence = models.TextField("自查佐证", blank=True)
    measure = models.TextField("整改措施", blank=True)
    responsible_person = models.CharField("整改责任人", max_length=50, blank=True)
    deadline = models.DateField("整改时限", null=True, blank=True)
    rectification = models.ForeignKey(
        "ledger.LedgerItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    score = models.DecimalField("考评得分", max_digits=5, decimal_places=1, null=True, blank=True)
    assessor_evidence = models.TextField("考评佐证/说明", blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "assessment__organization__path"

    class Meta:
        verbose_name = "考评事项"
        verbose_name_plural = "考评事项"
        ordering = ["assessment_id", "item__number"]
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="assessment_entry_item")]

    def __str__(self) -> str:
        return f"{self.assessment} 第{self.item.number}项"


class WeakOrganization(models.Model):
    """软弱涣散: identified by the superior, rectified through its ledger, closed by the superior."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="weak_records", verbose_name="党组织"
    )
    year = models.PositiveSmallIntegerField("年度")
    categories = models.JSONField("问题类别", default=list)
    leader_name = models.CharField("包联领导", max_length=50)
    status = models.CharField(
        "状态", max_length=12, choices=WeakStatus.choices, default=WeakStatus.IDENTIFIED
    )
    ledger = models.ForeignKey(
        "ledger.Ledger", on_delete=models.PROTECT, related_name="+", verbose_name="整顿台账"
    )
    identified_on = models.DateField("确定日期")
    closed_on = models.DateField("销号日期", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "软弱涣散党组织"
        verbose_name_plural = "软弱涣散党组织"
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="weak_org_year")]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}年"


class WeakCategoryOption(models.Model):
    """A problem category of the weak-organization screening as a county (or any level above
    branches) words it. An owner with no rows uses the product's list (`WeakCategory`); its
    first change copies that list, so the county then edits its own. The deepest owner above
    an organization decides its list, as for checklists."""

    owner = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="weak_categories", verbose_name="制定单位"
    )
    code = models.CharField("代码", max_length=32)
    label = models.CharField("问题类别", max_length=60)
    active = models.BooleanField("启用", default=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "owner__path"

    class Meta:
        verbose_name = "软弱涣散问题类别"
        verbose_name_plural = "软弱涣散问题类别"
        ordering = ["owner_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "code"], name="weak_category_owner_code")]

    def __str__(self) -> str:
        return self.label
