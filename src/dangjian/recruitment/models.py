from django.conf import settings
from django.db import models

from dangjian.core.fields import EncryptedTextField, KeyedDigestField
from dangjian.core.idnumber import mask_id_number
from dangjian.core.restrict import RestrictedQuerySet
from dangjian.members.choices import Education, Sex
from dangjian.members.models import ID_NUMBER_DIGEST_PURPOSE

from .choices import CandidateStatus, Stage, Step


class Candidate(models.Model):
    """A person in the recruitment pipeline, from the application until conversion; on the
    admission vote a Member record is created and linked here."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="candidates", verbose_name="所在党支部"
    )
    name = models.CharField("姓名", max_length=50)
    # Encrypted like the member's; the digest (declared first: assigning the number fills it)
    # finds it and keeps one live candidacy per person.
    id_number_hash = KeyedDigestField(
        "公民身份号码摘要", source="id_number", purpose=ID_NUMBER_DIGEST_PURPOSE, null=True, blank=True
    )
    id_number = EncryptedTextField("公民身份号码", max_length=18)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    phone = EncryptedTextField("联系电话", max_length=30, blank=True)
    education = models.CharField("学历", max_length=24, choices=Education.choices, blank=True)
    occupation = models.CharField("职业", max_length=100, blank=True)
    stage = models.CharField("阶段", max_length=16, choices=Stage.choices, default=Stage.APPLICANT)
    status = models.CharField(
        "状态", max_length=12, choices=CandidateStatus.choices, default=CandidateStatus.ACTIVE
    )
    # Months by which the probation was extended (0: not extended); kept here so the
    # probation end is known without replaying the steps.
    extension_months = models.PositiveSmallIntegerField("延长预备期（月）", default=0)
    member = models.OneToOneField(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="candidacy",
        verbose_name="党员档案",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "发展对象档案"
        verbose_name_plural = "发展对象档案"
        indexes = [models.Index(fields=["organization", "stage"], name="candidate_org_stage_idx")]
        constraints = [
            # One live candidacy per person; a stopped one may be followed by a new application.
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=models.Q(status="active"),
                name="candidate_one_active_per_person",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class RecruitmentStep(models.Model):
    """One step of the pipeline on file: when, who took part, which documents, who recorded it."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="steps", verbose_name="发展对象"
    )
    step = models.CharField("步骤", max_length=32, choices=Step.choices)
    occurred_on = models.DateField("日期")
    contacts = models.ManyToManyField(
        "members.Member", blank=True, related_name="+", verbose_name="培养联系人"
    )
    sponsors = models.ManyToManyField(
        "members.Member", blank=True, related_name="+", verbose_name="入党介绍人"
    )
    talker_name = models.CharField("谈话人", max_length=100, blank=True)
    documents = models.CharField("材料", max_length=300, blank=True)
    training_days = models.DecimalField("培训天数", max_digits=5, decimal_places=1, null=True, blank=True)
    training_hours = models.DecimalField("培训学时", max_digits=5, decimal_places=1, null=True, blank=True)
    votes_entitled = models.PositiveIntegerField("应到会有表决权的正式党员", null=True, blank=True)
    votes_present = models.PositiveIntegerField("实到有表决权的党员", null=True, blank=True)
    votes_in_favour = models.PositiveIntegerField("赞成", null=True, blank=True)
    extension_months = models.PositiveSmallIntegerField("延长月数", null=True, blank=True)
    reason = models.CharField("理由", max_length=300, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="记录人",
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    restrict_path = "candidate__organization__path"

    class Meta:
        verbose_name = "发展党员步骤"
        verbose_name_plural = "发展党员步骤"
        ordering = ["occurred_on", "id"]
        indexes = [models.Index(fields=["candidate", "step"], name="recruit_step_idx")]

    def __str__(self) -> str:
        return f"{self.candidate} {self.get_step_display()} {self.occurred_on}"


class RecruitmentPlan(models.Model):
    """The yearly guiding plan (指导性计划) of an organization: how many new members it should
    admit, with how many under 35 and how many women. Set by the superior; the progress is
    counted from the admission votes on file, never typed."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="recruitment_plans", verbose_name="党组织"
    )
    year = models.PositiveSmallIntegerField("年度")
    quota = models.PositiveIntegerField("计划发展党员（名）")
    under_35_quota = models.PositiveIntegerField("其中35岁以下（名）", null=True, blank=True)
    women_quota = models.PositiveIntegerField("其中女性（名）", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "发展党员计划"
        verbose_name_plural = "发展党员计划"
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="recruit_plan_org_year")]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}年发展党员计划"
