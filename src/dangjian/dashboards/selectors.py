"""Figures of the home page for the user's reach, each from one aggregate query (no per-organization
queries), so the page costs the same for a branch secretary and a county department."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from dangjian.members.choices import Category, Education, MemberStatus
from dangjian.members.filters import AGE_BANDS, birth_range_for_ages
from dangjian.members.models import Member
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import OrgRow, rows_with_figures, scope_roots


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


def scope_root_rows(user: Any) -> list[OrgRow]:
    """The user's scope roots with their subtree's active (full, probationary) members, from one
    aggregate that reads only the members under those roots.

    (orgs.selectors.roots_with_figures counts with FILTER clauses over the whole members table,
    so a township's home page would read every member of the province.)"""
    roots = scope_roots(user)
    if not roots:
        return []
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
