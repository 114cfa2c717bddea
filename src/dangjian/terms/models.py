from django.conf import settings
from django.db import models

from dangjian.core.restrict import RestrictedQuerySet


class Election(models.Model):
    """One election meeting (换届选举) on file; recording it starts the organization's new term
    (`Organization.term_started_on` and `term_years`, changed through `orgs.services`)."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="elections", verbose_name="党组织"
    )
    held_on = models.DateField("选举日期")
    term_years = models.PositiveSmallIntegerField("新一届任期（年）")
    seats = models.PositiveSmallIntegerField("应选人数")
    candidates = models.JSONField("候选人", default=list)
    voters_entitled = models.PositiveIntegerField("应到会有选举权的党员")
    voters_present = models.PositiveIntegerField("实到会有选举权的党员")
    # [[name, votes in favour], ...] of those elected.
    elected = models.JSONField("当选人及得票", default=list)
    secretary_name = models.CharField("书记", max_length=50, blank=True)
    previous_term_started_on = models.DateField("上届任期开始", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "换届选举"
        verbose_name_plural = "换届选举"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["organization", "held_on"], name="election_org_day_idx")]

    def __str__(self) -> str:
        return f"{self.organization} {self.held_on:%Y-%m-%d}换届选举"


class TermPostponement(models.Model):
    """A postponement of the election approved by the superior (选举条例第三条). It belongs to
    the term that started on `term_started_on`: a new term leaves it in the history only."""

    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="term_postponements",
        verbose_name="党组织",
    )
    term_started_on = models.DateField("本届任期开始")
    term_ends_on = models.DateField("任期届满日")
    postponed_to = models.DateField("延期至")
    reason = models.CharField("延期理由", max_length=300)
    approved_by = models.CharField("批准的党组织", max_length=120)
    approved_on = models.DateField("批准日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "延期换届"
        verbose_name_plural = "延期换届"
        ordering = ["-approved_on", "-id"]
        indexes = [models.Index(fields=["organization", "term_started_on"], name="postpone_org_term_idx")]

    def __str__(self) -> str:
        return f"{self.organization} 延期换届至{self.postponed_to:%Y-%m-%d}"
