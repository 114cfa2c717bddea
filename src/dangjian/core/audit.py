"""Writing the audit trail. Services call these inside their own transaction, so a change and
its record stand or fall together; bulk writes pass lists (signals would miss them)."""

import calendar
import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from . import auditchain
from .idnumber import mask_id_number
from .models import AccessLog, AuditEvent, Outcome
from .phone import mask_phone
from .request_context import current_remote_addr

# Fields whose value never goes into the audit trail in full.
MASKED_FIELDS = {"id_number": mask_id_number, "phone": mask_phone}


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of an instance as JSON-ready values, personal data masked."""
    data: dict[str, Any] = {}
    for name in fields:
        value = getattr(instance, name)
        if isinstance(value, models.Model):
            value = str(value)
        data[name] = _jsonable(name, value)
    return data


def _jsonable(name: str, value: Any) -> Any:
    if name in MASKED_FIELDS and value:
        return MASKED_FIELDS[name](value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict, dict]:
    """Only the fields that differ, so each audit row says what actually changed."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_name": "系统"}
    return {"actor": actor, "actor_name": actor.get_username()}


def build_audit_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    organization: Any = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    outcome: str | None = None,
) -> AuditEvent:
    """`outcome` defaults to what the action implies (success for nearly all of them)."""
    return AuditEvent(
        **_actor_fields(actor),
        action=action,
        object_type=obj._meta.model_name or "",
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        organization=organization,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        remote_addr=current_remote_addr.get(),
        outcome=outcome or auditchain.implied_outcome("auditevent", action),
    )


# Saving (and bulk_create) link each entry into its table's hash chain under a lock, so no
# path can write an unchained entry; see auditchain and ChainedEntry.
def audit_record(**kwargs: Any) -> AuditEvent:
    event = build_audit_event(**kwargs)
    event.save()
    return event


def audit_record_many(events: list[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(events, batch_size=1000)


def access_log_record(
    *,
    actor: Any,
    kind: str,
    obj: models.Model | None = None,
    organization: Any = None,
    detail: Mapping[str, Any] | None = None,
    outcome: str = Outcome.SUCCESS,
) -> AccessLog:
    return AccessLog.objects.create(
        **_actor_fields(actor),
        kind=kind,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        organization=organization,
        detail=dict(detail or {}),
        remote_addr=current_remote_addr.get(),
        outcome=outcome,
    )


CHAINED_MODELS: tuple[type[AuditEvent] | type[AccessLog], ...] = (AuditEvent, AccessLog)
PRUNE_ACTION = "audit.prune"
# The law asks for six months at least (网络安全法 art. 21, 等保 2.0 security audit).
MINIMUM_RETENTION_MONTHS = 6


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def audit_prune(*, months: int | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """Delete audit entries older than the retention period, and log that it happened.

    Deletion goes by id (everything before the first entry young enough to keep) so the chain
    left behind has no holes; the prev_hash of the first kept entry is written into the prune
    event as an anchor, which audit-verify accepts as a legitimate chain start."""
    months = settings.AUDIT_RETENTION_MONTHS if months is None else months
    if months < MINIMUM_RETENTION_MONTHS:
        raise ValueError(f"审计记录至少保留 {MINIMUM_RETENTION_MONTHS} 个月，不能设为 {months} 个月。")
    cutoff = months_before(now or timezone.now(), months)
    deleted: dict[str, int] = {}
    anchors: dict[str, str] = {}
    with transaction.atomic():
        for model in CHAINED_MODELS:
            name = model._meta.model_name or ""
            auditchain.lock_chain(model, model.objects.db)
            rows = model.objects.order_by("pk")
            first_kept = rows.filter(at__gte=cutoff).values("pk", "prev_hash").first()
            if first_kept is None:
                last = rows.values("pk", "entry_hash").last()
                if last is None:
                    deleted[name] = 0
                    continue
                # Everything goes; the next entry starts a fresh chain from the genesis hash.
                anchors[name] = last["entry_hash"]
                deleted[name] = model.objects.prune_before_pk(last["pk"] + 1)
            else:
                anchors[name] = first_kept["prev_hash"]
                deleted[name] = model.objects.prune_before_pk(first_kept["pk"])
        summary = {
            "retention_months": months,
            "cutoff": cutoff.isoformat(),
            "deleted": deleted,
            "anchors": anchors,
        }
        AuditEvent(
            **_actor_fields(None),
            action=PRUNE_ACTION,
            object_type="audit",
            object_id="",
            object_repr=f"清理 {cutoff:%Y-%m-%d} 之前的审计记录",
            after=summary,
        ).save()
    return summary


@dataclass
class ChainReport:
    label: str
    table: str
    count: int
    head: str
    broken_pk: int | None = None
    broken_position: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_pk is None

    def describe(self) -> str:
        if self.ok:
            return f"{self.label}（{self.table}）：共 {self.count} 条，校验通过；链尾校验值 {self.head}"
        return (
            f"{self.label}（{self.table}）：第 {self.broken_position} 条（编号 {self.broken_pk}）"
            f"校验失败：{self.reason}"
        )


def _prune_anchors(table: str) -> set[str]:
    anchors = set()
    for after in AuditEvent.objects.filter(action=PRUNE_ACTION).values_list("after", flat=True):
        anchor = (after or {}).get("anchors", {}).get(table)
        if anchor:
            anchors.add(anchor)
    return anchors


def audit_verify() -> list[ChainReport]:
    """Walk every audit chain from its start; report the first broken entry of each."""
    reports = []
    for model in CHAINED_MODELS:
        name = model._meta.model_name or ""
        accepted = {auditchain.GENESIS_HASH} | _prune_anchors(name)
        count = 0

        def counted(rows: Iterable[Any]) -> Iterable[Any]:
            nonlocal count
            for row in rows:
                count += 1
                yield row

        rows = model.objects.order_by("pk").iterator(chunk_size=2000)
        broken = auditchain.first_break(counted(rows), accepted)
        report = ChainReport(
            label=str(model._meta.verbose_name),
            table=model._meta.db_table,
            count=count,
            head=auditchain.chain_head(model, model.objects.db),
        )
        if broken is not None:
            row, report.reason = broken
            report.broken_pk, report.broken_position = row.pk, count
        reports.append(report)
    return reports
