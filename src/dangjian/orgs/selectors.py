"""Reads of the organization tree for the pages. Every query begins from `restrict(user, action)`,
and member figures come from one GROUP BY per list, never one query per organization."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.core.restrict import Everything, path_in_scope, scope_prefixes
from dangjian.members.choices import Category, MemberStatus
from dangjian.members.models import Member

from .choices import OrgKind
from .filters import OrganizationFilter
from .models import Organization, OrganizationQuerySet
from .rules import OrgFigures, OrgWarning, org_warnings

STEP = Organization.steplen
ACTIVE_FULL = Q(status=MemberStatus.ACTIVE, category=Category.FULL)
ACTIVE_PROBATIONARY = Q(status=MemberStatus.ACTIVE, category=Category.PROBATIONARY)


@dataclass
class OrgRow:
    """An organization with its member figures (its whole subtree) and the warnings they give."""

    organization: Organization
    full_members: int = 0
    probationary_members: int = 0
    warnings: list[OrgWarning] = field(default_factory=list)

    @property
    def members(self) -> int:
        return self.full_members + self.probationary_members


@dataclass(frozen=True)
class Crumb:
    organization: Organization
    in_scope: bool


def figures_of(organization: Organization, full: int, probationary: int) -> OrgFigures:
    return OrgFigures(
        kind=organization.kind,
        full_members=full,
        probationary_members=probationary,
        has_committee=organization.has_committee,
        term_ends_on=organization.term_ends_on,
        is_active=organization.is_active,
        # Annotated by OrganizationQuerySet.with_term_postponement on the querysets that feed this.
        term_postponed_to=getattr(organization, "term_postponed_to", None),
    )


def visible_organizations(user: Any, action: str = "view") -> OrganizationQuerySet:
    return Organization.objects.restrict(user, action)


def organization_get(user: Any, code: str, action: str = "view") -> Organization:
    """The organization with `code` if `user` may do `action` there; out of reach is a 404."""
    organization = visible_organizations(user, action).with_term_postponement().filter(code=code).first()
    if organization is None:
        raise Http404("党组织不存在或不在授权范围内")
    return organization


def scope_roots(user: Any, action: str = "view") -> list[Organization]:
    """The top organizations of the user's reach: one per grant that no other grant covers."""
    prefixes = scope_prefixes(user, action)
    if isinstance(prefixes, Everything):
        return list(Organization.get_root_nodes().with_term_postponement())
    if not prefixes:
        return []
    return list(Organization.objects.with_term_postponement().filter(path__in=prefixes).order_by("path"))


def subtree_member_counts(parent_path: str, child_depth: int) -> dict[str, tuple[int, int]]:
    """Active (full, probationary) members under each child path, from one grouped query.

    All children of one parent share a path length, so cutting each member's organization
    path to that length groups the members of a whole subtree under its top organization."""
    length = child_depth * STEP
    rows = (
        Member.objects.filter(organization__path__startswith=parent_path, status=MemberStatus.ACTIVE)
        .annotate(top=Substr("organization__path", 1, length))
        .values("top")
        .annotate(full=Count("id", filter=Q(category=Category.FULL)))
        .annotate(probationary=Count("id", filter=Q(category=Category.PROBATIONARY)))
    )
    return {row["top"]: (row["full"], row["probationary"]) for row in rows}


def rows_with_figures(
    organizations: Iterable[Organization], counts: dict[str, tuple[int, int]]
) -> list[OrgRow]:
    today = timezone.localdate()
    out = []
    for organization in organizations:
        full, probationary = counts.get(organization.path, (0, 0))
        out.append(
            OrgRow(
                organization,
                full,
                probationary,
                org_warnings(figures_of(organization, full, probationary), today),
            )
        )
    return out


def organization_children(user: Any, organization: Organization) -> list[OrgRow]:
    """The children of `organization` within the user's reach, each with figures and warnings."""
    children = list(
        visible_organizations(user)
        .with_term_postponement()
        .filter(path__startswith=organization.path, depth=organization.depth + 1)
        .order_by("path")
    )
    if not children:
        return []
    counts = subtree_member_counts(organization.path, organization.depth + 1)
    return rows_with_figures(children, counts)


def roots_with_figures(user: Any) -> list[OrgRow]:
    """The user's scope roots with their subtree figures, all counted in one query that reads
    only the active members under the roots (the FILTER clauses alone would read the whole
    members table, even for a township)."""
    roots = scope_roots(user)
    if not roots:
        return []
    in_reach = Q()
    sums: dict[str, Count] = {}
    for index, root in enumerate(roots):
        under = Q(organization__path__startswith=root.path)
        in_reach |= under
        sums[f"full_{index}"] = Count("id", filter=under & ACTIVE_FULL)
        sums[f"probationary_{index}"] = Count("id", filter=under & ACTIVE_PROBATIONARY)
    totals = Member.objects.filter(in_reach, status=MemberStatus.ACTIVE).order_by().aggregate(**sums)
    counts = {
        root.path: (totals[f"full_{index}"], totals[f"probationary_{index}"])
        for index, root in enumerate(roots)
    }
    return rows_with_figures(roots, counts)


def organization_totals(organization: Organization) -> tuple[int, int]:
    """Active (full, probationary) members in the organization's subtree."""
    totals = Member.objects.filter(organization__path__startswith=organization.path).aggregate(
        full=Count("id", filter=ACTIVE_FULL), probationary=Count("id", filter=ACTIVE_PROBATIONARY)
    )
    return totals["full"], totals["probationary"]


def organization_row(organization: Organization) -> OrgRow:
    full, probationary = organization_totals(organization)
    return rows_with_figures([organization], {organization.path: (full, probationary)})[0]


def breadcrumb(user: Any, organization: Organization) -> list[Crumb]:
    """The ancestors of `organization`, top first; only those in the user's reach are links."""
    paths = [organization.path[: level * STEP] for level in range(1, organization.depth)]
    ancestors = Organization.objects.filter(path__in=paths).order_by("path") if paths else []
    return [Crumb(a, path_in_scope(user, "view", a.path)) for a in ancestors]


def warnings_in_scope(user: Any, limit: int = 200) -> tuple[list[OrgRow], int]:
    """Active organizations in reach that have warnings, worst first, and how many there are.

    One query: each organization's own active members counted with GROUP BY. Members sit only
    in branches, so a branch's own count is the figure its rules speak of."""
    organizations = (
        visible_organizations(user)
        .active()
        .exclude(kind=OrgKind.GROUP)
        .with_term_postponement()
        .annotate(
            full=Count(
                "members", filter=Q(members__status=MemberStatus.ACTIVE, members__category=Category.FULL)
            ),
            probationary=Count(
                "members",
                filter=Q(members__status=MemberStatus.ACTIVE, members__category=Category.PROBATIONARY),
            ),
        )
        .order_by("path")
    )
    today = timezone.localdate()
    flagged = []
    for organization in organizations:
        found = org_warnings(figures_of(organization, organization.full, organization.probationary), today)
        if found:
            flagged.append(OrgRow(organization, organization.full, organization.probationary, found))
    flagged.sort(
        key=lambda row: (not any(w.severity == "danger" for w in row.warnings), row.organization.path)
    )
    return flagged[:limit], len(flagged)


def organization_search(
    user: Any, params: Any, limit: int = 50
) -> tuple[list[tuple[Organization, list[str]]], bool]:
    """Organizations in reach matching name or code, each with the names of its ancestors."""
    filterset = OrganizationFilter(params, queryset=visible_organizations(user))
    if not params.get("q", "").strip():
        return [], False
    found = list(filterset.qs.order_by("path")[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    ancestor_paths = {o.path[: level * STEP] for o in found for level in range(1, o.depth)}
    names = dict(Organization.objects.filter(path__in=ancestor_paths).values_list("path", "name"))
    results = [(o, [names[o.path[: level * STEP]] for level in range(1, o.depth)]) for o in found]
    return results, more


def organization_history(organization: Organization, limit: int = 30) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organization=organization).order_by("-at", "-id")[:limit]


def move_targets(user: Any, organization: Organization) -> QuerySet[Organization]:
    """Where the organization could go: active non-group organizations in reach, outside its subtree."""
    return (
        visible_organizations(user, "manage_orgs")
        .active()
        .exclude(kind=OrgKind.GROUP)
        .exclude(path__startswith=organization.path)
        .order_by("path")
    )
