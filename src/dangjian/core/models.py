from typing import Any

from django.conf import settings
from django.db import models, router, transaction
from django.utils import timezone

from . import auditchain
from .restrict import RestrictedQuerySet


class AuditImmutableError(Exception):
    """Raised on any attempt to change or remove an audit entry outside retention pruning."""

    def __init__(self, model: Any) -> None:
        super().__init__(f"{model._meta.verbose_name}只能追加，不能修改或删除。")


class AppendOnlyQuerySet(RestrictedQuerySet):
    """Reads and inserts only: bulk changes would bypass save() and break the hash chain."""

    def update(self, **kwargs: Any) -> int:
        raise AuditImmutableError(self.model)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError(self.model)

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise AuditImmutableError(self.model)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list:
        objs = list(objs)
        using = self.db
        with transaction.atomic(using=using):
            auditchain.lock_chain(self.model, using)
            auditchain.link(objs, auditchain.chain_head(self.model, using))
            return super().bulk_create(objs, *args, **kwargs)

    def prune_before_pk(self, pk: int) -> int:
        """Retention pruning, the one sanctioned removal: every entry older than `pk`, so the
        chain left behind stays contiguous. Only `dangjian audit-prune` calls this."""
        deleted, _ = models.QuerySet.delete(self.filter(pk__lt=pk))
        return deleted


class ChainedEntry(models.Model):
    """An append-only entry linked into its table's hash chain (see auditchain)."""

    prev_hash = models.CharField("前一条校验值", max_length=64, editable=False)
    entry_hash = models.CharField("校验值", max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutableError(self)
        model = type(self)
        using = kwargs.get("using") or router.db_for_write(model, instance=self)
        with transaction.atomic(using=using):
            auditchain.lock_chain(model, using)
            auditchain.link([self], auditchain.chain_head(model, using))
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError(self)


# The audit trail outlives what it talks about: a deleted user or organization must neither
# cascade into the log nor rewrite it (SET_NULL would be an UPDATE that breaks the chain), so
# the rows keep the id they were written with and the database does not enforce the reference.
_HISTORICAL_REFERENCE = {"on_delete": models.DO_NOTHING, "db_constraint": False, "null": True, "blank": True}


class Outcome(models.TextChoices):
    """How the attempt a record describes ended (等保 2.0: every audit record carries it)."""

    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    REFUSED = "refused", "拒绝"


class AuditEvent(ChainedEntry):
    """One state change made by a service, written in the same transaction as the change."""

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", **_HISTORICAL_REFERENCE)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=32)
    object_id = models.CharField("对象编号", max_length=64)
    object_repr = models.CharField("对象", max_length=200)
    # The organization the change belongs to: auditors see the events of their subtree.
    organization = models.ForeignKey("orgs.Organization", related_name="+", **_HISTORICAL_REFERENCE)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    remote_addr = models.GenericIPAddressField("来源地址", null=True, blank=True)
    # db_default too: the bulk paths that insert rows by raw SQL (members.bulk) name no outcome.
    outcome = models.CharField(
        "结果",
        max_length=10,
        choices=Outcome.choices,
        default=Outcome.SUCCESS,
        db_default=Outcome.SUCCESS,
        db_index=True,
    )

    restrict_path = "organization__path"

    class Meta:
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


class AccessLog(ChainedEntry):
    """Who looked at or carried away personal data: full ID numbers shown, exports, imports;
    and who tried to reach what was refused to them."""

    class Kind(models.TextChoices):
        REVEAL_ID = "reveal_id", "查看完整身份证号"
        EXPORT = "export", "导出"
        EXPORT_UNMASKED = "export_unmasked", "导出（含完整身份证号）"
        IMPORT = "import", "导入"
        # A page or API request that was refused (outcome `refused`): an attempt beyond the reach.
        REQUEST = "request", "访问页面或接口"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", **_HISTORICAL_REFERENCE)
    actor_name = models.CharField("用户", max_length=150, blank=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, db_index=True)
    object_type = models.CharField("对象类型", max_length=32, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    organization = models.ForeignKey("orgs.Organization", related_name="+", **_HISTORICAL_REFERENCE)
    detail = models.JSONField("详情", default=dict, blank=True)
    remote_addr = models.GenericIPAddressField("来源地址", null=True, blank=True)
    # db_default too: the bulk paths that insert rows by raw SQL (members.bulk) name no outcome.
    outcome = models.CharField(
        "结果",
        max_length=10,
        choices=Outcome.choices,
        default=Outcome.SUCCESS,
        db_default=Outcome.SUCCESS,
        db_index=True,
    )

    restrict_path = "organization__path"

    class Meta:
        verbose_name = "访问记录"
        verbose_name_plural = "访问记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_kind_display()} {self.object_repr}"
