import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dangjian.core import crypto
from dangjian.core.dates import age_on
from dangjian.core.fields import EncryptedTextField, KeyedDigestField
from dangjian.core.idnumber import mask_id_number
from dangjian.core.restrict import RestrictedQuerySet

from .choices import (
    ETHNICITY_CHOICES,
    Category,
    Education,
    EventKind,
    MemberStatus,
    PartyRole,
    Sex,
)

ID_NUMBER_DIGEST_PURPOSE = "id_number"


def id_number_digests(id_number: str) -> list[str]:
    """The look-up digests of an ID number (normalised as stored: 18 characters, upper-case X)
    under every configured hash key, current first, so rows not yet rotated are still found."""
    return crypto.digests(id_number.strip().upper(), purpose=ID_NUMBER_DIGEST_PURPOSE)


def id_number_q(id_number: str) -> Q:
    """Exact match on a full ID number: the only search the encrypted column allows."""
    return Q(id_number_hash__in=id_number_digests(id_number))


class MemberQuerySet(RestrictedQuerySet):
    def active(self) -> "MemberQuerySet":
        return self.filter(status=MemberStatus.ACTIVE)

    def with_id_number(self, id_number: str) -> "MemberQuerySet":
        return self.filter(id_number_q(id_number))


class Member(models.Model):
    """A party member on the roster of a branch (党支部, 联合党支部 or 临时党支部)."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="members", verbose_name="所在党组织"
    )
    group = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_members",
        verbose_name="党小组",
    )
    name = models.CharField("姓名", max_length=50)
    # Space-separated readings, so 单 finds both shan and dan; see core.pinyin.
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    name_initials = models.CharField(max_length=60, blank=True, editable=False)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    ethnicity = models.CharField("民族", max_length=10, choices=ETHNICITY_CHOICES, blank=True)
    # Stored encrypted; look-ups and the one-member-per-person rule go through the keyed digest
    # (see members.selectors.member_by_id_number). Declared before id_number, which fills it.
    id_number_hash = KeyedDigestField(
        "公民身份号码摘要",
        source="id_number",
        purpose=ID_NUMBER_DIGEST_PURPOSE,
        unique=True,
        null=True,
        blank=True,
    )
    id_number = EncryptedTextField("公民身份号码", max_length=18)
    birth_date = models.DateField("出生日期")
    education = models.CharField("学历", max_length=24, choices=Education.choices, blank=True)
    category = models.CharField("人员类别", max_length=16, choices=Category.choices)
    joined_on = models.DateField("入党日期")
    converted_on = models.DateField("转正日期", null=True, blank=True)
    phone = EncryptedTextField("联系电话", max_length=30, blank=True)
    job = models.CharField("工作岗位", max_length=100, blank=True)
    address = models.CharField("家庭住址", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    status_changed_on = models.DateField("状态变更日期", null=True, blank=True)
    month_precision_dates = models.JSONField("精确到月的日期", default=list, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = MemberQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        indexes = [
            models.Index(fields=["organization", "status"], name="member_org_status_idx"),
            models.Index(fields=["name"], name="member_name_idx"),
            models.Index(fields=["birth_date"], name="member_birth_idx"),
            models.Index(fields=["joined_on"], name="member_joined_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def age(self, today: dt.date | None = None) -> int:
        return age_on(self.birth_date, today or timezone.localdate())


class MemberEvent(models.Model):
    """A dated change in a member's standing: joined, converted, transferred, died, left."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events", verbose_name="党员")
    kind = models.CharField("事项", max_length=20, choices=EventKind.choices)
    occurred_on = models.DateField("日期")
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="所在党组织"
    )
    # The other side of a transfer: inside the system, or only a name for one outside it.
    counterpart = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="对方党组织",
    )
    counterpart_name = models.CharField("对方党组织名称", max_length=120, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    restrict_path = "organization__path"

    class Meta:
        verbose_name = "党员状态记录"
        verbose_name_plural = "党员状态记录"
        ordering = ["occurred_on", "id"]

    def __str__(self) -> str:
        return f"{self.member} {self.get_kind_display()} {self.occurred_on}"


class MemberRole(models.Model):
    """A post held by a member in an organization (书记, 组织委员, 党小组组长 ...)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="roles", verbose_name="党员")
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="member_roles", verbose_name="党组织"
    )
    role = models.CharField("职务", max_length=20, choices=PartyRole.choices)
    started_on = models.DateField("任职日期")
    ended_on = models.DateField("离任日期", null=True, blank=True)

    restrict_path = "organization__path"

    class Meta:
        verbose_name = "党内职务"
        verbose_name_plural = "党内职务"
        ordering = ["organization", "role", "-started_on"]
        indexes = [models.Index(fields=["organization", "ended_on"], name="role_org_current_idx")]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_role_display()} {self.member}"


# The age bands of members.filters.AGE_BANDS and the education choices, each a column of
# MemberFigures (a subtree's figures are SUMs of columns, not of JSON).
AGE_COLUMNS = {
    "lt30": "age_lt30",
    "30-39": "age_30_39",
    "40-49": "age_40_49",
    "50-59": "age_50_59",
    "60-69": "age_60_69",
    "ge70": "age_ge70",
}
EDUCATION_COLUMNS = {value: f"edu_{value}" for value in Education.values}
# Members without an education, and those with a value outside the choices (none are written
# by the services; counted so that the sums still add up to the total).
EDUCATION_BLANK_COLUMN = "edu_blank"
EDUCATION_OTHER_COLUMN = "edu_other"


class MemberFigures(models.Model):
    """The precomputed member figures of one organization (architecture.md, "Rollups"): its
    OWN active members (not its subtree's) by category, age band and education, with the
    organization's attributes the home page's figures and warnings read. A subtree's figures
    are one SUM over the rows whose path starts with its root's (a province: ~120,000 rows
    instead of ~1,000,000 members).

    Kept up to date by `services.member_figures_recompute` (a background task): the member
    services mark the organizations they change `stale`; the recompute also picks up
    organizations without a row or whose attributes differ from the row's, and those with a
    member whose birthday moved them to another age band since `ages_on`."""

    organization = models.OneToOneField(
        "orgs.Organization",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name="党组织",
    )
    # The organization's attributes when computed (the recompute compares them with the tree).
    path = models.CharField("路径", max_length=255)
    kind = models.CharField("组织类别", max_length=20)
    sector = models.CharField("单位属性", max_length=20)
    is_active = models.BooleanField("未撤销", default=True)
    has_committee = models.BooleanField("设支部委员会", default=False)
    term_ends_on = models.DateField("本届任期届满", null=True, blank=True)
    term_postponed_to = models.DateField("经批准延期至", null=True, blank=True)
    # The day the election is due: the approved postponement when later than the term's end.
    term_due_on = models.DateField("应换届日期", null=True, blank=True)
    # Active members of this organization itself.
    full = models.PositiveIntegerField("正式党员", default=0)
    probationary = models.PositiveIntegerField("预备党员", default=0)
    age_lt30 = models.PositiveIntegerField(default=0)
    age_30_39 = models.PositiveIntegerField(default=0)
    age_40_49 = models.PositiveIntegerField(default=0)
    age_50_59 = models.PositiveIntegerField(default=0)
    age_60_69 = models.PositiveIntegerField(default=0)
    age_ge70 = models.PositiveIntegerField(default=0)
    edu_postgraduate = models.PositiveIntegerField(default=0)
    edu_bachelor = models.PositiveIntegerField(default=0)
    edu_junior_college = models.PositiveIntegerField(default=0)
    edu_secondary_vocational = models.PositiveIntegerField(default=0)
    edu_high_school = models.PositiveIntegerField(default=0)
    edu_junior_high = models.PositiveIntegerField(default=0)
    edu_primary_or_below = models.PositiveIntegerField(default=0)
    edu_blank = models.PositiveIntegerField(default=0)
    edu_other = models.PositiveIntegerField(default=0)
    # The day the age bands were counted for.
    ages_on = models.DateField("年龄计算日")
    # Set by the member services when the organization's members change; cleared by the recompute.
    stale = models.BooleanField("待重算", default=False)
    computed_at = models.DateTimeField("计算时间")

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "path"

    class Meta:
        verbose_name = "党员统计（预计算）"
        verbose_name_plural = "党员统计（预计算）"
        indexes = [
            models.Index(fields=["path"], name="member_figures_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["ages_on"], name="member_figures_ages_on_idx"),
            models.Index(fields=["stale"], name="member_figures_stale_idx", condition=Q(stale=True)),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.path}"
