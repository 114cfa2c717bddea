"""Users and grants. A grant is handed out only inside the grantor's own reach, and never
for a role the grantor could not exercise there."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

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
