"""Reads of members for the pages: all begin from `restrict(user, action)` and fetch the related
rows they show in the same query, so a page costs the same number of queries for 5 rows or 5,000."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from dangjian.core.models import AuditEvent
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization

from .choices import MemberStatus
from .filters import MemberFilter
from .models import Member, MemberEvent, MemberRole, id_number_digests, id_number_q


def visible_members(user: Any, action: str = "view") -> QuerySet[Member]:
    return Member.objects.restrict(user, action)


def member_list(user: Any, params: Any) -> MemberFilter:
    """The filtered member list in reach, sorted by organization (tree order) and name.

    Without a status filter the list shows the members on the roll (在册), as a clerk expects."""
    params = params.copy()
    if "status" not in params:
        params["status"] = MemberStatus.ACTIVE
    queryset = (
        visible_members(user)
        .select_related("organization", "group")
        .order_by("organization__path", "name", "pk")
    )
    return MemberFilter(params, queryset=queryset)


def member_by_id_number(id_number: str, queryset: QuerySet[Member] | None = None) -> Member | None:
    """The member with this full ID number, by its keyed digest (the column itself is encrypted).

    Without a queryset this looks across the whole roster, not the user's reach: one person is
    one member everywhere, so the uniqueness checks of imports and 发展党员 must see every row.
    Pages and the API pass their restricted queryset."""
    base = Member.objects.all() if queryset is None else queryset
    return base.filter(id_number_q(id_number)).select_related("organization", "group").first()


def members_by_id_number(id_numbers: Sequence[str], chunk: int = 900) -> dict[str, Member]:
    """Stored members keyed by (normalised) ID number, across the whole roster, read in chunks
    of digests that every database accepts in one IN list."""
    digests = [digest for number in id_numbers for digest in id_number_digests(number)]
    found: dict[str, Member] = {}
    for start in range(0, len(digests), chunk):
        batch = digests[start : start + chunk]
        for member in Member.objects.filter(id_number_hash__in=batch).select_related("organization", "group"):
            found[member.id_number] = member
    return found


def member_get(user: Any, pk: int, action: str = "view") -> Member:
    member = visible_members(user, action).select_related("organization", "group").filter(pk=pk).first()
    if member is None:
        raise Http404("党员不存在或不在授权范围内")
    return member


def organization_members(user: Any, organization: Organization, limit: int = 20) -> list[Member]:
    """The first members on the roll in an organization's subtree, for its page."""
    return list(
        visible_members(user)
        .filter(organization__path__startswith=organization.path, status=MemberStatus.ACTIVE)
        .select_related("organization", "group")
        .order_by("organization__path", "name", "pk")[:limit]
    )


def member_events(member: Member) -> QuerySet[MemberEvent]:
    return member.events.select_related("organization", "counterpart").order_by("occurred_on", "id")


def member_roles(member: Member) -> QuerySet[MemberRole]:
    return member.roles.select_related("organization").order_by("ended_on", "-started_on", "id")


def member_audit_trail(member: Member, limit: int = 50) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type="member", object_id=str(member.pk)).order_by("-at", "-id")[
        :limit
    ]


def transfer_targets(user: Any, member: Member) -> QuerySet[Organization]:
    """Branches the user may move the member into: active branch kinds in the change reach."""
    return (
        Organization.objects.restrict(user, "change")
        .active()
        .branches()
        .exclude(pk=member.organization_id)
        .order_by("path")
    )


def member_groups(organization: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(
        path__startswith=organization.path, depth=organization.depth + 1, kind=OrgKind.GROUP
    ).active()


def role_organizations(user: Any, member: Member) -> QuerySet[Organization]:
    """Where the member can hold a post: the own branch, its groups, and the committees above it,
    as far as the user may change them."""
    own = member.organization
    step = Organization.steplen
    ancestors = [own.path[: level * step] for level in range(1, own.depth)]
    return (
        Organization.objects.restrict(user, "change")
        .active()
        .filter(Q(path__in=[*ancestors, own.path]) | Q(path__startswith=own.path, kind=OrgKind.GROUP))
        .order_by("path")
    )
