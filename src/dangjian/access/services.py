"""Users, grants, passwords and second factors.

A grant is handed out only inside the grantor's own reach, and never for a role the grantor
could not exercise there; the three administrative roles (三员) are handed out by a security
administrator only, and each is held by its own account (see `roles`). Accounts are kept by
the system administrator (`manage_users`), second factors and lockouts by the security
administrator (`security`)."""

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dangjian.core.audit import audit_record
from dangjian.core.models import AuditEvent, Outcome
from dangjian.core.restrict import forget_scope, path_in_scope, require
from dangjian.core.selectors import holds_anywhere
from dangjian.orgs.models import Organization

from .models import Grant, PasswordState
from .roles import ADMINISTRATIVE_ROLES, BRANCH_ONLY_ROLES, ROLE_ACTIONS, Role
from .signals import home_organization

User = get_user_model()


def _require_over_user(actor: Any, action: str, user: Any) -> None:
    """`actor` may do `action` to `user` when it may do it at every organization the user holds
    a grant at; a user without grants belongs to no subtree, so holding `action` anywhere will do."""
    if actor is None or actor.is_superuser:
        return
    grants = list(user.grants.select_related("organization"))
    for grant in grants:
        if not path_in_scope(actor, action, grant.organization.path):
            raise PermissionDenied(
                f"{_ACTION_REFUSALS[action]}；“{grant.organization.name}”不在您的授权范围内"
            )
    if not grants and not holds_anywhere(actor, action):
        raise PermissionDenied(_ACTION_REFUSALS[action])


_ACTION_REFUSALS = {
    "manage_users": "只有该用户所在范围的系统管理员可以管理其账号",
    "security": "只有该用户所在范围的安全管理员可以重置动态口令或解除锁定",
}


def _require_anywhere(actor: Any, action: str) -> None:
    if actor is not None and not holds_anywhere(actor, action):
        raise PermissionDenied(_ACTION_REFUSALS[action])


def password_state_set(user: Any, *, must_change: bool) -> None:
    PasswordState.objects.update_or_create(
        user=user, defaults={"changed_at": timezone.now(), "must_change": must_change}
    )


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    full_name: str = "",
    email: str = "",
    must_change_password: bool = True,
) -> Any:
    """A new account. Its password was chosen by whoever runs this, not by the user, so the
    user has to replace it at the first login (`must_change_password=False` only for the
    demo's published logins)."""
    _require_anywhere(actor, "manage_users")
    username = username.strip()
    if not username:
        raise ValidationError({"username": "用户名不能为空"})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已存在"})
    user = User(username=username, first_name=full_name.strip(), email=email.strip())
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    password_state_set(user, must_change=must_change_password)
    audit_record(
        actor=actor,
        action="user.create",
        obj=user,
        after={"username": username, "full_name": full_name, "must_change_password": must_change_password},
    )
    return user


@transaction.atomic
def user_password_set(*, actor: Any, user: Any, password: str) -> Any:
    """An administrator sets a new password for someone (a forgotten one): the user must
    replace it at the next login, and any session that knew the old one ends."""
    _require_over_user(actor, "manage_users", user)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    password_state_set(user, must_change=True)
    ended = user_sessions_end(user)
    audit_record(
        actor=actor,
        action="user.password_set",
        obj=user,
        organization=home_organization(user),
        after={"must_change": True, "sessions_ended": ended},
    )
    return user


PASSWORD_CHANGE_ACTION = "user.password_change"


def _password_change_failures_window() -> dt.timedelta:
    return settings.AXES_COOLOFF_TIME


def password_change_blocked_until(user: Any) -> dt.datetime | None:
    """Until when the password change page refuses `user`: after as many wrong old passwords
    within the window as the login page allows wrong passwords (AXES_FAILURE_LIMIT within
    AXES_COOLOFF_TIME), counted since the last successful change or the last unlock by a
    security administrator (`user_unlock`). The audit rows are the counter, so the evidence and
    the rule cannot disagree."""
    now = timezone.now()
    window = _password_change_failures_window()
    own = AuditEvent.objects.filter(action=PASSWORD_CHANGE_ACTION, actor_id=user.pk)
    since = now - window
    for fresh_start in (
        own.filter(outcome=Outcome.SUCCESS),
        AuditEvent.objects.filter(action="user.unlock", object_type="user", object_id=str(user.pk)),
    ):
        at = fresh_start.order_by("-at").values_list("at", flat=True).first()
        if at is not None and at > since:
            since = at
    limit = settings.AXES_FAILURE_LIMIT
    failures = list(
        own.filter(outcome=Outcome.FAILURE, at__gt=since).order_by("-at").values_list("at", flat=True)[:limit]
    )
    if len(failures) < limit:
        return None
    # Free again once the oldest of the last `limit` failures leaves the window.
    return failures[-1] + window


def _audit_password_change(user: Any, outcome: str, **after: Any) -> None:
    audit_record(
        actor=user,
        action=PASSWORD_CHANGE_ACTION,
        obj=user,
        organization=home_organization(user),
        after=after or None,
        outcome=outcome,
    )


def password_change(*, user: Any, old_password: str, new_password: str) -> Any:
    """The user replaces the own password: the old one proves who is asking, the new one meets
    the policy and is not the old one again.

    A wrong old password is audited (outcome failure) and counts towards a pause: whoever holds
    a signed-in session must not be able to guess the password behind it without limit. The
    failure and refusal rows are written in their own transaction, as they must outlive the
    refused change."""
    blocked_until = password_change_blocked_until(user)
    if blocked_until is not None:
        with transaction.atomic():
            _audit_password_change(user, Outcome.REFUSED, until=blocked_until.isoformat())
        minutes = max(1, math.ceil((blocked_until - timezone.now()).total_seconds() / 60))
        raise ValidationError(
            {
                "old_password": (
                    f"原密码已连续输错 {settings.AXES_FAILURE_LIMIT} 次，修改密码已暂停，"
                    f"请 {minutes} 分钟后再试"
                )
            }
        )
    if not user.check_password(old_password):
        with transaction.atomic():
            _audit_password_change(user, Outcome.FAILURE, reason="原密码不正确")
        raise ValidationError({"old_password": "原密码不正确"})
    if new_password == old_password or user.check_password(new_password):
        raise ValidationError({"new_password1": "新密码不能与原密码相同"})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        state = PasswordState.objects.filter(user=user).first()
        was_forced = bool(state and state.must_change)
        password_state_set(user, must_change=False)
        audit_record(
            actor=user,
            action=PASSWORD_CHANGE_ACTION,
            obj=user,
            organization=home_organization(user),
            before={"must_change": was_forced},
            after={"must_change": False},
        )
    return user


@transaction.atomic
def grant_create(*, actor: Any, user: Any, organization: Organization, role: str) -> Grant:
    if role not in ROLE_ACTIONS:
        raise ValidationError({"role": f"未知角色：{role}"})
    require(actor, "grant", organization)
    if actor is not None and not actor.is_superuser:
        if role in ADMINISTRATIVE_ROLES:
            # 三员 are appointed by the security administrator, never by the other two or by
            # a business administrator.
            if not path_in_scope(actor, "security", organization.path):
                raise ValidationError({"role": f"“{Role(role).label}”只能由安全管理员授予"})
        else:
            # Nobody hands out powers they do not hold over that subtree.
            missing = [a for a in ROLE_ACTIONS[role] if not path_in_scope(actor, a, organization.path)]
            if missing:
                raise ValidationError(
                    {"role": f"您在“{organization.name}”没有授予“{Role(role).label}”的权限"}
                )
    if role in BRANCH_ONLY_ROLES and not organization.is_branch:
        raise ValidationError({"organization": f"“{Role(role).label}”只能授予党支部（本支部）"})
    _check_separation(user, role)
    grant, created = Grant.objects.get_or_create(
        user=user,
        organization=organization,
        role=role,
        defaults={"granted_by": actor if getattr(actor, "is_authenticated", False) else None},
    )
    if created:
        audit_record(
            actor=actor,
            action="grant.create",
            obj=grant,
            organization=organization,
            after={"user": user.get_username(), "organization": organization.code, "role": role},
        )
    forget_scope(user)
    return grant


def _check_separation(user: Any, role: str) -> None:
    """三员分立: an administrative role is the account's only kind of role."""
    held = set(Grant.objects.filter(user=user).exclude(role=role).values_list("role", flat=True))
    clash = held if role in ADMINISTRATIVE_ROLES else held & ADMINISTRATIVE_ROLES
    if clash:
        labels = "、".join(Role(r).label for r in sorted(clash))
        raise ValidationError(
            {
                "role": f"用户“{user.get_username()}”已担任{labels}，不能再授予“{Role(role).label}”："
                "系统管理员、安全管理员、审计员须由不同账号分别担任，且不兼任其他角色"
            }
        )


@transaction.atomic
def grant_revoke(*, actor: Any, grant: Grant) -> None:
    require(actor, "grant", grant.organization)
    if (
        actor is not None
        and grant.role in ADMINISTRATIVE_ROLES
        and not path_in_scope(actor, "security", grant.organization.path)
    ):
        # Otherwise a business administrator could remove the auditor who reads its changes.
        raise PermissionDenied(f"“{Role(grant.role).label}”的授权只能由安全管理员撤销")
    audit_record(
        actor=actor,
        action="grant.revoke",
        obj=grant,
        organization=grant.organization,
        before={
            "user": grant.user.get_username(),
            "organization": grant.organization.code,
            "role": grant.role,
        },
    )
    grant.delete()
    forget_scope(grant.user)


def user_sessions_end(user: Any) -> int:
    """Delete every stored session of the user, and the user's API tokens; returns how many
    sessions ended. Sessions are keyed by random strings, so each one has to be read."""
    user_id = str(user.pk)
    ended = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == user_id
    ]
    Session.objects.filter(session_key__in=ended).delete()
    Token.objects.filter(user=user).delete()
    return len(ended)


@transaction.atomic
def user_disable(*, actor: Any, user: Any) -> Any:
    """Disable a user and end all of the user's sessions at once, rather than when they expire."""
    # Accounts are the system administrator's: over every organization the user is granted at.
    _require_over_user(actor, "manage_users", user)
    if actor is not None and actor.pk == user.pk:
        raise ValidationError("不能停用自己的账号")
    was_active = user.is_active
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = user_sessions_end(user)
    audit_record(
        actor=actor,
        action="user.disable",
        obj=user,
        before={"is_active": was_active},
        after={"is_active": False, "sessions_ended": ended},
    )
    forget_scope(user)
    return user


@transaction.atomic
def otp_reset(*, actor: Any, user: Any) -> int:
    """Remove every second-factor device of the user (a lost phone): the user enrols a new one
    at the next login, and the sessions verified with the old device end now."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _require_over_user(actor, "security", user)
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    ended = user_sessions_end(user)
    audit_record(
        actor=actor,
        action="otp.reset",
        obj=user,
        organization=home_organization(user),
        after={"devices_removed": removed, "sessions_ended": ended},
    )
    return removed


@transaction.atomic
def user_unlock(*, actor: Any, user: Any) -> int:
    """Lift a django-axes lockout of the user before the cool-off ends."""
    from axes.utils import reset

    _require_over_user(actor, "security", user)
    cleared = reset(username=user.get_username())
    audit_record(
        actor=actor,
        action="user.unlock",
        obj=user,
        organization=home_organization(user),
        after={"attempts_cleared": cleared},
    )
    return cleared


# Second factor (TOTP, RFC 6238, through django-otp). A device is created unconfirmed when the
# user opens the enrolment page, and confirmed by the first code it produces.


@transaction.atomic
def otp_device_start(*, user: Any) -> Any:
    """A fresh unconfirmed TOTP device for the enrolment page; earlier unconfirmed ones go."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="动态口令", confirmed=False)


@transaction.atomic
def otp_device_confirm(*, user: Any, device: Any, token: str) -> bool:
    """Confirm an enrolment with the device's first code. Audited either way."""
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied("该动态口令设备不属于当前用户")
    ok = device.verify_token(token)
    if ok:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    audit_record(
        actor=user,
        action="otp.enrol" if ok else "otp.enrol_failed",
        outcome=Outcome.SUCCESS if ok else Outcome.FAILURE,
        obj=user,
        organization=home_organization(user),
        after={"device": device.persistent_id},
    )
    return ok


@transaction.atomic
def otp_verify(*, user: Any, token: str) -> Any:
    """Check a login code against the user's confirmed devices; the matching device, or None.
    django-otp keeps the time step of the last accepted code (`last_t`), so the same code is
    refused the second time, and throttles repeated failures."""
    from django_otp import match_token

    device = match_token(user, token)
    audit_record(
        actor=user,
        action="auth.otp_verified" if device is not None else "auth.otp_failed",
        outcome=Outcome.SUCCESS if device is not None else Outcome.FAILURE,
        obj=user,
        organization=home_organization(user),
        after={"device": device.persistent_id} if device is not None else None,
    )
    return device
