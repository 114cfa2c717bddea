"""Reads of a user's own notifications: a user sees nothing but their own."""

from __future__ import annotations

from typing import Any

from .models import Notification, NotificationQuerySet

PAGE_SIZE = 100


def notification_list(*, user: Any, unread_only: bool = False) -> NotificationQuerySet:
    notifications: NotificationQuerySet = Notification.objects.filter(user=user).select_related(
        "organization"
    )  # type: ignore[assignment]
    if unread_only:
        notifications = notifications.unread()
    return notifications.order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
