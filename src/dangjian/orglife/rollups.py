"""Precomputed compliance figures (architecture.md, "Rollups"): per branch and year, the
entries of `compliance.branch_entries` (rule, period, unit, sittings held) as the background
recompute stored them, and the read that turns them back into entries for any window.

The recompute itself is `services.compliance_figures_recompute`; this module holds what it
and the dashboards share: the fingerprint of what a branch's figures depend on besides its
records, the encoding of the entries, and the read of a subtree's stored figures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from dangjian.orgs.choices import BRANCH_KINDS, OrgKind, OrgStatus
from dangjian.orgs.models import Organization

from . import rules as rules_module
from .compliance import UNIT_FIELDS, Entry, Unit
from .models import ComplianceFigures, ComplianceRollup, LocalRuleSet
from .periods import Period, PeriodKind
from .rules import LocalSets, Rule, RuleSet

STEP = Organization.steplen


# --- what a branch's figures depend on besides its records --------------------------------


@dataclass
class Tree:
    """The active branches and groups of the whole tree and every local rule set: three queries,
    the inputs of every branch's judgment except its records."""

    branches: list[Unit]
    groups_by_parent: dict[str, list[Unit]]
    local: LocalSets
    # Per organization path, its local rule sets as stored, for the fingerprint.
    local_rows: dict[str, list[tuple[int, str, Any]]]


def load_tree() -> Tree:
    branches = [
        Unit(**row)
        for row in Organization.objects.filter(kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE)
        .values(*UNIT_FIELDS)
        .order_by("path")
    ]
    groups_by_parent: dict[str, list[Unit]] = defaultdict(list)
    for row in (
        Organization.objects.filter(kind=OrgKind.GROUP, status=OrgStatus.ACTIVE)
        .values(*UNIT_FIELDS)
        .order_by("path")
    ):
        unit = Unit(**row)
        groups_by_parent[unit.parent_path].append(unit)
    found: dict[str, list[RuleSet]] = defaultdict(list)
    rows: dict[str, list[tuple[int, str, Any]]] = defaultdict(list)
    for row in LocalRuleSet.objects.values(
        "id", "organization__path", "effective_from", "rules", "name"
    ).order_by("organization__path", "effective_from"):
        path = row["organization__path"]
        found[path].append(
            RuleSet(row["effective_from"], rules_module.parse_rules(row["rules"]), row["name"])
        )
        rows[path].append((row["id"], row["effective_from"].isoformat(), row["rules"]))
    return Tree(
        branches,
        dict(groups_by_parent),
        LocalSets({path: tuple(sets) for path, sets in found.items()}),
        dict(rows),
    )


def _statutory_digest(statutory: Iterable[RuleSet]) -> list[Any]:
    return [[s.effective_from.isoformat(), [rule.to_json() for rule in s.rules]] for s in statutory]


def fingerprint(
    branch: Unit,
    groups: list[Unit],
    local_rows: Mapping[str, list[tuple[int, str, Any]]],
    statutory: tuple[RuleSet, ...],
) -> str:
    """A digest of the branch's attributes, its groups, the local rule sets of it and its
    ancestors and the statutory set: when any of them changes, its stored figures are stale."""
    ancestors = [branch.path[:depth] for depth in range(STEP, len(branch.path) + 1, STEP)]
    payload = [
        branch.path,
        branch.sector,
        branch.has_committee,
        branch.established_on.isoformat() if branch.established_on else None,
        [[group.id, group.name] for group in groups],
        [local_rows.get(path, []) for path in ancestors],
        _statutory_digest(statutory),
    ]
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# --- encoding -----------------------------------------------------------------------------


def encode(entries: Iterable[Entry]) -> tuple[list[dict[str, Any]], list[list[Any]]]:
    """Entries as (distinct rules, rows of [rule index, period kind, period index, unit id,
    unit name, held]); the minimum required is the rule's."""
    rule_index: dict[Rule, int] = {}
    rows = []
    for entry in entries:
        index = rule_index.setdefault(entry.rule, len(rule_index))
        rows.append(
            [index, entry.period.kind.value, entry.period.index, entry.unit_id, entry.unit_name, entry.count]
        )
    return [rule.to_json() for rule in rule_index], rows


class Decoder:
    """Rules and periods are shared by most branches: built once per read, not once per row."""

    def __init__(self) -> None:
        self.rules: dict[tuple, Rule] = {}
        self.periods: dict[tuple[int, str, int], Period] = {}

    def rule(self, data: Mapping[str, Any]) -> Rule:
        key = tuple(tuple(value) if isinstance(value, list) else value for value in data.values())
        rule = self.rules.get(key)
        if rule is None:
            rule = self.rules[key] = rules_module.rule_from_json(data)
        return rule

    def period(self, year: int, kind: str, index: int) -> Period:
        key = (year, kind, index)
        period = self.periods.get(key)
        if period is None:
            period = self.periods[key] = Period(year, PeriodKind(kind), index)
        return period

    def entries(self, year: int, rules: list[Mapping[str, Any]], rows: list[list[Any]]) -> list[Entry]:
        decoded = [self.rule(data) for data in rules]
        return [
            Entry(decoded[rule], self.period(year, kind, index), unit_id, unit_name, held)
            for rule, kind, index, unit_id, unit_name, held in rows
        ]


@dataclass
class Stored:
    entries: dict[int, list[Entry]]  # the year's entries per branch id
    computed_at: dt.datetime | None  # the oldest of the figures read


def load_stored(root_path: str, year: int, branch_ids: Iterable[int]) -> Stored | None:
    """The stored figures of the subtree's branches for the year, or None unless every one of
    `branch_ids` has them (a branch created since the last recompute is not yet there, and a
    partial rollup would silently leave it out). One query."""
    wanted = set(branch_ids)
    decoder = Decoder()
    entries: dict[int, list[Entry]] = {}
    oldest: dt.datetime | None = None
    for row in ComplianceFigures.objects.filter(
        Q(organization__path__startswith=root_path), year=year
    ).values_list("organization_id", "rules", "entries", "computed_at"):
        organization_id, rules, rows, computed_at = row
        if organization_id not in wanted:
            continue  # a branch dissolved since: its figures wait for the next recompute to go
        entries[organization_id] = decoder.entries(year, rules, rows)
        oldest = computed_at if oldest is None else min(oldest, computed_at)
    if wanted - entries.keys():
        return None
    return Stored(entries, oldest)


def overlaps(period: Period, window: Period) -> bool:
    return period.start <= window.end and window.start <= period.end


# --- rollups: the figures of a subtree summed, one row per organization ------------------------
#
# A row's `figures` (models.ComplianceRollup):
#   {"rules": [Rule.to_json, ...],
#    "w": {window key: {"t": histogram of the branches,
#                       "k": {rule code: index into "rules"},
#                       "r": {rule code: {"h": histogram, "q": required, "d": credited, "c": held}},
#                       "s": {sector: {"t": histogram, "r": {rule code: histogram}}}}}}
# A histogram counts branches by the month in which the earliest period they have not met ends
# ("0": none). Reading on a day, the months already over are "missed", the others "due".

REPORT_WINDOW_COLUMNS = {
    "y": "unmet_year",
    "q1": "unmet_q1",
    "q2": "unmet_q2",
    "q3": "unmet_q3",
    "q4": "unmet_q4",
}


def rollup_windows(year: int) -> list[Period]:
    """The windows stored: the year, its quarters (the report) and its months (the charts)."""
    return [
        Period(year, PeriodKind.YEAR, 1),
        *(Period(year, PeriodKind.QUARTER, index) for index in range(1, 5)),
        *(Period(year, PeriodKind.MONTH, index) for index in range(1, 13)),
    ]


def window_key(window: Period) -> str | None:
    if window.kind == PeriodKind.YEAR:
        return "y"
    if window.kind == PeriodKind.QUARTER:
        return f"q{window.index}"
    if window.kind == PeriodKind.MONTH:
        return f"m{window.index}"
    return None


def months_over(year: int, today: dt.date) -> int:
    """How many months of `year` have ended before `today` (a period ending in one is over)."""
    if today.year > year:
        return 12
    if today.year < year:
        return 0
    return today.month - 1


def _rule_key(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def branch_rollup(branch: Unit, entries: list[Entry], year: int) -> tuple[dict[str, Any], dict[str, int]]:
    """A branch's own row: its figures, and the histogram key of each report window (the
    `unmet_*` columns)."""
    rule_index: dict[Rule, int] = {}
    rules: list[dict[str, Any]] = []
    windows: dict[str, Any] = {}
    unmet: dict[str, int] = {}
    for window in rollup_windows(year):
        key = window_key(window)
        assert key is not None
        cells: dict[str, list[int]] = {}  # code -> [first unmet month, required, credited, held]
        first_rule: dict[str, int] = {}
        for entry in entries:
            if not overlaps(entry.period, window):
                continue
            rule = entry.rule
            code = rule.code
            if code not in first_rule:
                index = rule_index.get(rule)
                if index is None:
                    index = rule_index[rule] = len(rules)
                    rules.append(rule.to_json())
                first_rule[code] = index
            cell = cells.setdefault(code, [0, 0, 0, 0])
            cell[1] += rule.minimum
            cell[2] += min(entry.count, rule.minimum)
            cell[3] += entry.count
            if entry.count < rule.minimum:
                month = entry.period.end.month
                if not cell[0] or month < cell[0]:
                    cell[0] = month
        first = min((cell[0] for cell in cells.values() if cell[0]), default=0)
        windows[key] = {
            "t": {str(first): 1},
            "k": first_rule,
            "r": {code: {"h": {str(c[0]): 1}, "q": c[1], "d": c[2], "c": c[3]} for code, c in cells.items()},
            # No "s": a branch's sector part repeats "t" and "r" (Merger.add rebuilds it).
        }
        if key in REPORT_WINDOW_COLUMNS:
            unmet[REPORT_WINDOW_COLUMNS[key]] = first
    return {"rules": rules, "w": windows}, unmet


def _add_histogram(into: dict[str, int], other: Mapping[str, int]) -> None:
    for key, number in other.items():
        into[key] = into.get(key, 0) + number


def _own_sector_part(window: Mapping[str, Any]) -> dict[str, Any]:
    return {"t": window["t"], "r": {code: cell["h"] for code, cell in window["r"].items()}}


class Merger:
    """The sum of children's figures, in path order: a rule code keeps the definition of the
    first branch that has it, as the live rollup does."""

    def __init__(self) -> None:
        self.rules: list[dict[str, Any]] = []
        self.rule_index: dict[str, int] = {}
        self.windows: dict[str, Any] = {}

    def add(self, figures: Mapping[str, Any], sector: str | None = None) -> None:
        """Add a child's row; `sector` for a branch's own row, which holds no sector part."""
        remap = []
        for data in figures.get("rules", []):
            key = _rule_key(data)
            index = self.rule_index.get(key)
            if index is None:
                index = self.rule_index[key] = len(self.rules)
                self.rules.append(data)
            remap.append(index)
        for key, window in figures.get("w", {}).items():
            into = self.windows.setdefault(key, {"t": {}, "k": {}, "r": {}, "s": {}})
            _add_histogram(into["t"], window["t"])
            for code, index in window["k"].items():
                into["k"].setdefault(code, remap[index])
            for code, cell in window["r"].items():
                target = into["r"].setdefault(code, {"h": {}, "q": 0, "d": 0, "c": 0})
                _add_histogram(target["h"], cell["h"])
                target["q"] += cell["q"]
                target["d"] += cell["d"]
                target["c"] += cell["c"]
            parts = window["s"].items() if "s" in window else [(sector, _own_sector_part(window))]
            for part_sector, part in parts:
                target = into["s"].setdefault(part_sector, {"t": {}, "r": {}})
                _add_histogram(target["t"], part["t"])
                for code, histogram in part["r"].items():
                    _add_histogram(target["r"].setdefault(code, {}), histogram)

    def figures(self) -> dict[str, Any]:
        return {"rules": self.rules, "w": self.windows}


def _split(histogram: Mapping[str, int], over: int) -> tuple[int, int, int]:
    """(branches, met, missed) of a histogram read when `over` months of the year have ended."""
    met = histogram.get("0", 0)
    missed = sum(number for month, number in histogram.items() if month != "0" and int(month) <= over)
    return sum(histogram.values()), met, missed


def branch_total(figures: Mapping[str, Any]) -> int:
    window = figures.get("w", {}).get("y")
    return sum(window["t"].values()) if window else 0


def rollup_from(figures: Mapping[str, Any], window: Period, today: dt.date, decoder: Decoder) -> Any:
    """The `compliance.Rollup` (without its failing branches) of stored figures, judged today."""
    from .compliance import DUE, MET, MISSED, Breakdown, Rollup, RuleRollup, Tally

    rollup = Rollup()
    key = window_key(window)
    stored = figures.get("w", {}).get(key) if key else None
    if not stored:
        return rollup
    over = months_over(window.year, today)
    rollup.totals = Breakdown(*_split(stored["t"], over))
    for code, cell in stored["r"].items():
        branches, met, missed = _split(cell["h"], over)
        due = branches - met - missed
        status = MISSED if missed else DUE if due else MET
        rule = decoder.rule(figures["rules"][stored["k"][code]])
        rollup.rules[code] = RuleRollup(
            rule,
            Tally(cell["q"], cell["d"], cell["c"], status),
            branches,
            {MET: met, DUE: due, MISSED: missed},
        )
    for sector, part in stored.get("s", {}).items():
        rollup.sectors[sector] = Breakdown(*_split(part["t"], over))
        rollup.sector_rules[sector] = {
            code: Breakdown(*_split(histogram, over)) for code, histogram in part["r"].items()
        }
    return rollup


@dataclass
class StoredRollups:
    """A committee's stored row and those of its direct sub-organizations: two queries."""

    root: Mapping[str, Any]
    children: list[tuple[Organization, Mapping[str, Any] | None]]
    computed_at: dt.datetime


def _rebuild(parts: Iterable[str], values: Iterable[Any]) -> dict[str, Any]:
    """The parts of a row's figures read as separate JSON paths ("w__q3"), put back in place."""
    figures: dict[str, Any] = {}
    for part, value in zip(parts, values, strict=True):
        if value is None:
            continue
        *parents, last = part.split("__")
        into = figures
        for key in parents:
            into = into.setdefault(key, {})
        into[last] = value
    return figures


def load_rollups(
    organization: Organization, year: int, parts: Iterable[str], *, auto: bool
) -> StoredRollups | None:
    """The committee's row and its children's, reading of each row's figures only `parts`
    (JSON paths such as "w__y" or "w__m3__t"; the database extracts them, so a row costs what
    the window read holds, not the whole year's figures). Three queries.

    None when the organization has no stored row for the year (created since the last
    recompute), when a branch was created below it since (it would be silently left out),
    or when `auto` and its subtree is small enough to be counted live."""
    from .compliance import live_branch_limit

    children = list(
        Organization.objects.filter(
            path__startswith=organization.path, depth=organization.depth + 1
        ).order_by("path")
    )
    parts = ["seen", "w__y__t", *parts]
    rows = {
        organization_id: (_rebuild(parts, values), computed_at)
        for organization_id, computed_at, *values in ComplianceRollup.objects.filter(
            year=year, organization_id__in=[organization.pk, *(child.pk for child in children)]
        ).values_list("organization_id", "computed_at", *(f"figures__{part}" for part in parts))
    }
    own = rows.get(organization.pk)
    if own is None or (auto and branch_total(own[0]) <= live_branch_limit()):
        return None
    if Organization.objects.filter(
        pk__gt=own[0].get("seen", 0),
        path__startswith=organization.path,
        kind__in=BRANCH_KINDS,
        status=OrgStatus.ACTIVE,
    ).exists():
        return None
    return StoredRollups(
        own[0],
        [(child, rows[child.pk][0] if child.pk in rows else None) for child in children],
        own[1],
    )


def failing_branches(
    organization: Organization, window: Period, today: dt.date, limit: int | None
) -> tuple[list[Any], int]:
    """The subtree's branches that missed a period of the window, in path order, at most
    `limit` of them judged from their stored entries, and how many there are: three queries."""
    from .compliance import judge_entries

    key = window_key(window)
    column = REPORT_WINDOW_COLUMNS[key] if key else None
    assert column is not None
    over = months_over(window.year, today)
    if not over:
        return [], 0
    failing = ComplianceRollup.objects.filter(
        year=window.year,
        is_branch=True,
        path__startswith=organization.path,
        **{f"{column}__gte": 1, f"{column}__lte": over},
    )
    total = failing.count()
    if not total:
        return [], 0
    ids = failing.order_by("path").values("organization_id")
    decoder = Decoder()
    judged = []
    for row in (
        ComplianceFigures.objects.filter(
            year=window.year, organization_id__in=ids if limit is None else ids[:limit]
        )
        .values(*(f"organization__{name}" for name in UNIT_FIELDS), "rules", "entries")
        .order_by("organization__path")
    ):
        branch = Unit(**{name: row[f"organization__{name}"] for name in UNIT_FIELDS})
        entries = [
            e
            for e in decoder.entries(window.year, row["rules"], row["entries"])
            if overlaps(e.period, window)
        ]
        judged.append(judge_entries(branch, [], entries, today))
    return judged, total


# --- recompute of the rollups -----------------------------------------------------------------


def rollups_recompute(
    *,
    year: int,
    tree: Tree,
    branch_rows: Mapping[int, tuple[dict[str, Any], dict[str, int]]],
    removed: Iterable[int],
    full: bool,
    started: dt.datetime,
) -> int:
    """Store the rows of the recomputed branches (`branch_rows`), drop those of `removed`, and
    recompute the committees above them, deepest first, each as the sum of its children's rows;
    `full` recomputes every committee. Returns the number of committee rows written."""
    removed = list(removed)
    branches_by_id = {branch.id: branch for branch in tree.branches}
    # Where the branches were when last summed: a branch moved leaves its old ancestors stale.
    changed_paths = {branches_by_id[branch_id].path for branch_id in branch_rows}
    touched = [*branch_rows, *removed]
    for offset in range(0, len(touched), 5000):
        changed_paths.update(
            ComplianceRollup.objects.filter(
                year=year, organization_id__in=touched[offset : offset + 5000]
            ).values_list("path", flat=True)
        )
    committees = {
        path: (organization_id, depth)
        for organization_id, path, depth in Organization.objects.exclude(
            kind__in=[*BRANCH_KINDS, OrgKind.GROUP]
        ).values_list("id", "path", "depth")
    }
    if full:
        affected = set(committees)
    else:
        affected = {
            path[:depth]
            for path in changed_paths
            for depth in range(STEP, len(path), STEP)
            if path[:depth] in committees
        }
    # parent path -> (path, id, the sector of a branch child or None)
    children: dict[str, list[tuple[str, int, str | None]]] = defaultdict(list)
    for branch in tree.branches:
        if branch.parent_path in affected:
            children[branch.parent_path].append((branch.path, branch.id, branch.sector))
    for path, (organization_id, _) in committees.items():
        if path[:-STEP] in affected:
            children[path[:-STEP]].append((path, organization_id, None))
    known: dict[int, Mapping[str, Any]] = {branch_id: row[0] for branch_id, row in branch_rows.items()}
    affected_ids = {committees[path][0] for path in affected}
    wanted = [
        organization_id
        for rows in children.values()
        for _, organization_id, _ in rows
        if organization_id not in known and organization_id not in affected_ids
    ]
    for offset in range(0, len(wanted), 5000):
        known.update(
            ComplianceRollup.objects.filter(
                year=year, organization_id__in=wanted[offset : offset + 5000]
            ).values_list("organization_id", "figures")
        )
    # The newest organization this run saw: a branch created since makes the row incomplete.
    newest = max([0, *(organization_id for organization_id, _ in committees.values()), *branches_by_id])
    rows = []
    for path in sorted(affected, key=lambda p: (-len(p), p)):
        merger = Merger()
        for _, organization_id, sector in sorted(children.get(path, []), key=lambda child: child[0]):
            figures = known.get(organization_id)
            if figures is not None:
                merger.add(figures, sector)
        organization_id = committees[path][0]
        known[organization_id] = merger.figures() | {"seen": newest}
        rows.append(
            ComplianceRollup(
                organization_id=organization_id,
                year=year,
                path=path,
                is_branch=False,
                figures=known[organization_id],
                computed_at=started,
            )
        )
    rows.extend(
        ComplianceRollup(
            organization_id=branch_id,
            year=year,
            path=branches_by_id[branch_id].path,
            is_branch=True,
            figures=figures,
            computed_at=started,
            **unmet,
        )
        for branch_id, (figures, unmet) in branch_rows.items()
    )
    written_ids = [row.organization_id for row in rows] + removed
    with transaction.atomic():
        if full:
            ComplianceRollup.objects.filter(year=year).delete()
        else:
            for offset in range(0, len(written_ids), 5000):
                ComplianceRollup.objects.filter(
                    year=year, organization_id__in=written_ids[offset : offset + 5000]
                ).delete()
        ComplianceRollup.objects.bulk_create(rows, batch_size=1000)
    return len(affected)
