"""Users and grants. A grant is handed out only inside the grantor's own reach, and never
for a role the grantor could not exercise there."""

from typing import Any

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dangjian.core.audit import audit_record
from dangjian.core.restrict import forget_scope, path_in_scope, require
from dangjian.orgs.models import Organization

from .models import Grant
from .roles import BRANCH_ONLY_ROLES, ROLE_ACTIONS, Role

User = get_user_model()


@transaction.atomic
def user_create(*, actor: Any, username: str, password: str, full_name: str = "", email: str = "") -> Any:
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
    audit_record(
        actor=actor, action="user.create", obj=user, after={"username": username, "full_name": full_name}
    )
    return user


@transaction.atomic
def grant_create(*, actor: Any, user: Any, organization: Organization, role: str) -> Grant:
    if role not in ROLE_ACTIONS:
        raise ValidationError({"role": f"未知角色：{role}"})
    require(actor, "grant", organization)
    if actor is not None and not actor.is_superuser:
        # Nobody hands out powers they do not hold over that subtree.
        missing = [a for a in ROLE_ACTIONS[role] if not path_in_scope(actor, a, organization.path)]
        if missing:
            raise ValidationError({"role": f"您在“{organization.name}”没有授予“{Role(role).label}”的权限"})
    if role in BRANCH_ONLY_ROLES and not organization.is_branch:
        raise ValidationError({"organization": f"“{Role(role).label}”只能授予党支部（本支部）"})
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


@transaction.atomic
def grant_revoke(*, actor: Any, grant: Grant) -> None:
    require(actor, "grant", grant.organization)
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
    if actor is not None and not actor.is_superuser:
        grants = list(user.grants.select_related("organization"))
        if not grants:
            raise PermissionDenied("没有授权的用户只能由超级管理员停用")
        # Only someone who could hand out every one of the user's grants may switch the user off.
        for grant in grants:
            require(actor, "grant", grant.organization)
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
