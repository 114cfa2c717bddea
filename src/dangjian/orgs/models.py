import datetime as dt

from django.apps import apps
from django.db import models
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from dangjian.core.dates import add_years
from dangjian.core.restrict import RestrictedQuerySet

from .choices import BRANCH_KINDS, TERM_YEARS_CHOICES, OrgKind, OrgStatus, Sector


class OrganizationQuerySet(RestrictedQuerySet, MP_NodeQuerySet):
    def active(self) -> "OrganizationQuerySet":
        return self.filter(status=OrgStatus.ACTIVE)

    def branches(self) -> "OrganizationQuerySet":
        return self.filter(kind__in=BRANCH_KINDS)

    def with_term_postponement(self) -> "OrganizationQuerySet":
        """Annotate `term_postponed_to`: the day the latest approved postponement of the
        current term's election moved it to, or None. A subquery rather than a join, so the
        member counts annotated beside it are not multiplied. The model is looked up here,
        not imported, because the terms app depends on orgs."""
        postponements = apps.get_model("terms", "TermPostponement").objects.filter(
            organization=models.OuterRef("pk"), term_started_on=models.OuterRef("term_started_on")
        )
        latest = postponements.order_by("-approved_on", "-id").values("postponed_to")[:1]
        return self.annotate(term_postponed_to=models.Subquery(latest))


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> OrganizationQuerySet:
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node):
    """A party organization: a node of the tree from the province committee down to the 党小组.

    The tree is only changed through `orgs.services` (treebeard's API), never by writing
    `path`, `depth` or `numchild`."""

    # 4 characters a level over 0-9A-Z: 1.6 million children a level, 63 levels deep.
    steplen = 4
    path = models.CharField(max_length=255, unique=True)

    code = models.CharField("组织代码", max_length=32, unique=True)
    name = models.CharField("组织名称", max_length=120)
    short_name = models.CharField("简称", max_length=60, blank=True)
    kind = models.CharField("组织类别", max_length=20, choices=OrgKind.choices)
    sector = models.CharField("单位属性", max_length=20, choices=Sector.choices)
    established_on = models.DateField("成立日期", null=True, blank=True)
    term_started_on = models.DateField("本届任期开始", null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(
        "任期年限", choices=TERM_YEARS_CHOICES, null=True, blank=True
    )
    has_committee = models.BooleanField("设支部委员会", default=False)
    secretary_name = models.CharField("书记", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    status = models.CharField("状态", max_length=12, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    dissolved_on = models.DateField("撤销日期", null=True, blank=True)
    # Names of the date fields that were known only to the month (imported as "2001.07").
    month_precision_dates = models.JSONField("精确到月的日期", default=list, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = OrganizationManager()
    restrict_path = "path"

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        indexes = [
            models.Index(fields=["kind", "status"], name="org_kind_status_idx"),
            models.Index(fields=["sector"], name="org_sector_idx"),
            # LIKE 'prefix%' on PostgreSQL uses a btree only with pattern ops (or the C collation).
            models.Index(fields=["path"], name="org_path_pattern_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS

    @property
    def is_group(self) -> bool:
        return self.kind == OrgKind.GROUP

    @property
    def is_active(self) -> bool:
        return self.status == OrgStatus.ACTIVE

    @property
    def term_ends_on(self) -> dt.date | None:
        if self.term_started_on and self.term_years:
            return add_years(self.term_started_on, self.term_years)
        return None

    @property
    def parent_path(self) -> str:
        return self.path[: -self.steplen]
