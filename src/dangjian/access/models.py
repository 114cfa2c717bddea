from django.conf import settings
from django.db import models

from .roles import Role


class Grant(models.Model):
    """A role held by a user over an organization and everything below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants", verbose_name="用户"
    )
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="grants", verbose_name="党组织"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="授权人",
    )
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    restrict_path = "organization__path"

    class Meta:
        verbose_name = "授权"
        verbose_name_plural = "授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="grant_unique_per_org_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class PasswordState(models.Model):
    """When the user last chose a password, and whether the current one was set by someone
    else (an administrator, the CLI) and must be changed at the next login.

    A user without a row never had a password set for them by the platform's services (e.g. a
    superuser from `createsuperuser`); their password age counts from `date_joined`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_state", verbose_name="用户"
    )
    changed_at = models.DateTimeField("密码设置时间")
    must_change = models.BooleanField("须在登录后修改密码", default=False)

    class Meta:
        verbose_name = "密码状态"
        verbose_name_plural = "密码状态"

    def __str__(self) -> str:
        return f"{self.user} · {self.changed_at:%Y-%m-%d}"
