"""Writes of notifications: sending in bulk without repeats, and marking read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone

from dangjian.core.audit import audit_record, audit_record_many, build_audit_event

from .models import Notification
from .senders import dispatch


@dataclass(frozen=True)
class Draft:
    """A notification to be sent; `dedup_key` is unique per user."""

    user_id: int
    kind: str
    text: str
    dedup_key: str
    organization_id: int | None = None
    link: str = ""


@dataclass(frozen=True)
class SendResult:
    created: list[Notification]
    skipped: int  # already on file under the same key
    failures: int  # sender errors (the notifications themselves are kept)


def notifications_send(*, drafts: Iterable[Draft]) -> SendResult:
    """Store the drafts not yet on file (same user and key) in one bulk insert, audit them,
    then hand the new ones to the configured senders once the transaction has committed.
    A constant number of queries however many drafts (up to the bulk batch size)."""
    unique: dict[tuple[int, str], Draft] = {}
    for draft in drafts:
        unique.setdefault((draft.user_id, draft.dedup_key), draft)
    skipped_in_batch = 0
    with transaction.atomic():
        existing: set[tuple[int, str]] = set()
        if unique:
            existing = set(
                Notification.objects.filter(
                    user_id__in={user for user, _ in unique}, dedup_key__in={key for _, key in unique}
                ).values_list("user_id", "dedup_key")
            )
        fresh = [
            Notification(
                user_id=draft.user_id,
                organization_id=draft.organization_id,
                kind=draft.kind,
                text=draft.text,
                link=draft.link,
                dedup_key=draft.dedup_key,
            )
            for key, draft in unique.items()
            if key not in existing
        ]
        skipped_in_batch = len(unique) - len(fresh)
        created = Notification.objects.bulk_create(fresh, batch_size=1000)
        audit_record_many(
            [
                build_audit_event(
                    actor=None,
                    action="notification.send",
                    obj=notification,
                    organization=None,
                    after={
                        "user": notification.user_id,
                        "kind": notification.kind,
                        "key": notification.dedup_key,
                    },
                )
                for notification in created
            ]
        )
    failures = dispatch(created)
    return SendResult(created, skipped_in_batch, failures)


def notification_mark_read(*, user: Any, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read; anyone else's is a 404."""
    with transaction.atomic():
        notification = get_object_or_404(
            Notification.objects.select_for_update().filter(user=user), pk=notification_id
        )
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.full_clean()
            notification.save(update_fields=["read_at"])
            audit_record(actor=user, action="notification.read", obj=notification, after={"read": True})
    return notification
