"""Reads of the dues ledger, each beginning from `restrict(user, "view")`; totals are
aggregate queries, a constant number however many members or branches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Substr

from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.choices import BRANCH_KINDS
from dangjian.orgs.models import Organization

from . import rules
from .models import DuesExemption, DuesMonth
from .services import month_start


def dues_ledger(*, user: Any, branch: Organization, month: dt.date) -> QuerySet[DuesMonth]:
    return (
        DuesMonth.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(organization=branch, month=month_start(month))
        .select_related("member")
        .order_by("member__name")
    )


@dataclass(frozen=True)
class Arrears:
    member_id: int
    name: str
    organization_id: int
    months_unpaid: int  # in a row, up to the last finished month
    owed: Decimal

    @property
    def warning(self) -> bool:
        return self.months_unpaid >= rules.WARNING_MONTHS

    @property
    def lapsed(self) -> bool:
        return self.months_unpaid >= rules.LAPSE_MONTHS


def dues_arrears(*, user: Any, today: dt.date, organization: Organization | None = None) -> list[Arrears]:
    """Members with unpaid finished months, the longest run first. The current month is not
    yet late. One query."""
    current = month_start(today)
    rows = DuesMonth.objects.restrict(user, "view").filter(month__lt=current)  # type: ignore[attr-defined]
    if organization is not None:
        rows = rows.filter(organization__path__startswith=organization.path)
    by_member: dict[int, list[tuple[str, int, bool, Decimal]]] = {}
    for member_id, name, organization_id, due, paid in rows.order_by("member_id", "month").values_list(
        "member_id", "member__name", "organization_id", "due", "paid"
    ):
        by_member.setdefault(member_id, []).append((name, organization_id, paid < due, due - paid))
    found = []
    for member_id, months in by_member.items():
        run = rules.unpaid_run([unpaid for *_, unpaid, _ in months])
        if run:
            name, organization_id = months[-1][0], months[-1][1]
            owed = sum((gap for *_, gap in months[-run:]), Decimal(0))
            found.append(Arrears(member_id, name, organization_id, run, owed))
    return sorted(found, key=lambda a: (-a.months_unpaid, a.name))


def dues_branch_totals(*, user: Any, branch: Organization, year: int) -> list[dict[str, Any]]:
    """Month by month for one branch: due_total, paid_total, entries, unpaid entries. One query."""
    rows = DuesMonth.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
        organization=branch, month__year=year
    )
    return list(
        rows.values("month")
        .order_by("month")
        .annotate(
            due_total=Sum("due"),
            paid_total=Sum("paid"),
            entries=Count("id"),
            unpaid=Count("id", filter=Q(paid__lt=F("due"))),
        )
    )


@dataclass(frozen=True)
class RollupRow:
    organization: Organization
    due: Decimal
    paid: Decimal
    entries: int
    unpaid: int


def dues_rollup(*, user: Any, organization: Organization, year: int) -> list[RollupRow]:
    """The year's totals for each child of `organization`, each over its whole subtree, that
    the user may see: two queries (the children, then one grouped aggregate by path prefix)."""
    children = list(
        Organization.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
            path__startswith=organization.path, depth=organization.depth + 1
        )
    )
    prefix_length = len(organization.path) + Organization.steplen
    grouped = {
        row["prefix"]: row
        for row in DuesMonth.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(organization__path__startswith=organization.path, month__year=year)
        .annotate(prefix=Substr("organization__path", 1, prefix_length))
        .values("prefix")
        .order_by("prefix")
        .annotate(
            due_total=Sum("due"),
            paid_total=Sum("paid"),
            entries=Count("id"),
            unpaid=Count("id", filter=Q(paid__lt=F("due"))),
        )
    }
    result = []
    for child in children:
        row = grouped.get(child.path, {})
        result.append(
            RollupRow(
                child,
                row.get("due_total") or Decimal(0),
                row.get("paid_total") or Decimal(0),
                row.get("entries", 0),
                row.get("unpaid", 0),
            )
        )
    return result


def members_without_base(
    *, user: Any, year: int, organization: Organization | None = None
) -> dict[int, list[str]]:
    """Active members of branches in reach with no dues base for `year` (the base is set once
    a year), branch id → names. One query."""
    members = (
        Member.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(status=MemberStatus.ACTIVE, organization__kind__in=BRANCH_KINDS)
        .exclude(dues_profiles__year=year)
    )
    if organization is not None:
        members = members.filter(organization__path__startswith=organization.path)
    found: dict[int, list[str]] = {}
    for organization_id, name in members.order_by("organization_id", "name").values_list(
        "organization_id", "name"
    ):
        found.setdefault(organization_id, []).append(name)
    return found


def dues_exemptions(*, user: Any, branch: Organization, year: int) -> QuerySet[DuesExemption]:
    return (
        DuesExemption.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(member__organization=branch, year=year)
        .select_related("member")
        .order_by("member__name", "first_month")
    )


def exemption_list(*, user: Any) -> QuerySet[DuesExemption]:
    return (
        DuesExemption.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .select_related("member__organization")
        .order_by("-year", "member__organization__path", "member__name", "first_month", "id")
    )
