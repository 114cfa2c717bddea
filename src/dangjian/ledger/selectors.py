"""Reads of ledgers, dispatch sheets and targets. Each begins from `restrict(user, "view")`;
rollups are grouped by the path prefix of each child, a constant number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, RowNumber, Substr

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


def targets_relevant(*, user: Any) -> QuerySet[Target]:
    """Target definitions that concern the user: set inside their reach, or set above it by an
    ancestor of one of their grants (a county's figure is the township's to meet). A sibling
    township's own targets stay out of sight. The figures themselves are always counted from
    restricted rows (`targets_progress_at_level`)."""
    from dangjian.assessment.selectors import reach_or_above_q

    return Target.objects.filter(reach_or_above_q(user, "organization__path"))


def targets_at_level(*, user: Any, level: Organization, year: int) -> QuerySet[Target]:
    """The year's targets set at `level` or above it, as far as they concern the user."""
    from dangjian.assessment.selectors import ancestor_paths

    return (
        targets_relevant(user=user)
        .filter(organization__path__in=ancestor_paths(level), year=year)
        .select_related("organization")
        .order_by("organization__depth", "id")
    )


def _assessment_counted(metric: str, status: str, grade: int | None) -> bool:
    """Whether one branch's assessment of the year counts for a share target; mirrors
    `_numerator_rows` and `_counted_q`."""
    from dangjian.assessment.choices import AssessmentStatus

    if metric == TargetMetric.GRADE_ONE_TWO_SHARE:
        return status == AssessmentStatus.SIGNED and grade in (1, 2)
    if metric == TargetMetric.GRADE_FOUR_SHARE:
        return status == AssessmentStatus.SIGNED and grade == 4
    if metric == TargetMetric.CHECKLIST_COMPLETE_SHARE:
        return status in (AssessmentStatus.SELF_CHECKED, AssessmentStatus.SIGNED)
    raise ValueError(f"unknown metric {metric!r}")


def _counted_q(metric: str) -> Q:
    """The same test on a branch annotated with its assessment's `a_status` and `a_grade`."""
    from dangjian.assessment.choices import AssessmentStatus

    if metric == TargetMetric.GRADE_ONE_TWO_SHARE:
        return Q(a_status=AssessmentStatus.SIGNED, a_grade__in=[1, 2])
    if metric == TargetMetric.GRADE_FOUR_SHARE:
        return Q(a_status=AssessmentStatus.SIGNED, a_grade=4)
    if metric == TargetMetric.CHECKLIST_COMPLETE_SHARE:
        return Q(a_status__in=[AssessmentStatus.SELF_CHECKED, AssessmentStatus.SIGNED])
    raise ValueError(f"unknown metric {metric!r}")


@dataclass(frozen=True)
class TargetProgress:
    target: Target
    total: TargetRow
    children: list[TargetRow]
    laggards: list[Organization]


def targets_progress_at_level(
    *, user: Any, targets: list[Target], level: Organization, year: int, laggards_shown: int = 20
) -> list[TargetProgress]:
    """Every target of the page at `level` and its children, with the first `laggards_shown`
    branches holding each back: at most five queries however many targets and branches
    (children; branches per child and sector; assessments per child, sector, status and class;
    completed dispatch items per child and sector; the laggards of all targets at once)."""
    from dangjian.assessment.models import Assessment

    targets = [t for t in targets if t.year == year]
    if not targets:
        return []
    children = list(
        Organization.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
            path__startswith=level.path, depth=level.depth + 1
        )
    )
    length = len(level.path) + Organization.steplen
    branches = Organization.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
        kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE, path__startswith=level.path
    )
    denominators: dict[tuple[str, str], int] = {
        (row["prefix"], row["sector"]): row["n"]
        for row in branches.annotate(prefix=Substr("path", 1, length))
        .values("prefix", "sector")
        .order_by()
        .annotate(n=Count("id"))
    }
    share_targets = [t for t in targets if t.metric != TargetMetric.DISPATCH_COMPLETED_COUNT]
    assessed: list[dict] = []
    if share_targets:
        assessed = list(
            Assessment.objects.restrict(user, "view")  # type: ignore[attr-defined]
            .filter(
                year=year,
                organization__kind__in=BRANCH_KINDS,
                organization__status=OrgStatus.ACTIVE,
                organization__path__startswith=level.path,
            )
            .annotate(prefix=Substr("organization__path", 1, length))
            .values("prefix", "organization__sector", "status", "grade")
            .order_by()
            .annotate(n=Count("id"))
        )
    completed: list[dict] = []
    if len(share_targets) < len(targets):
        completed = list(
            DispatchRecipient.objects.restrict(user, "view")  # type: ignore[attr-defined]
            .filter(
                sheet__year=year,
                status=RecipientStatus.COMPLETED,
                organization__path__startswith=level.path,
            )
            .annotate(prefix=Substr("organization__path", 1, length))
            .values("prefix", "organization__sector")
            .order_by()
            .annotate(n=Count("id"))
        )
    laggards = _laggards_of(branches, share_targets, year, laggards_shown)
    result = []
    for target in targets:
        numerators: dict[str, int] = {}
        per_child_branches: dict[str, int] = {}
        for (prefix, sector), n in denominators.items():
            if not target.sector or sector == target.sector:
                per_child_branches[prefix] = per_child_branches.get(prefix, 0) + n
        if target.metric == TargetMetric.DISPATCH_COMPLETED_COUNT:
            counted_rows = [
                r for r in completed if not target.sector or r["organization__sector"] == target.sector
            ]
        else:
            counted_rows = [
                r
                for r in assessed
                if (not target.sector or r["organization__sector"] == target.sector)
                and _assessment_counted(target.metric, r["status"], r["grade"])
            ]
        for row in counted_rows:
            numerators[row["prefix"]] = numerators.get(row["prefix"], 0) + row["n"]
        total = _row(level, target, sum(numerators.values()), sum(per_child_branches.values()))
        rows = [
            _row(child, target, numerators.get(child.path, 0), per_child_branches.get(child.path, 0))
            for child in children
        ]
        result.append(TargetProgress(target, total, rows, laggards.get(target.pk, [])))
    return result


def _laggards_of(
    branches: QuerySet[Organization], targets: list[Target], year: int, shown: int
) -> dict[int, list[Organization]]:
    """The first `shown` branches (by path) holding back each share target, in one query:
    each target gets a 0/1 window marking its laggards and a running count of them, so the
    rows kept are those that are within the first `shown` laggards of at least one target."""
    from dangjian.assessment.models import Assessment

    if not targets:
        return {}
    own = Assessment.objects.filter(organization=OuterRef("pk"), year=year)
    rows = branches.annotate(
        a_status=Coalesce(Subquery(own.values("status")[:1]), Value("")),
        a_grade=Coalesce(Subquery(own.values("grade")[:1]), Value(0)),
    )
    keep = Q()
    for index, target in enumerate(targets):
        counted = _counted_q(target.metric)
        holding_back = counted if target.comparison == Comparison.BELOW else ~counted
        if target.sector:
            holding_back &= Q(sector=target.sector)
        flag = Case(When(holding_back, then=Value(1)), default=Value(0), output_field=IntegerField())
        rows = rows.annotate(
            **{
                f"lag_{index}": Window(Max(flag), partition_by=[F("pk")]),
                f"rank_{index}": Window(RowNumber(), partition_by=[flag], order_by=F("path").asc()),
            }
        )
        keep |= Q(**{f"lag_{index}": 1, f"rank_{index}__lte": shown})
    found: dict[int, list[Organization]] = {t.pk: [] for t in targets}
    for branch in rows.filter(keep).order_by("path"):
        for index, target in enumerate(targets):
            if getattr(branch, f"lag_{index}") == 1 and getattr(branch, f"rank_{index}") <= shown:
                found[target.pk].append(branch)
    return found


SELECT_SUBTREE, SELECT_SECTOR, SELECT_GRADE, SELECT_LIST = "subtree", "sector", "grade", "list"


def dispatch_candidates(
    *,
    user: Any,
    issuer: Organization,
    mode: str,
    sector: str = "",
    grade: int | None = None,
    year: int | None = None,
    codes: tuple[str, ...] = (),
) -> QuerySet[Organization]:
    """The organizations a dispatch sheet may go to, chosen the four usual ways: every active
    branch below the issuer, those of one sector, those given a class in a year's confirmed
    assessment, or a list of codes (any organization below the issuer). One query."""
    from dangjian.assessment.choices import AssessmentStatus
    from dangjian.assessment.models import Assessment

    below = Organization.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
        path__startswith=issuer.path, depth__gt=issuer.depth, status=OrgStatus.ACTIVE
    )
    if mode == SELECT_LIST:
        return below.filter(code__in=list(codes)).order_by("path")
    branches = below.filter(kind__in=BRANCH_KINDS)
    if mode == SELECT_SECTOR:
        branches = branches.filter(sector=sector)
    elif mode == SELECT_GRADE:
        if year is None or grade is None:
            raise ValueError("a selection by class needs the class and the year")
        graded = Assessment.objects.filter(year=year, grade=grade, status=AssessmentStatus.SIGNED)
        branches = branches.filter(pk__in=graded.values("organization_id"))
    elif mode != SELECT_SUBTREE:
        raise ValueError(f"unknown selection {mode!r}")
    return branches.order_by("path")
