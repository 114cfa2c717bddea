from django.conf import settings
from django.db import models
from django.utils import timezone

from dangjian.core.restrict import RestrictedQuerySet

from .choices import ActivityKind, ActivityStatus, AttachmentKind, AttendanceStatus


class ActivityQuerySet(RestrictedQuerySet):
    def current(self) -> "ActivityQuerySet":
        """The versions that count: submitted and not replaced by a correction."""
        return self.filter(is_current=True, status=ActivityStatus.SUBMITTED)


class Activity(models.Model):
    """One sitting of organizational life of a branch, in one version.

    A submitted record is locked; a correction is a new row pointing at the one it replaces,
    so the minute book keeps its history and compliance reads only `is_current` rows."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="activities", verbose_name="党支部"
    )
    group = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_activities",
        verbose_name="党小组",
    )
    held_on = models.DateField("日期")
    start_time = models.TimeField("开始时间", null=True, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    host = models.CharField("主持人", max_length=50, blank=True)
    speaker_member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="讲课党员",
    )
    speaker_name = models.CharField("主讲人", max_length=50, blank=True)
    # Derived by the services from the 书记 post in force on `held_on`; stored so that the
    # rollup can count "党课 given by the secretary" in the same aggregate query.
    secretary_spoke = models.BooleanField("书记讲党课", default=False, editable=False)
    topic = models.CharField("主题", max_length=200, blank=True)
    minutes = models.TextField("会议记录", blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT
    )
    version = models.PositiveIntegerField("版本", default=1)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        verbose_name="上一版本",
    )
    is_current = models.BooleanField("现行版本", default=True)
    correction_reason = models.CharField("更正原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)

    objects = ActivityQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "组织生活记录"
        verbose_name_plural = "组织生活记录"
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["organization", "held_on"], name="activity_org_date_idx"),
            models.Index(fields=["is_current", "status", "held_on"], name="activity_current_idx"),
            # The incremental recompute asks what was submitted since its last run.
            models.Index(fields=["submitted_at"], name="activity_submitted_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.organization} {self.topic or '组织生活'}"

    @property
    def is_locked(self) -> bool:
        return self.status == ActivityStatus.SUBMITTED

    @property
    def kinds(self) -> list[str]:
        return sorted(entry.kind for entry in self.kind_entries.all())


class ActivityKindEntry(models.Model):
    """One kind a sitting counts for: a 主题党日 combined with a 党员大会 and a 党课 (三日合一)
    has three entries and counts once for each kind."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="kind_entries")
    kind = models.CharField("类型", max_length=20, choices=ActivityKind.choices)

    restrict_path = "activity__organization__path"

    class Meta:
        verbose_name = "活动类型"
        verbose_name_plural = "活动类型"
        constraints = [models.UniqueConstraint(fields=["activity", "kind"], name="activity_kind_unique")]
        indexes = [models.Index(fields=["kind", "activity"], name="activity_kind_idx")]

    def __str__(self) -> str:
        return self.get_kind_display()


class Attendance(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("出勤", max_length=10, choices=AttendanceStatus.choices)
    leave_reason = models.CharField("请假事由", max_length=200, blank=True)

    restrict_path = "activity__organization__path"

    class Meta:
        verbose_name = "出勤"
        verbose_name_plural = "出勤"
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="attendance_unique"),
            models.CheckConstraint(
                condition=~models.Q(status=AttendanceStatus.LEAVE, leave_reason=""),
                name="attendance_leave_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["member", "status"], name="attendance_member_idx")]

    def __str__(self) -> str:
        return f"{self.member} {self.get_status_display()}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    now = timezone.now()
    return f"orglife/{now:%Y/%m}/{filename}"


class Attachment(models.Model):
    """A photo or a scanned sign-in sheet: evidence, optional, never the work itself."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField("类型", max_length=10, choices=AttachmentKind.choices)
    file = models.FileField("文件", upload_to=attachment_path, max_length=255)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    restrict_path = "activity__organization__path"

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class LocalRuleSet(models.Model):
    """A locality's own rules of organizational life for its subtree, from `effective_from` on.

    A newer set of the same organization replaces the older one from its date; the rules of
    every ancestor apply too, the deeper organization's last (see `rules.rules_for_unit`)."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="orglife_rule_sets",
        verbose_name="制定单位",
    )
    name = models.CharField("名称", max_length=120)
    effective_from = models.DateField("施行日期")
    rules = models.JSONField("规则", default=list, blank=True)
    source = models.CharField("依据文件", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "地方组织生活规则"
        verbose_name_plural = "地方组织生活规则"
        ordering = ["organization", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "effective_from"], name="local_rules_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from:%Y-%m-%d}起）"


class ComplianceFigures(models.Model):
    """The precomputed compliance figures of one branch for one year (architecture.md,
    "Rollups"): for each rule and each of its periods, the unit (branch or group), the
    minimum required and the sittings held. Status is not stored: it follows from these and
    the day the figures are read (a quarter's "due" becomes "missed" when the quarter ends
    without any record changing), so the figures stay true between recomputes.

    `fingerprint` digests what the figures were computed from besides the records (the
    branch's sector, committee, date of establishment, groups and the local rule sets that
    reach it), so that the incremental recompute also notices changes to those."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name="党支部"
    )
    year = models.PositiveSmallIntegerField("年度")
    fingerprint = models.CharField("依据摘要", max_length=64)
    # Distinct rule definitions (Rule.to_json); entries point into this list by position.
    rules = models.JSONField("规则", default=list)
    # [rule index, period kind, period index, unit id, unit name, held]; the minimum is the rule's.
    entries = models.JSONField("数据", default=list)
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "组织生活落实情况（预计算）"
        verbose_name_plural = "组织生活落实情况（预计算）"
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="compliance_figures_unique")
        ]
        indexes = [models.Index(fields=["year", "organization"], name="compliance_figures_year_idx")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year}"


class ComplianceRollup(models.Model):
    """The compliance figures of one organization's subtree for one year, summed (architecture.md,
    "Rollups"), so that a dashboard reads one row per organization shown instead of one per
    branch below it. A branch has its own row, a committee the sum of its children's rows.

    `figures` holds, for each window a report asks about (the year, each quarter, each month)
    and each rule, the branches counted, the sittings required, credited and held, and a
    histogram of the branches by the last month of the earliest period they have not yet met
    ("0": every period met). Whether such a period is still "due" or already "missed" follows
    from that month and the day of reading, so the stored figures are independent of the date.

    For a branch row, `unmet_*` repeat the histogram key of the report windows (the year and
    the quarters) as columns, so that the failing branches of a subtree are one indexed query."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name="组织"
    )
    year = models.PositiveSmallIntegerField("年度")
    # The organization's path when computed: a branch moved since still leaves its old
    # ancestors to be recomputed.
    path = models.CharField("路径", max_length=255)
    is_branch = models.BooleanField("党支部", default=False)
    figures = models.JSONField("汇总", default=dict)
    unmet_year = models.PositiveSmallIntegerField("全年未完成起始月", default=0)
    unmet_q1 = models.PositiveSmallIntegerField("第1季度未完成起始月", default=0)
    unmet_q2 = models.PositiveSmallIntegerField("第2季度未完成起始月", default=0)
    unmet_q3 = models.PositiveSmallIntegerField("第3季度未完成起始月", default=0)
    unmet_q4 = models.PositiveSmallIntegerField("第4季度未完成起始月", default=0)
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "path"

    class Meta:
        verbose_name = "组织生活落实情况汇总（预计算）"
        verbose_name_plural = "组织生活落实情况汇总（预计算）"
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="compliance_rollup_unique")
        ]
        indexes = [
            models.Index(
                fields=["path"], name="compliance_rollup_path_idx", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year}"


class ComplianceRun(models.Model):
    """One recompute of the precomputed figures; the incremental run starts from the start of
    the last finished one, so a record submitted while a run was reading is taken next time."""

    class Mode(models.TextChoices):
        FULL = "full", "全量"
        INCREMENTAL = "incremental", "增量"

    year = models.PositiveSmallIntegerField("年度")
    mode = models.CharField("方式", max_length=12, choices=Mode.choices)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    recomputed = models.PositiveIntegerField("重算支部数", default=0)
    removed = models.PositiveIntegerField("删除数", default=0)

    class Meta:
        verbose_name = "预计算运行"
        verbose_name_plural = "预计算运行"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["year", "finished_at"], name="compliance_run_year_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.mode} {self.started_at:%Y-%m-%d %H:%M}"
