"""Reads of ledgers, dispatch sheets and targets. Each begins from `restrict(user, "view")`;
rollups are grouped by the path prefix of each child, a constant number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr

from dangjian.orgs.choices import BRANCH_KINDS, OrgStatus
from dangjian.orgs.models import Organization

from . import rules
from .choices import Comparison, ItemStatus, RecipientStatus, TargetMetric
from .models import DispatchRecipient, DispatchSheet, LedgerItem, Target


def overdue_items(
    *, user: Any, today: dt.date, organization: Organization | None = None
) -> QuerySet[LedgerItem]:
    """通报: unclosed items past their deadline, the longest overdue first. A deadline day
    itself is not late (rules.is_overdue)."""
    last_on_time = today - dt.timedelta(days=rules.OVERDUE_FROM_DAYS_AFTER)
    rows = LedgerItem.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
        deadline__lte=last_on_time, status__in=[ItemStatus.OPEN, ItemStatus.CLOSE_REQUESTED]
    )
    if organization is not None:
        rows = rows.filter(ledger__organization__path__startswith=organization.path)
    return rows.select_related("ledger__organization").order_by("deadline", "ledger_id", "number")


@dataclass(frozen=True)
class DispatchProgress:
    sheet: DispatchSheet
    recipients: int
    completed: int
    overdue: int

    @property
    def completion_percent(self) -> Decimal | None:
        return rules.share_percent(self.completed, self.recipients)


def dispatch_progress(*, user: Any, sheet: DispatchSheet, today: dt.date) -> DispatchProgress:
    """The issuer's view of one sheet: one aggregate query. Overdue counts both open recipients
    past their deadline and those completed after it."""
    last_on_time = today - dt.timedelta(days=rules.OVERDUE_FROM_DAYS_AFTER)
    figures = (
        DispatchRecipient.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(sheet=sheet)
        .aggregate(
            recipients=Count("id"),
            completed=Count("id", filter=Q(status=RecipientStatus.COMPLETED)),
            overdue=Count(
                "id",
                filter=Q(~Q(status=RecipientStatus.COMPLETED), deadline__lte=last_on_time)
                | Q(status=RecipientStatus.COMPLETED, completed_on__gt=F("deadline")),
            ),
        )
    )
    return DispatchProgress(sheet, figures["recipients"], figures["completed"], figures["overdue"])


def dispatch_overdue(*, user: Any, sheet: DispatchSheet, today: dt.date) -> QuerySet[DispatchRecipient]:
    last_on_time = today - dt.timedelta(days=rules.OVERDUE_FROM_DAYS_AFTER)
    return (
        DispatchRecipient.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(sheet=sheet, deadline__lte=last_on_time)
        .exclude(status=RecipientStatus.COMPLETED)
        .select_related("organization")
        .order_by("deadline", "organization__path")
    )


@dataclass(frozen=True)
class TargetRow:
    organization: Organization
    numerator: int
    denominator: int | None  # None for a count target
    value: Decimal | None
    met: bool


def _branches(user: Any, target: Target) -> QuerySet[Organization]:
    rows = Organization.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
        kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE
    )
    return rows.filter(sector=target.sector) if target.sector else rows


def _numerator_rows(user: Any, target: Target) -> tuple[QuerySet, str]:
    """The records counted by the target and the lookup of their organization's path."""
    from dangjian.assessment.choices import AssessmentStatus
    from dangjian.assessment.models import Assessment

    branch_filter = {"organization__kind__in": BRANCH_KINDS, "organization__status": OrgStatus.ACTIVE}
    if target.sector:
        branch_filter["organization__sector"] = target.sector
    if target.metric == TargetMetric.DISPATCH_COMPLETED_COUNT:
        rows = DispatchRecipient.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
            sheet__year=target.year, status=RecipientStatus.COMPLETED
        )
        if target.sector:
            rows = rows.filter(organization__sector=target.sector)
        return rows, "organization__path"
    rows = Assessment.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
        year=target.year, **branch_filter
    )
    if target.metric == TargetMetric.GRADE_ONE_TWO_SHARE:
        rows = rows.filter(status=AssessmentStatus.SIGNED, grade__in=[1, 2])
    elif target.metric == TargetMetric.GRADE_FOUR_SHARE:
        rows = rows.filter(status=AssessmentStatus.SIGNED, grade=4)
    elif target.metric == TargetMetric.CHECKLIST_COMPLETE_SHARE:
        rows = rows.filter(status__in=[AssessmentStatus.SELF_CHECKED, AssessmentStatus.SIGNED])
    else:
        raise ValueError(f"unknown metric {target.metric!r}")
    return rows, "organization__path"


def _grouped(rows: QuerySet, path_lookup: str, level: Organization, length: int) -> dict[str, int]:
    return {
        entry["prefix"]: entry["n"]
        for entry in rows.filter(**{f"{path_lookup}__startswith": level.path})
        .annotate(prefix=Substr(path_lookup, 1, length))
        .values("prefix")
        .order_by("prefix")
        .annotate(n=Count("id"))
    }


def _row(organization: Organization, target: Target, numerator: int, denominator: int) -> TargetRow:
    if target.metric == TargetMetric.DISPATCH_COMPLETED_COUNT:
        value: Decimal | None = Decimal(numerator)
        return TargetRow(
            organization,
            numerator,
            None,
            value,
            rules.target_met(value=value, threshold=target.threshold, comparison=target.comparison),
        )
    value = rules.share_percent(numerator, denominator)
    met = rules.target_met(value=value, threshold=target.threshold, comparison=target.comparison)
    return TargetRow(organization, numerator, denominator, value, met)


def target_progress(*, user: Any, target: Target, level: Organization) -> tuple[TargetRow, list[TargetRow]]:
    """The target's figure at `level` and at each of its children that the user may see, live
    from the data: three queries (children, branches per child, counted records per child);
    the level's own figure is folded from the same grouped rows."""
    children = list(
        Organization.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
            path__startswith=level.path, depth=level.depth + 1
        )
    )
    length = len(level.path) + Organization.steplen
    denominators = _grouped(_branches(user, target), "path", level, length)
    rows, path_lookup = _numerator_rows(user, target)
    numerators = _grouped(rows, path_lookup, level, length)
    # The level's own figure is the sum over its children plus anything attached to the level itself.
    total = _row(level, target, sum(numerators.values()), sum(denominators.values()))
    return total, [
        _row(child, target, numerators.get(child.path, 0), denominators.get(child.path, 0))
        for child in children
    ]


def target_laggards(*, user: Any, target: Target, level: Organization) -> QuerySet[Organization]:
    """The branches under `level` that hold a share target back: for "at least", those not
    counted; for "below", those counted."""
    if target.metric == TargetMetric.DISPATCH_COMPLETED_COUNT:
        return Organization.objects.none()
    rows, _ = _numerator_rows(user, target)
    counted = rows.values("organization_id")
    branches = _branches(user, target).filter(path__startswith=level.path)
    if target.comparison == Comparison.AT_LEAST:
        return branches.exclude(pk__in=counted).order_by("path")
    return branches.filter(pk__in=counted).order_by("path")
