"""Reads of terms, each beginning from `restrict(user, "view")`: the election calendar of a
subtree (due within six months and overdue, postponements applied) and one organization's
term history. The calendar is three queries however large the subtree."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dangjian.core.dates import add_years
from dangjian.orgs.choices import OrgStatus
from dangjian.orgs.models import Organization

from . import rules
from .models import Election, TermPostponement

# No term is shorter than 3 years nor postponed by more than one: a term that started later
# than this before the horizon cannot be due by it.
SHORTEST_TERM_YEARS = 3


@dataclass(frozen=True)
class TermRow:
    organization: Organization
    term_ends_on: dt.date
    due_on: dt.date
    postponement: TermPostponement | None
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


@dataclass
class TermCalendar:
    organization: Organization
    today: dt.date
    horizon: dt.date
    overdue: list[TermRow] = field(default_factory=list)
    due_soon: list[TermRow] = field(default_factory=list)
    unknown: int = 0  # organizations that elect but have no term on file
    by_kind: list[dict[str, Any]] = field(default_factory=list)


def current_postponements(
    organizations: list[Organization], postponements: list[TermPostponement]
) -> dict[int, TermPostponement]:
    """The postponement in force for each organization's current term: the latest approved."""
    terms = {org.pk: org.term_started_on for org in organizations}
    found: dict[int, TermPostponement] = {}
    for item in sorted(postponements, key=lambda p: (p.approved_on, p.pk)):
        if terms.get(item.organization_id) == item.term_started_on:
            found[item.organization_id] = item
    return found


def term_due(organization: Organization, postponement: TermPostponement | None) -> dt.date | None:
    ends = organization.term_ends_on
    if ends is None:
        return None
    return rules.due_date(ends, postponement.postponed_to if postponement else None)


def term_calendar(*, user: Any, organization: Organization, today: dt.date) -> TermCalendar:
    """Elections due in the next six months and overdue ones under `organization` (itself
    included), at every level, soonest first."""
    horizon = rules.horizon(today)
    elected = (
        Organization.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(
            path__startswith=organization.path,
            status=OrgStatus.ACTIVE,
            kind__in=rules.ELECTED_KINDS,
        )
        .order_by()
    )
    unknown = elected.filter(term_started_on__isnull=True).count()
    latest_start = add_years(horizon, -SHORTEST_TERM_YEARS)
    candidates = list(
        elected.filter(
            term_started_on__isnull=False, term_years__isnull=False, term_started_on__lte=latest_start
        )
    )
    postponements = list(
        TermPostponement.objects.filter(organization__in=[org.pk for org in candidates]).order_by()
        if candidates
        else []
    )
    in_force = current_postponements(candidates, postponements)
    calendar = TermCalendar(organization, today, horizon, unknown=unknown)
    for org in candidates:
        postponement = in_force.get(org.pk)
        due = term_due(org, postponement)
        if due is None or due > horizon:
            continue
        row = TermRow(org, org.term_ends_on, due, postponement, (due - today).days)  # type: ignore[arg-type]
        (calendar.overdue if row.overdue else calendar.due_soon).append(row)
    calendar.overdue.sort(key=lambda r: (r.due_on, r.organization.path))
    calendar.due_soon.sort(key=lambda r: (r.due_on, r.organization.path))
    overdue = Counter(r.organization.kind for r in calendar.overdue)
    soon = Counter(r.organization.kind for r in calendar.due_soon)
    calendar.by_kind = [
        {"kind": kind, "label": label, "overdue": overdue[kind], "due_soon": soon[kind]}
        for kind, label in Organization._meta.get_field("kind").choices  # type: ignore[union-attr]
        if kind in rules.ELECTED_KINDS
    ]
    return calendar


@dataclass(frozen=True)
class OrganizationTerm:
    organization: Organization
    elections: list[Election]
    postponements: list[TermPostponement]
    in_force: TermPostponement | None
    due_on: dt.date | None


def organization_term(*, user: Any, organization: Organization) -> OrganizationTerm:
    """One organization's current term, its elections and postponements (newest first)."""
    elections = list(
        Election.objects.restrict(user, "view").filter(organization=organization)  # type: ignore[attr-defined]
    )
    postponements = list(
        TermPostponement.objects.restrict(user, "view").filter(organization=organization)  # type: ignore[attr-defined]
    )
    in_force = current_postponements([organization], postponements).get(organization.pk)
    return OrganizationTerm(
        organization, elections, postponements, in_force, term_due(organization, in_force)
    )


def election_list(*, user: Any, organization: Organization | None = None) -> Any:
    elections = Election.objects.restrict(user, "view").select_related("organization")  # type: ignore[attr-defined]
    if organization is not None:
        elections = elections.filter(organization__path__startswith=organization.path)
    return elections.order_by("-held_on", "-id")
