from django.conf import settings
from django.db import models

from .choices import NotificationKind


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One in-app message to one user. `dedup_key` names what it is about and for which day, so
    a job that runs twice (a retry, an operator by hand) adds nothing the second time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="党组织",
    )
    kind = models.CharField("类别", max_length=20, choices=NotificationKind.choices)
    text = models.TextField("内容")
    link = models.CharField("链接", max_length=300, blank=True)
    dedup_key = models.CharField("去重键", max_length=200)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedup_key"], name="notification_unique_per_user_key")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        # No user here: audit rows of a bulk send call str() on every row, one query each.
        return f"{self.get_kind_display()} · {self.text[:30]}"
