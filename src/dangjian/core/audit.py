"""Writing the audit trail. Services call these inside their own transaction, so a change and
its record stand or fall together; bulk writes pass lists (signals would miss them)."""

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from .idnumber import mask_id_number
from .models import AccessLog, AuditEvent
from .request_context import current_remote_addr

# Fields whose value never goes into the audit trail in full.
MASKED_FIELDS = {"id_number": mask_id_number}


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
) -> AuditEvent:
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
    )


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
    )
