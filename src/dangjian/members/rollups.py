"""Precomputed member figures per organization (models.MemberFigures; architecture.md,
"Rollups"): what the recompute (`services.member_figures_recompute`) and the home page share —
the marking of stale rows, the organizations' attributes as stored, the counting of one
organization's members, and the band crossings of birthdays.

Age bands depend on the day: each row holds its bands as of `ages_on`. On a later day only the
members whose birthday since then moved them across a band's edge change a band, so the
recompute marks just their organizations stale (at a province, a few thousand a day) and
moves every other row's `ages_on` forward; the periodic task runs every few minutes, so the
bands are those of today from the first run after midnight on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from dangjian.core.dates import add_years
from dangjian.orgs.choices import OrgStatus
from dangjian.orgs.models import Organization

from .choices import Category, MemberStatus
from .filters import AGE_BANDS, birth_range_for_ages
from .models import (
    AGE_COLUMNS,
    EDUCATION_BLANK_COLUMN,
    EDUCATION_COLUMNS,
    EDUCATION_OTHER_COLUMN,
    Member,
    MemberFigures,
)

COUNT_COLUMNS = (
    "full",
    "probationary",
    *AGE_COLUMNS.values(),
    *EDUCATION_COLUMNS.values(),
    EDUCATION_BLANK_COLUMN,
    EDUCATION_OTHER_COLUMN,
)
ATTRIBUTE_COLUMNS = (
    "path",
    "kind",
    "sector",
    "is_active",
    "has_committee",
    "term_ends_on",
    "term_postponed_to",
    "term_due_on",
)
assert set(AGE_COLUMNS) == {band for band, _, _, _ in AGE_BANDS}


def mark_figures_stale(organization_ids: Iterable[int | None]) -> None:
    """Mark the stored figures of these organizations for the next recompute. Called by every
    member service that changes who is on an organization's roll or a counted field, in the
    service's transaction (one UPDATE; an organization without a row is found anyway)."""
    ids = sorted({pk for pk in organization_ids if pk is not None})
    if ids:
        MemberFigures.objects.filter(organization_id__in=ids, stale=False).update(stale=True)


# --- the organizations' attributes ------------------------------------------------------------


def term_due_on(term_ends_on: dt.date | None, postponed_to: dt.date | None) -> dt.date | None:
    """The day the election is due: an approved postponement counts when later than the term's
    end (orgs.rules.term_warnings); a warning is "danger" once this day has passed."""
    if term_ends_on is None:
        return None
    if postponed_to is not None and postponed_to > term_ends_on:
        return postponed_to
    return term_ends_on


def organization_attributes(where: Q | None = None) -> dict[int, dict[str, Any]]:
    """Per organization id, the stored attributes as the tree has them now. One query."""
    organizations = Organization.objects.with_term_postponement()
    if where is not None:
        organizations = organizations.filter(where)
    found = {}
    for row in organizations.order_by().values(
        "id",
        "path",
        "kind",
        "sector",
        "status",
        "has_committee",
        "term_started_on",
        "term_years",
        "term_postponed_to",
    ):
        ends = (
            add_years(row["term_started_on"], row["term_years"])
            if row["term_started_on"] and row["term_years"]
            else None
        )
        found[row["id"]] = {
            "path": row["path"],
            "kind": row["kind"],
            "sector": row["sector"],
            "is_active": row["status"] == OrgStatus.ACTIVE,
            "has_committee": row["has_committee"],
            "term_ends_on": ends,
            "term_postponed_to": row["term_postponed_to"],
            "term_due_on": term_due_on(ends, row["term_postponed_to"]),
        }
    return found


# --- counting ---------------------------------------------------------------------------------


def count_expressions(today: dt.date) -> dict[str, Count]:
    counts: dict[str, Count] = {
        "full": Count("id", filter=Q(category=Category.FULL)),
        "probationary": Count("id", filter=Q(category=Category.PROBATIONARY)),
    }
    for band, _, youngest, oldest in AGE_BANDS:
        counts[AGE_COLUMNS[band]] = Count(
            "id", filter=Q(birth_date__range=birth_range_for_ages(youngest, oldest, today))
        )
    for value, column in EDUCATION_COLUMNS.items():
        counts[column] = Count("id", filter=Q(education=value))
    counts[EDUCATION_BLANK_COLUMN] = Count("id", filter=Q(education=""))
    counts[EDUCATION_OTHER_COLUMN] = Count("id", filter=~Q(education__in=[*EDUCATION_COLUMNS, ""]))
    return counts


def member_counts(where: Q, today: dt.date) -> dict[int, dict[str, int]]:
    """Per organization id, its own active members counted into the columns. One GROUP BY."""
    rows = (
        Member.objects.filter(where, status=MemberStatus.ACTIVE)
        .order_by()
        .values("organization_id")
        .annotate(**count_expressions(today))
    )
    found: dict[int, dict[str, int]] = {}
    for row in rows:
        values: dict[str, Any] = dict(row)
        found[values.pop("organization_id")] = values
    return found


# --- birthdays --------------------------------------------------------------------------------


def band_edges() -> list[int]:
    """The ages at which a member enters another band (the upper band's youngest age)."""
    edges = {youngest for _, _, youngest, _ in AGE_BANDS} | {oldest + 1 for _, _, _, oldest in AGE_BANDS}
    return sorted(edges)


def crossed_band_q(since: dt.date, today: dt.date) -> Q:
    """Members whose band on `today` differs from their band on `since` (since < today).

    A member born on b is aged at least A on day d when b <= add_years(d, -A)
    (members.filters.birth_range_for_ages), so between the two days exactly those born in
    (add_years(since, -A), add_years(today, -A)] crossed edge A."""
    crossed = Q()
    for age in band_edges():
        crossed |= Q(birth_date__gt=add_years(since, -age), birth_date__lte=add_years(today, -age))
    return crossed


@dataclass
class StoredRows:
    attributes: dict[int, dict[str, Any]]
    stale: set[int]
    ages_on: dict[dt.date, list[int]]


def stored_rows() -> StoredRows:
    """Every stored row's attributes, stale flag and age date. One query."""
    attributes: dict[int, dict[str, Any]] = {}
    stale: set[int] = set()
    ages_on: dict[dt.date, list[int]] = {}
    for row in MemberFigures.objects.order_by().values(
        "organization_id", "stale", "ages_on", *ATTRIBUTE_COLUMNS
    ):
        organization_id = row.pop("organization_id")
        if row.pop("stale"):
            stale.add(organization_id)
        ages_on.setdefault(row.pop("ages_on"), []).append(organization_id)
        attributes[organization_id] = row
    return StoredRows(attributes, stale, ages_on)


def chunks(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    for offset in range(0, len(ids), size):
        yield list(ids[offset : offset + size])
