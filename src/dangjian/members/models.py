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
