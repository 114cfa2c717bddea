from django.conf import settings
from django.db import models
from django.utils import timezone

from .restrict import RestrictedQuerySet


class AuditEvent(models.Model):
    """One state change made by a service, written in the same transaction as the change."""

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=32)
    object_id = models.CharField("对象编号", max_length=64)
    object_repr = models.CharField("对象", max_length=200)
    # The organization the change belongs to: auditors see the events of their subtree.
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    remote_addr = models.GenericIPAddressField("来源地址", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


class AccessLog(models.Model):
    """Who looked at or carried away personal data: full ID numbers shown, exports, imports."""

    class Kind(models.TextChoices):
        REVEAL_ID = "reveal_id", "查看完整身份证号"
        EXPORT = "export", "导出"
        EXPORT_UNMASKED = "export_unmasked", "导出（含完整身份证号）"
        IMPORT = "import", "导入"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField("用户", max_length=150, blank=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, db_index=True)
    object_type = models.CharField("对象类型", max_length=32, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField("详情", default=dict, blank=True)
    remote_addr = models.GenericIPAddressField("来源地址", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    restrict_path = "organization__path"

    class Meta:
        verbose_name = "访问记录"
        verbose_name_plural = "访问记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_kind_display()} {self.object_repr}"
