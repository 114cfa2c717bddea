"""Who must pass a second factor, and whose password must be changed before anything else.

Both answers are read by `access.middleware` on every request and by the API token
authentication, so a page, an htmx fragment and an API call are held to the same rules."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import Grant, PasswordState
from .roles import Role

# Roles whose holders sign in with a TOTP code besides the password (issue 7: 系统管理员 and
# 审计员; the 安全管理员 hands out every grant, so it is held to the same rule).
OTP_ROLES = frozenset({Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})


def otp_required(user: Any) -> bool:
    """Whether `user` must verify a TOTP device before using any page or API.

    Required for superusers, for the three administrative roles, and for any grant at an
    organization above county level. The tree does not say which depth a county is at (a
    county installation has its 县委 as root, a province one two levels down), so the
    installation tells it through DANGJIAN_COUNTY_DEPTH: a grant at a smaller depth is above county."""
    if not settings.DANGJIAN_OTP_REQUIRED or user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    # One query per request of a user who has not verified a device, read afresh each time so
    # a grant given during a session takes effect at the next request.
    return Grant.objects.filter(
        Q(role__in=OTP_ROLES) | Q(organization__depth__lt=settings.DANGJIAN_COUNTY_DEPTH), user=user
    ).exists()


def password_max_age() -> dt.timedelta | None:
    """How long a password lasts. 等保 (dengbao) asks for a change at least every 90 days;
    OWASP ASVS forbids forcing one ("no periodic credential rotation", ASVS 4.0.3 2.1.10,
    kept in 5.0's password chapter)."""
    if settings.PASSWORD_POLICY == "asvs" or not settings.PASSWORD_MAX_AGE_DAYS:
        return None
    return dt.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


def password_change_due(user: Any) -> bool:
    valid_until = password_valid_until(user)
    return valid_until is not None and valid_until <= timezone.now()


def password_valid_until(user: Any) -> dt.datetime | None:
    """The moment the user's password stops being accepted for anything but changing it;
    None when it never expires. A password set by someone else expires at once."""
    state = PasswordState.objects.filter(user=user).first()
    if state is not None and state.must_change:
        return state.changed_at
    max_age = password_max_age()
    if max_age is None:
        return None
    changed_at = state.changed_at if state is not None else user.date_joined
    return changed_at + max_age
