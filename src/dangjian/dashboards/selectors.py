"""Figures of the home page for the user's reach, each from one aggregate query (no per-organization
queries), so the page costs the same for a branch secretary and a county department.

Two sources: live (counting the members and organizations now) for a reach of at most
HOME_LIVE_ORG_LIMIT organizations, so that a township's figures are always up to the minute;
above it, the precomputed per-organization figures (members.models.MemberFigures, kept by the
background recompute), summed with one GROUP BY over the organizations' rows instead of every
member of a prefecture or province, and the warnings evaluated in SQL over the same rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When, Window
from django.utils import timezone

from dangjian.members.choices import Category, Education, MemberStatus
from dangjian.members.filters import AGE_BANDS, birth_range_for_ages
from dangjian.members.models import (
    AGE_COLUMNS,
    EDUCATION_BLANK_COLUMN,
    EDUCATION_COLUMNS,
    EDUCATION_OTHER_COLUMN,
    Member,
    MemberFigures,
)
from dangjian.members.rollups import COUNT_COLUMNS
from dangjian.orgs.choices import BRANCH_KINDS, OrgKind, Sector
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import (
    BRANCH_MAX_MEMBERS,
    BRANCH_MIN_FULL_MEMBERS,
    COMMITTEE_MIN_FULL_MEMBERS,
    TERM_WARNING_DAYS,
    OrgFigures,
    org_warnings,
)
from dangjian.orgs.selectors import OrgRow, rows_with_figures, scope_roots, warnings_in_scope

DEFAULT_HOME_LIVE_ORG_LIMIT = 1000
WARNINGS_LIMIT = 200


def _labelled(
    rows: dict[str, int], choices: list[tuple[str, str]], missing: str = "未填"
) -> list[dict[str, Any]]:
    """Counts in the order of the choices, with Chinese names; values outside the choices last."""
    out = [{"name": label, "value": rows[value]} for value, label in choices if rows.get(value)]
    known = {value for value, _ in choices}
    for value, count in rows.items():
        if value not in known and count:
            out.append({"name": value or missing, "value": count})
    return out


def home_live_org_limit() -> int:
    return int(getattr(settings, "HOME_LIVE_ORG_LIMIT", DEFAULT_HOME_LIVE_ORG_LIMIT))


def reads_stored_figures(user: Any) -> bool:
    """Whether the user's reach holds more than HOME_LIVE_ORG_LIMIT organizations with stored
    figures. One query that stops counting past the limit. Before the first recompute nothing is
    stored, and every reach is counted live (slowly, but right)."""
    limit = home_live_org_limit()
    return MemberFigures.objects.restrict(user, "view").order_by()[: limit + 1].count() > limit


def scope_root_rows(user: Any, *, stored: bool = False) -> list[OrgRow]:
    """The user's scope roots with their subtree's active (full, probationary) members, from one
    aggregate that reads only the members under those roots.

    (orgs.selectors.roots_with_figures counts with FILTER clauses over the whole members table,
    so a township's home page would read every member of the province.)"""
    roots = scope_roots(user)
    if not roots:
        return []
    if stored:
        return stored_root_rows(roots)
    in_reach = Q()
    sums: dict[str, Any] = {}
    for index, root in enumerate(roots):
        under = Q(organization__path__startswith=root.path)
        in_reach |= under
        sums[f"full_{index}"] = Count("id", filter=under & Q(category=Category.FULL))
        sums[f"probationary_{index}"] = Count("id", filter=under & Q(category=Category.PROBATIONARY))
    totals = Member.objects.filter(in_reach, status=MemberStatus.ACTIVE).order_by().aggregate(**sums)
    counts = {
        root.path: (totals[f"full_{index}"], totals[f"probationary_{index}"])
        for index, root in enumerate(roots)
    }
    return rows_with_figures(roots, counts)


def organization_figures(user: Any) -> dict[str, list[dict[str, Any]]]:
    """Active organizations in reach by kind and by sector."""
    organizations = Organization.objects.restrict(user, "view").active()
    by_kind = dict(organizations.order_by().values_list("kind").annotate(n=Count("id")))
    by_sector = dict(
        organizations.exclude(kind=OrgKind.GROUP).order_by().values_list("sector").annotate(n=Count("id"))
    )
    return {
        "kinds": _labelled(by_kind, OrgKind.choices),
        "sectors": _labelled(by_sector, Sector.choices),
    }


def member_figures(user: Any) -> dict[str, Any]:
    """Members on the roll in reach: full/probationary, age bands and education.

    One scan of the subtree's members: the counts are grouped by education and the totals summed
    here, instead of one aggregate for the totals and a second scan for education (at a province
    root each scan reads every member row of the province)."""
    members = Member.objects.restrict(user, "view").filter(status=MemberStatus.ACTIVE).order_by()
    today = timezone.localdate()
    counts: dict[str, Any] = {
        "full": Count("id", filter=Q(category=Category.FULL)),
        "probationary": Count("id", filter=Q(category=Category.PROBATIONARY)),
    }
    for value, _, youngest, oldest in AGE_BANDS:
        counts[f"age_{value}"] = Count(
            "id", filter=Q(birth_date__range=birth_range_for_ages(youngest, oldest, today))
        )
    totals = dict.fromkeys(counts, 0)
    by_education: dict[str, int] = {}
    for row in members.values("education").annotate(everyone=Count("id"), **counts):
        for key in counts:
            totals[key] += row[key]
        by_education[row["education"]] = row["everyone"]
    return {
        "full": totals["full"],
        "probationary": totals["probationary"],
        "total": totals["full"] + totals["probationary"],
        "ages": [{"name": label, "value": totals[f"age_{value}"]} for value, label, _, _ in AGE_BANDS],
        "education": _labelled(by_education, Education.choices),
    }


# --- the stored figures (members.models.MemberFigures) ----------------------------------------


def stored_root_rows(roots: list[Organization]) -> list[OrgRow]:
    """The roots' subtree figures summed from the stored rows under them: one query."""
    in_reach = Q()
    sums: dict[str, Any] = {}
    for index, root in enumerate(roots):
        under = Q(path__startswith=root.path)
        in_reach |= under
        sums[f"full_{index}"] = Sum("full", filter=under)
        sums[f"probationary_{index}"] = Sum("probationary", filter=under)
    totals = MemberFigures.objects.filter(in_reach).order_by().aggregate(**sums)
    counts = {
        root.path: (totals[f"full_{index}"] or 0, totals[f"probationary_{index}"] or 0)
        for index, root in enumerate(roots)
    }
    return rows_with_figures(roots, counts)


def stored_figures(user: Any) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """`organization_figures` and `member_figures` from the stored rows in reach: one GROUP BY
    kind, sector and status, with the member columns summed (a dissolved organization's members
    still count, as live; the organizations counted are the active ones)."""
    rows = (
        MemberFigures.objects.restrict(user, "view")
        .order_by()
        .values("kind", "sector", "is_active")
        .annotate(organizations=Count("pk"), **{column: Sum(column) for column in COUNT_COLUMNS})
    )
    by_kind: dict[str, int] = {}
    by_sector: dict[str, int] = {}
    totals = dict.fromkeys(COUNT_COLUMNS, 0)
    for row in rows:
        if row["is_active"]:
            by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["organizations"]
            if row["kind"] != OrgKind.GROUP:
                by_sector[row["sector"]] = by_sector.get(row["sector"], 0) + row["organizations"]
        for column in COUNT_COLUMNS:
            totals[column] += row[column] or 0
    by_education = {value: totals[column] for value, column in EDUCATION_COLUMNS.items()}
    by_education[""] = totals[EDUCATION_BLANK_COLUMN]
    by_education["其他"] = totals[EDUCATION_OTHER_COLUMN]
    organizations = {
        "kinds": _labelled(by_kind, OrgKind.choices),
        "sectors": _labelled(by_sector, Sector.choices),
    }
    members = {
        "full": totals["full"],
        "probationary": totals["probationary"],
        "total": totals["full"] + totals["probationary"],
        "ages": [{"name": label, "value": totals[AGE_COLUMNS[value]]} for value, label, _, _ in AGE_BANDS],
        "education": _labelled(by_education, Education.choices),
    }
    return organizations, members


def warning_q(today: dt.date) -> Q:
    """orgs.rules.org_warnings of an active, non-group organization as a condition on its stored
    row (`on_roll` annotated as full + probationary). A term warns from TERM_WARNING_DAYS before
    its end on, whether or not a postponement was approved (term_warnings)."""
    return (
        Q(kind__in=BRANCH_KINDS, on_roll__gt=BRANCH_MAX_MEMBERS)
        | Q(kind__in=BRANCH_KINDS, full__gte=COMMITTEE_MIN_FULL_MEMBERS, has_committee=False)
        | Q(kind=OrgKind.BRANCH, full__lt=BRANCH_MIN_FULL_MEMBERS)
        | Q(term_ends_on__lte=today + dt.timedelta(days=TERM_WARNING_DAYS))
    )


def stored_warnings_in_scope(
    user: Any, limit: int = WARNINGS_LIMIT, today: dt.date | None = None
) -> tuple[list[OrgRow], int]:
    """`orgs.selectors.warnings_in_scope` over the stored rows: the rules evaluated in SQL, the
    count and the first `limit` (those with an overdue election first, then by path), two
    queries: the rows with the count, their organizations. The messages come from org_warnings on the rows' figures, as live."""
    today = today or timezone.localdate()
    flagged = (
        MemberFigures.objects.restrict(user, "view")
        .filter(is_active=True)
        .exclude(kind=OrgKind.GROUP)
        .annotate(on_roll=F("full") + F("probationary"))
        .filter(warning_q(today))
    )
    # The count of all rides on the first rows (COUNT(*) OVER ()); the organizations of those rows
    # are read after the LIMIT, not joined to every flagged row before it.
    first = list(
        flagged.annotate(
            calm=Case(
                When(term_due_on__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            flagged_count=Window(Count("pk")),
        )
        .order_by("calm", "path")
        .values(
            "organization_id",
            "kind",
            "is_active",
            "has_committee",
            "term_ends_on",
            "term_postponed_to",
            "full",
            "probationary",
            "flagged_count",
        )[:limit]
    )
    if not first:
        return [], 0
    organizations = Organization.objects.only("path", "depth", "code", "name", "kind", "status").in_bulk(
        [row["organization_id"] for row in first]
    )
    rows = []
    for row in first:
        figures = OrgFigures(
            kind=row["kind"],
            full_members=row["full"],
            probationary_members=row["probationary"],
            has_committee=row["has_committee"],
            term_ends_on=row["term_ends_on"],
            is_active=row["is_active"],
            term_postponed_to=row["term_postponed_to"],
        )
        rows.append(
            OrgRow(
                organizations[row["organization_id"]],
                row["full"],
                row["probationary"],
                org_warnings(figures, today),
            )
        )
    count = first[0]["flagged_count"]
    return rows, count


@dataclass
class HomeFigures:
    roots: list[OrgRow]
    warnings: list[OrgRow]
    warning_count: int
    organizations: dict[str, list[dict[str, Any]]]
    members: dict[str, Any]
    stored: bool


def home_figures(user: Any) -> HomeFigures | None:
    """Everything the home page counts for the user's reach, or None without a grant. A fixed
    number of queries whatever the reach's size."""
    stored = reads_stored_figures(user)
    if stored:
        roots = scope_roots(user)
        if not roots:
            return None
        warnings, warning_count = stored_warnings_in_scope(user)
        organizations, members = stored_figures(user)
        if len(roots) == 1:
            # One root: its subtree is the whole reach, whose totals were just summed.
            root_rows = rows_with_figures(roots, {roots[0].path: (members["full"], members["probationary"])})
        else:
            root_rows = stored_root_rows(roots)
        return HomeFigures(root_rows, warnings, warning_count, organizations, members, stored)
    live_rows = scope_root_rows(user)
    if not live_rows:
        return None
    warnings, warning_count = warnings_in_scope(user, limit=WARNINGS_LIMIT)
    organizations, members = organization_figures(user), member_figures(user)
    return HomeFigures(live_rows, warnings, warning_count, organizations, members, stored)
