"""Compliance with the rules of organizational life, for one branch or rolled up a subtree.

Everything is read in a constant number of aggregate queries whatever the size of the
subtree: the branches, their groups, the local rule sets that reach them, and one GROUP BY
over the submitted current records of the year (branch, group, kind, month, with one
filtered count per rule condition). Judging is then plain Python over those figures, so the
same functions serve a branch's page, a township's dashboard and the brute-force tests.
At province scale (~200k branches) this is the computation a background job would run
to precompute per-org, per-period figures (architecture.md, "Rollups").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from dangjian.core.restrict import require
from dangjian.orgs.choices import BRANCH_KINDS, OrgKind, OrgStatus, Sector
from dangjian.orgs.models import Organization

from . import rules as rules_module
from .choices import ActivityKind, ActivityStatus
from .models import ActivityKindEntry, LocalRuleSet
from .periods import Period, PeriodKind, periods_overlapping
from .rules import Applicability, Condition, LocalSets, Rule, RuleSet
from .selectors import absence_warnings, meeting_attendance, member_attendance

MET, DUE, MISSED = "met", "due", "missed"
STATUS_LABELS = {MET: "已完成", DUE: "进行中", MISSED: "未完成"}
_SEVERITY = {MET: 0, DUE: 1, MISSED: 2}

ACTIONS = {
    ActivityKind.GENERAL_MEETING: "召开党员大会",
    ActivityKind.COMMITTEE_MEETING: "召开支部委员会会议",
    ActivityKind.GROUP_MEETING: "召开党小组会",
    ActivityKind.PARTY_LECTURE: "上党课",
    ActivityKind.THEME_DAY: "开展主题党日",
    ActivityKind.LIFE_MEETING: "召开组织生活会",
    ActivityKind.MEMBER_REVIEW: "开展民主评议党员",
    ActivityKind.HEART_TALK: "开展谈心谈话",
    ActivityKind.OTHER: "开展组织生活",
}
KIND_ORDER = {kind: index for index, kind in enumerate(ActivityKind.values)}


def worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=_SEVERITY.__getitem__, default=MET)


def judge(count: int, minimum: int, period: Period, today: dt.date) -> str:
    if count >= minimum:
        return MET
    return MISSED if period.is_over(today) else DUE


def shortfall_text(rule: Rule, period: Period, unit_name: str, count: int, status: str) -> str:
    """The missing item in words: "2026年第3季度 未召开党员大会"."""
    action = "讲党课" if rule.secretary_speaker else ACTIONS[ActivityKind(rule.kind)]
    when = f"在{rule.day_of_month}日" if rule.day_of_month else ""
    who = f"{unit_name} " if unit_name else ""
    if rule.secretary_speaker:
        who += "书记"
    if status == DUE:
        return (
            f"{period.label} {who}尚需{when}{action}{rule.minimum - count}次"
            f"（{period.end.month}月{period.end.day}日前）"
        )
    if count == 0:
        return f"{period.label} {who}未{when}{action}"
    return f"{period.label} {who}{when}{action}{count}次，应至少{rule.minimum}次"


# --- figures read from the database -------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A branch, or a 党小组 for the rules that bind each group."""

    id: int
    code: str
    name: str
    path: str
    kind: str
    sector: str = Sector.OTHER
    has_committee: bool = False
    established_on: dt.date | None = None

    @property
    def parent_path(self) -> str:
        return self.path[: -Organization.steplen]

    def to_json(self) -> dict[str, Any]:
        return {"org": self.code, "name": self.name, "kind": self.kind, "sector": self.sector}


UNIT_FIELDS = ("id", "code", "name", "path", "kind", "sector", "has_committee", "established_on")


@dataclass
class Counts:
    """Sittings per (unit, kind, month) and per condition, for one year."""

    by_unit: dict[tuple[int, str, int], dict[Condition, int]] = field(default_factory=dict)

    def add(self, unit_id: int, kind: str, month: int, condition: Condition, number: int) -> None:
        cell = self.by_unit.setdefault((unit_id, kind, month), {})
        cell[condition] = cell.get(condition, 0) + number

    def count(self, unit_id: int, rule: Rule, period: Period) -> int:
        condition = rule.condition
        return sum(
            self.by_unit.get((unit_id, rule.kind, month), {}).get(condition, 0)
            for month in period.month_numbers
        )


def _condition_filter(condition: Condition) -> Q:
    query = Q()
    if condition.secretary_speaker:
        query &= Q(activity__secretary_spoke=True)
    if condition.day_of_month:
        query &= Q(activity__held_on__day=condition.day_of_month)
    return query


def load_counts(root_path: str, year: int, conditions: Iterable[Condition]) -> Counts:
    """One GROUP BY over the current submitted records of the subtree in `year`. A sitting of
    several kinds has one entry per kind, so it counts once for each."""
    return load_counts_where(Q(activity__organization__path__startswith=root_path), year, conditions)


def load_counts_where(scope: Q, year: int, conditions: Iterable[Condition]) -> Counts:
    """As `load_counts`, for the records matching `scope` (a subtree, or a list of branches)."""
    conditions = sorted(
        set(conditions) | {rules_module.PLAIN}, key=lambda c: (c.secretary_speaker, c.day_of_month or 0)
    )
    columns = {f"n{index}": Count("id", filter=_condition_filter(c)) for index, c in enumerate(conditions)}
    rows = (
        ActivityKindEntry.objects.filter(
            scope,
            activity__is_current=True,
            activity__status=ActivityStatus.SUBMITTED,
            activity__held_on__gte=dt.date(year, 1, 1),
            activity__held_on__lte=dt.date(year, 12, 31),
        )
        .values(
            "activity__organization_id", "activity__group_id", "kind", month=ExtractMonth("activity__held_on")
        )
        .annotate(**columns)
        .order_by()
    )
    counts = Counts()
    # The filtered counts are named at run time, which the typed values() row cannot express.
    for row in cast(Iterable[dict[str, Any]], rows.iterator(chunk_size=5000)):
        for index, condition in enumerate(conditions):
            number = row[f"n{index}"]
            if not number:
                continue
            counts.add(row["activity__organization_id"], row["kind"], row["month"], condition, number)
            if row["activity__group_id"] is not None:
                counts.add(row["activity__group_id"], row["kind"], row["month"], condition, number)
    return counts


def load_local_sets(root: Organization) -> LocalSets:
    """The local rule sets of the root's ancestors, of the root and of its whole subtree."""
    steplen = Organization.steplen
    ancestors = [root.path[:depth] for depth in range(steplen, len(root.path) + 1, steplen)]
    found: dict[str, list[RuleSet]] = defaultdict(list)
    for row in (
        LocalRuleSet.objects.filter(
            Q(organization__path__in=ancestors) | Q(organization__path__startswith=root.path)
        )
        .values("organization__path", "effective_from", "rules", "name")
        .order_by("organization__path", "effective_from")
    ):
        found[row["organization__path"]].append(
            RuleSet(row["effective_from"], rules_module.parse_rules(row["rules"]), row["name"])
        )
    return LocalSets({path: tuple(sets) for path, sets in found.items()})


# --- judging one branch -------------------------------------------------------------------


@dataclass
class Tally:
    required: int = 0
    held: int = 0  # credited: at most the minimum of each period, so held == required when met
    count: int = 0  # sittings actually held
    status: str = MET

    def add(self, minimum: int, count: int, status: str) -> None:
        self.required += minimum
        self.held += count if count < minimum else minimum
        self.count += count
        if _SEVERITY[status] > _SEVERITY[self.status]:
            self.status = status


@dataclass
class RuleResult:
    rule: Rule
    tally: Tally = field(default_factory=Tally)
    by_unit: dict[int, Tally] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # periods over and not met
    outstanding: list[str] = field(default_factory=list)  # periods still running, not yet met

    @property
    def status(self) -> str:
        return self.tally.status

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule.code,
            "name": self.rule.label,
            "required": self.tally.required,
            "held": self.tally.held,
            "count": self.tally.count,
            "status": self.status,
            "missing": list(self.missing),
            "outstanding": list(self.outstanding),
            "source": self.rule.source,
        }


@dataclass
class BranchCompliance:
    branch: Unit
    rules: dict[str, RuleResult]
    groups: list[Unit] = field(default_factory=list)

    @cached_property
    def status(self) -> str:
        # Read several times by every rollup the branch is added to; the rules do not change.
        return worst(result.status for result in self.rules.values())

    @property
    def met_all(self) -> bool:
        return self.status == MET

    @property
    def missing(self) -> list[str]:
        return [text for result in self.rules.values() for text in result.missing]

    @property
    def outstanding(self) -> list[str]:
        return [text for result in self.rules.values() for text in result.outstanding]


Resolver = Callable[[Unit, dt.date], list[Rule]]


def make_resolver(statutory: tuple[RuleSet, ...], local: LocalSets) -> Resolver:
    """Rules for a branch on a day, memoised by what they depend on: sector, committee and the
    local sets in force (branches under one parent share their ancestors' sets)."""
    cache: dict[tuple, list[Rule]] = {}
    steplen = Organization.steplen

    def resolve(branch: Unit, day: dt.date) -> list[Rule]:
        sets = local.in_force(branch.path, day, steplen)
        key = (branch.sector, branch.has_committee, day, tuple(id(s) for s in sets))
        if key not in cache:
            cache[key] = rules_module.resolve_rules(
                statutory=statutory,
                local=sets,
                day=day,
                sector=branch.sector,
                has_committee=branch.has_committee,
            )
        return cache[key]

    return resolve


@dataclass(frozen=True)
class Entry:
    """One rule over one period for one unit (the branch, or a group for per-group rules):
    what is required and what was held. Everything a judgment needs except today's date, so
    entries can be stored by the background recompute and judged on the day they are read."""

    rule: Rule
    period: Period
    unit_id: int
    unit_name: str  # the group's name for a per-group rule, empty for the branch itself
    count: int


def branch_entries(
    branch: Unit, groups: list[Unit], counts: Counts, window: Period, resolve: Resolver
) -> list[Entry]:
    """Every rule over every period of its kind that overlaps the window, each period judged by
    the rules in force on its first day; a yearly rule asked about for a quarter is judged
    over the whole year. The order is fixed (period kind, period, rule, unit), so the entries
    of a window are exactly the year's entries whose period overlaps the window."""
    entries: list[Entry] = []
    for period_kind in PeriodKind:
        for period in periods_overlapping(period_kind, window):
            if branch.established_on and period.end < branch.established_on:
                continue
            for rule in resolve(branch, period.start):
                if rule.period != period_kind or not rule.requires(period):
                    continue
                per_group = rule.applies_to == Applicability.GROUP
                for unit in groups if per_group else [branch]:
                    entries.append(
                        Entry(
                            rule,
                            period,
                            unit.id,
                            unit.name if per_group else "",
                            counts.count(unit.id, rule, period),
                        )
                    )
    return entries


def judge_entries(
    branch: Unit, groups: list[Unit], entries: Iterable[Entry], today: dt.date
) -> BranchCompliance:
    results: dict[str, RuleResult] = {}
    for entry in entries:
        rule = entry.rule
        result = results.setdefault(rule.code, RuleResult(rule))
        status = judge(entry.count, rule.minimum, entry.period, today)
        result.tally.add(rule.minimum, entry.count, status)
        result.by_unit.setdefault(entry.unit_id, Tally()).add(rule.minimum, entry.count, status)
        if status != MET:
            text = shortfall_text(rule, entry.period, entry.unit_name, entry.count, status)
            (result.missing if status == MISSED else result.outstanding).append(text)
    ordered = sorted(
        results.values(),
        key=lambda r: (KIND_ORDER[r.rule.kind], r.rule.secretary_speaker, r.rule.period.months, r.rule.code),
    )
    return BranchCompliance(branch, {r.rule.code: r for r in ordered}, groups)


def judge_branch(
    branch: Unit, groups: list[Unit], counts: Counts, window: Period, today: dt.date, resolve: Resolver
) -> BranchCompliance:
    return judge_entries(branch, groups, branch_entries(branch, groups, counts, window, resolve), today)


# --- rolling up ---------------------------------------------------------------------------


@dataclass
class RuleRollup:
    rule: Rule
    tally: Tally = field(default_factory=Tally)
    branches: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: {MET: 0, DUE: 0, MISSED: 0})

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule.code,
            "name": self.rule.label,
            "required": self.tally.required,
            "held": self.tally.held,
            "count": self.tally.count,
            "status": self.tally.status,
            "branches": self.branches,
            "met": self.by_status[MET],
            "due": self.by_status[DUE],
            "missed": self.by_status[MISSED],
            "share_met": _share(self.by_status[MET], self.branches),
        }


@dataclass
class Breakdown:
    branches: int = 0
    met_all: int = 0
    missed_any: int = 0

    @property
    def due(self) -> int:
        return self.branches - self.met_all - self.missed_any

    def add(self, branch: BranchCompliance) -> None:
        self.branches += 1
        self.met_all += branch.status == MET
        self.missed_any += branch.status == MISSED

    def to_json(self) -> dict[str, Any]:
        return {
            "branches": self.branches,
            "met_all": self.met_all,
            "due": self.due,
            "missed_any": self.missed_any,
            "share_met_all": _share(self.met_all, self.branches),
        }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Rollup:
    totals: Breakdown = field(default_factory=Breakdown)
    rules: dict[str, RuleRollup] = field(default_factory=dict)
    sectors: dict[str, Breakdown] = field(default_factory=dict)
    sector_rules: dict[str, dict[str, Breakdown]] = field(default_factory=dict)
    failing: list[BranchCompliance] = field(default_factory=list)

    def add(self, branch: BranchCompliance) -> None:
        self.totals.add(branch)
        self.sectors.setdefault(branch.branch.sector, Breakdown()).add(branch)
        for code, result in branch.rules.items():
            rollup = self.rules.setdefault(code, RuleRollup(result.rule))
            rollup.branches += 1
            rollup.by_status[result.status] += 1
            rollup.tally.required += result.tally.required
            rollup.tally.held += result.tally.held
            rollup.tally.count += result.tally.count
            rollup.tally.status = worst([rollup.tally.status, result.status])
            sector = self.sector_rules.setdefault(branch.branch.sector, {})
            cell = sector.setdefault(code, Breakdown())
            cell.branches += 1
            cell.met_all += result.status == MET
            cell.missed_any += result.status == MISSED
        if branch.status == MISSED:
            self.failing.append(branch)

    def rules_json(self) -> list[dict[str, Any]]:
        ordered = sorted(
            self.rules.values(),
            key=lambda r: (
                KIND_ORDER[r.rule.kind],
                r.rule.secretary_speaker,
                r.rule.period.months,
                r.rule.code,
            ),
        )
        return [rollup.to_json() for rollup in ordered]


# --- the report -------------------------------------------------------------------------


@dataclass
class SubtreeFigures:
    root: Organization
    window: Period
    today: dt.date
    branches: list[BranchCompliance]
    children: list[Organization]
    # Kept so that the pages can judge the same figures month by month without reading again.
    counts: Counts = field(default_factory=Counts)
    resolve: Resolver | None = None
    # The year's entries per branch when the figures were read precomputed, else None.
    stored: dict[int, list[Entry]] | None = None
    computed_at: dt.datetime | None = None

    def judge(self, branch: BranchCompliance, window: Period) -> BranchCompliance:
        """The branch judged over another window of the same year, from the figures in hand."""
        if self.stored is not None:
            from .rollups import overlaps

            entries = [e for e in self.stored[branch.branch.id] if overlaps(e.period, window)]
            return judge_entries(branch.branch, branch.groups, entries, self.today)
        assert self.resolve is not None
        return judge_branch(branch.branch, branch.groups, self.counts, window, self.today, self.resolve)


# Where the figures of a subtree come from: "live" counts the records now; "stored" reads the
# precomputed figures when every branch has them (else live); "auto" reads them only for a
# subtree of more than ORGLIFE_LIVE_BRANCH_LIMIT branches, where counting live would scan
# thousands of rows, and counts small subtrees live so that they are always up to the minute.
LIVE, STORED, AUTO = "live", "stored", "auto"
DEFAULT_LIVE_BRANCH_LIMIT = 100
# The failing branches a dashboard lists (with the total): a province may have thousands.
FAILING_LIST_LIMIT = 20


def live_branch_limit() -> int:
    from django.conf import settings

    return int(getattr(settings, "ORGLIFE_LIVE_BRANCH_LIMIT", DEFAULT_LIVE_BRANCH_LIMIT))


def subtree_compliance(
    *,
    organization: Organization,
    window: Period,
    today: dt.date,
    statutory: tuple[RuleSet, ...] | None = None,
    source: str = LIVE,
) -> SubtreeFigures:
    """Judge every active branch of the subtree: five queries whatever its size (four when
    the precomputed figures are read)."""
    root_path = organization.path
    branch_rows = (
        Organization.objects.filter(
            path__startswith=root_path, kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE
        )
        .values(*UNIT_FIELDS)
        .order_by("path")
    )
    branches = [Unit(**row) for row in branch_rows]
    groups_by_parent: dict[str, list[Unit]] = defaultdict(list)
    for row in (
        Organization.objects.filter(path__startswith=root_path, kind=OrgKind.GROUP, status=OrgStatus.ACTIVE)
        .values(*UNIT_FIELDS)
        .order_by("path")
    ):
        unit = Unit(**row)
        groups_by_parent[unit.parent_path].append(unit)
    children = list(
        Organization.objects.filter(path__startswith=root_path, depth=organization.depth + 1).order_by("path")
    )
    use_stored = statutory is None and (
        source == STORED or (source == AUTO and len(branches) > live_branch_limit())
    )
    if use_stored:
        from .rollups import load_stored, overlaps

        stored = load_stored(root_path, window.year, (branch.id for branch in branches))
        if stored is not None:
            judged = [
                judge_entries(
                    branch,
                    groups_by_parent.get(branch.path, []),
                    (e for e in stored.entries[branch.id] if overlaps(e.period, window)),
                    today,
                )
                for branch in branches
            ]
            return SubtreeFigures(
                organization,
                window,
                today,
                judged,
                children,
                stored=stored.entries,
                computed_at=stored.computed_at,
            )
    local = load_local_sets(organization)
    statutory = rules_module.STATUTORY_RULE_SETS if statutory is None else statutory
    conditions = {
        rule.condition
        for rule_set in [*statutory, *(s for sets in local.by_path.values() for s in sets)]
        for rule in rule_set.rules
    }
    counts = load_counts(root_path, window.year, conditions)
    resolve = make_resolver(statutory, local)
    judged = [
        judge_branch(branch, groups_by_parent.get(branch.path, []), counts, window, today, resolve)
        for branch in branches
    ]
    return SubtreeFigures(organization, window, today, judged, children, counts, resolve)


def rollup_of(branches: Iterable[BranchCompliance]) -> Rollup:
    rollup = Rollup()
    for branch in branches:
        rollup.add(branch)
    return rollup


def _org_json(organization: Organization) -> dict[str, Any]:
    return {
        "org": organization.code,
        "name": organization.name,
        "kind": organization.kind,
        "sector": organization.sector,
    }


def _branch_json(branch: BranchCompliance) -> dict[str, Any]:
    return {
        **branch.branch.to_json(),
        "status": branch.status,
        "rules": [result.to_json() for result in branch.rules.values()],
        "missing": branch.missing,
        "outstanding": branch.outstanding,
    }


def _group_json(group: Unit, branch: BranchCompliance) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    for result in branch.rules.values():
        tally = result.by_unit.get(group.id)
        if tally is not None:
            rules.append(
                {
                    "rule": result.rule.code,
                    "name": result.rule.label,
                    "required": tally.required,
                    "held": tally.held,
                    "count": tally.count,
                    "status": tally.status,
                }
            )
    return {**group.to_json(), "status": worst(r["status"] for r in rules), "rules": rules}


def _rollup_json(organization: Organization, rollup: Rollup) -> dict[str, Any]:
    return {
        **_org_json(organization),
        **rollup.totals.to_json(),
        "rules": rollup.rules_json(),
    }


def compliance_report(
    *,
    organization: Organization,
    window: Period,
    today: dt.date,
    user: Any = None,
    statutory: tuple[RuleSet, ...] | None = None,
    source: str = LIVE,
    failing_limit: int | None = None,
) -> dict[str, Any]:
    """The compliance of an organization for a period, as JSON-ready data.

    For a branch: each rule with required, held, status and the missing items; children are
    its 党小组. For a committee: each rule summed over the branches of the subtree, the share
    of branches that met every rule (overall, by rule, by sector), the failing branches, and
    the same figures for each direct sub-organization. `user`, when given, must be allowed
    to view the organization."""
    if user is not None:
        require(user, "view", organization)
    if organization.kind in BRANCH_KINDS:
        source = LIVE  # a branch's own figures are always counted now
    elif source != LIVE and statutory is None:
        stored = _stored_report(organization, window, today, source == AUTO, failing_limit)
        if stored is not None:
            return stored
    figures = subtree_compliance(
        organization=organization, window=window, today=today, statutory=statutory, source=source
    )
    head = {
        "org": organization.code,
        "name": organization.name,
        "period": window.to_json(),
        "today": today.isoformat(),
    }
    if figures.computed_at is not None:
        # Read from the precomputed figures: the reader should know how fresh they are.
        head["computed_at"] = timezone.localtime(figures.computed_at).isoformat(timespec="seconds")
    if organization.kind in BRANCH_KINDS:
        own = next((b for b in figures.branches if b.branch.id == organization.pk), None)
        if own is None:  # a dissolved branch: nothing is required of it any more
            empty: dict[str, Any] = {"status": MET, "rules": [], "missing": [], "outstanding": []}
            return (
                head
                | empty
                | {"attendance": [], "member_attendance": [], "absence_warnings": [], "children": []}
            )
        return head | {
            "status": own.status,
            "rules": [result.to_json() for result in own.rules.values()],
            "missing": own.missing,
            "outstanding": own.outstanding,
            "attendance": meeting_attendance(organization, window),
            "member_attendance": member_attendance(organization, window),
            "absence_warnings": [
                {
                    "member": w.member_id,
                    "name": w.name,
                    "months": w.months,
                    "critical": w.critical,
                    "text": w.text(),
                }
                for w in absence_warnings(organization, today, up_to=window.end)
            ],
            "children": [_group_json(group, own) for group in own.groups],
        }
    rollup = rollup_of(figures.branches)
    by_child: dict[str, list[BranchCompliance]] = defaultdict(list)
    prefix_length = len(organization.path) + Organization.steplen
    for branch in figures.branches:
        by_child[branch.branch.path[:prefix_length]].append(branch)
    children = []
    for child in figures.children:
        if child.kind == OrgKind.GROUP:
            continue
        child_rollup = rollup_of(by_child.get(child.path, []))
        children.append(_rollup_json(child, child_rollup))
    return head | {
        **rollup.totals.to_json(),
        "status": worst(r.tally.status for r in rollup.rules.values()),
        "rules": rollup.rules_json(),
        "sectors": {
            sector: breakdown.to_json()
            | {"rules": {code: cell.to_json() for code, cell in rollup.sector_rules.get(sector, {}).items()}}
            for sector, breakdown in sorted(rollup.sectors.items())
        },
        "failing": [_branch_json(branch) for branch in rollup.failing[:failing_limit]],
        "failing_total": len(rollup.failing),
        "children": children,
    }


def _committee_json(
    organization: Organization, rollup: Rollup, failing: list[BranchCompliance], failing_total: int
) -> dict[str, Any]:
    return {
        **rollup.totals.to_json(),
        "status": worst(r.tally.status for r in rollup.rules.values()),
        "rules": rollup.rules_json(),
        "sectors": {
            sector: breakdown.to_json()
            | {"rules": {code: cell.to_json() for code, cell in rollup.sector_rules.get(sector, {}).items()}}
            for sector, breakdown in sorted(rollup.sectors.items())
        },
        "failing": [_branch_json(branch) for branch in failing],
        "failing_total": failing_total,
    }


def _stored_report(
    organization: Organization, window: Period, today: dt.date, auto: bool, failing_limit: int | None
) -> dict[str, Any] | None:
    """A committee's report from the stored rollups: its row, its children's rows and the
    failing branches, five queries whatever the size of the subtree; None when they cannot
    answer (no row yet, a window other than the year or a quarter, or, `auto`, a subtree
    small enough to count live)."""
    from .rollups import (
        REPORT_WINDOW_COLUMNS,
        Decoder,
        failing_branches,
        load_rollups,
        rollup_from,
        window_key,
    )

    if window_key(window) not in REPORT_WINDOW_COLUMNS:
        return None
    stored = load_rollups(organization, window.year, ["rules", f"w__{window_key(window)}"], auto=auto)
    if stored is None:
        return None
    decoder = Decoder()
    rollup = rollup_from(stored.root, window, today, decoder)
    failing, failing_total = failing_branches(organization, window, today, failing_limit)
    children = [
        _rollup_json(child, rollup_from(figures, window, today, decoder) if figures else Rollup())
        for child, figures in stored.children
        if child.kind != OrgKind.GROUP
    ]
    return {
        "org": organization.code,
        "name": organization.name,
        "period": window.to_json(),
        "today": today.isoformat(),
        "computed_at": timezone.localtime(stored.computed_at).isoformat(timespec="seconds"),
        **_committee_json(organization, rollup, failing, failing_total),
        "children": children,
    }
