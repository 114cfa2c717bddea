"""Where a notification goes besides the in-app list. A sender is any class with
`send(notification)`; `settings.NOTIFICATION_SENDERS` names them by import path, so an SMS
gateway or e-mail sender is added by configuration, not by changing the job."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .models import Notification

DEFAULT_SENDERS = ["dangjian.notifications.senders.LoggingSender"]
logger = logging.getLogger("dangjian.notifications")


class Sender(Protocol):
    def send(self, notification: Notification) -> None: ...


class LoggingSender:
    """Writes each notification to the log: the default, and a record of what an SMS/e-mail
    sender would have sent."""

    def send(self, notification: Notification) -> None:
        logger.info(
            "notification user=%s kind=%s org=%s text=%s",
            notification.user_id,
            notification.kind,
            notification.organization_id,
            notification.text,
        )


@cache
def _load(paths: tuple[str, ...]) -> tuple[Sender, ...]:
    return tuple(import_string(path)() for path in paths)


def configured_senders() -> tuple[Sender, ...]:
    return _load(tuple(getattr(settings, "NOTIFICATION_SENDERS", DEFAULT_SENDERS)))


def dispatch(notifications: Iterable[Notification]) -> int:
    """Hand each notification to every sender; a failing sender is logged and does not stop
    the others, since the notification is already safe in the database."""
    failures = 0
    senders = configured_senders()
    for notification in notifications:
        for sender in senders:
            try:
                sender.send(notification)
            except Exception:
                failures += 1
                logger.exception(
                    "sender %s failed for notification %s", type(sender).__name__, notification.pk
                )
    return failures
