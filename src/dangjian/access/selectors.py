"""Reads for the administrators' pages: the accounts a system or security administrator looks
after, and the grants a security administrator may see, each within the administrator's reach."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet

from dangjian.core.restrict import scope_q
from dangjian.core.selectors import holds_anywhere

from .models import Grant

PAGE_LIMIT = 200


def users_in_reach(actor: Any, action: str) -> QuerySet[Any]:
    """The accounts `actor` may act on with `action` (`manage_users` or `security`): those whose
    every grant lies in the actor's reach, and accounts without any grant (new ones), which
    belong to no subtree, for whoever holds the action anywhere (as services._require_over_user)."""
    users = get_user_model().objects.all()
    if not holds_anywhere(actor, action):
        return users.none()
    if not actor.is_superuser:
        outside = Grant.objects.exclude(scope_q(actor, action, "organization__path"))
        users = users.exclude(pk__in=outside.values("user_id"))
    return users.prefetch_related(
        Prefetch(
            "grants", queryset=Grant.objects.select_related("organization").order_by("organization__path")
        )
    ).order_by("username")


def user_in_reach(actor: Any, action: str, pk: int) -> Any:
    return users_in_reach(actor, action).filter(pk=pk).first()


def grants_in_reach(actor: Any) -> QuerySet[Grant]:
    """The grants at organizations where `actor` may grant (its `grant` reach)."""
    return (
        Grant.objects.filter(scope_q(actor, "grant", "organization__path"))
        .select_related("user", "organization", "granted_by")
        .order_by("organization__path", "user__username", "role")
    )
