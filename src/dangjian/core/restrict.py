"""The one way to list anything: `Model.objects.restrict(user, action)`.

Each grant covers the subtree below its organization, so a user's reach is a set of
materialized-path prefixes and a restricted query is one OR of `path LIKE 'prefix%'`
(the NetBox `RestrictedQuerySet` idea on Wagtail-style treebeard subtrees).
A model says where its organization's path is through `restrict_path`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Everything:
    """The reach of a user whose grant sits at every root (or a superuser)."""

    def __repr__(self) -> str:
        return "Everything"


EVERYTHING = Everything()


def scope_prefixes(user: AbstractBaseUser | AnonymousUser | None, action: str) -> list[str] | Everything:
    """The shortest list of path prefixes under which `user` may do `action`."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if getattr(user, "is_superuser", False):
        return EVERYTHING
    cache: dict[str, list[str]] = user.__dict__.setdefault("_dangjian_scope", {})
    if action not in cache:
        from dangjian.access.scope import granted_paths

        cache[action] = minimal_prefixes(granted_paths(user, action))
    return cache[action]


def forget_scope(user: Any) -> None:
    """Drop the per-object cache after the user's grants changed."""
    user.__dict__.pop("_dangjian_scope", None)


def minimal_prefixes(paths: list[str]) -> list[str]:
    """Drop every path that lies under another one in the list: it adds nothing to the OR."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def scope_q(user: Any, action: str, path_lookup: str) -> Q:
    prefixes = scope_prefixes(user, action)
    if isinstance(prefixes, Everything):
        return Q()
    if not prefixes:
        return Q(pk__in=[])
    query = Q()
    for prefix in prefixes:
        query |= Q(**{f"{path_lookup}__startswith": prefix})
    return query


def path_in_scope(user: Any, action: str, path: str) -> bool:
    prefixes = scope_prefixes(user, action)
    if isinstance(prefixes, Everything):
        return True
    return any(path.startswith(prefix) for prefix in prefixes)


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        path_lookup = getattr(self.model, "restrict_path", None)
        if path_lookup is None:
            raise TypeError(f"{self.model.__name__} has no restrict_path: it cannot be scoped")
        return self.filter(scope_q(user, action, path_lookup))


def restrict(user: Any, action: str, queryset: models.QuerySet | type[models.Model]) -> models.QuerySet:
    """Function form of `.restrict()`, for querysets of models that are not RestrictedQuerySet."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    path_lookup = queryset.model.restrict_path  # type: ignore[union-attr]
    return queryset.filter(scope_q(user, action, path_lookup))


def require(actor: Any, action: str, organization: Any) -> None:
    """Raise ScopeDenied unless `actor` may do `action` at `organization`.

    `actor=None` is the system itself (migrations, the demo generator, the CLI run by the
    operator without --as): it is not bounded by grants."""
    from .exceptions import ScopeDenied

    if actor is None:
        return
    if not path_in_scope(actor, action, organization.path):
        raise ScopeDenied(f"无权操作“{organization.name}”：不在您的授权范围内")
