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
#                       "s": {sector: {"t": histogram, "r": {rule code: histogram}}}}},
#    "x": [rule codes with more than one definition below] (committees, only when any),
#    "sector": the branch's sector (branches' own rows, which hold no "s"),
#    "seen": the newest organization id the run saw (committees)}
# A committee's "rules" holds the definitions its windows refer to, ordered by their text.
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


_rule_keys: dict[tuple, str] = {}


def _rule_key(data: Mapping[str, Any]) -> str:
    """A rule definition's canonical text; memoized, as a sum sees the same few definitions
    in every child's row."""
    shape = tuple(
        (name, tuple(value) if isinstance(value, list) else value) for name, value in sorted(data.items())
    )
    key = _rule_keys.get(shape)
    if key is None:
        if len(_rule_keys) > 10_000:
            _rule_keys.clear()
        key = _rule_keys[shape] = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return key


def branch_rollup(branch: Unit, entries: list[Entry], year: int) -> tuple[dict[str, Any], dict[str, int]]:
    """A branch's own row: its figures, and the histogram key of each report window (the
    `unmet_*` columns)."""
    rule_index: dict[Rule, int] = {}
    rules: list[dict[str, Any]] = []
    windows: dict[str, Any] = {}
    unmet: dict[str, int] = {}
    # Every period and window lies within whole months of one year: overlapping is comparing
    # month numbers, computed once per entry rather than dates once per entry and window.
    spans = [
        (entry.period.first_month, entry.period.first_month + entry.period.kind.months - 1, entry)
        for entry in entries
        if entry.period.year == year
    ]
    for window in rollup_windows(year):
        key = window_key(window)
        assert key is not None
        cells: dict[str, list[int]] = {}  # code -> [first unmet month, required, credited, held]
        first_rule: dict[str, int] = {}
        window_first = window.first_month
        window_last = window_first + window.kind.months - 1
        for first_month, last_month, entry in spans:
            if first_month > window_last or last_month < window_first:
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
                month = last_month
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
    # The sector the row was summed under: an incremental run takes it away from there.
    return {"rules": rules, "w": windows, "sector": branch.sector}, unmet


def _add_histogram(into: dict[str, int], other: Mapping[str, int]) -> None:
    for key, number in other.items():
        into[key] = into.get(key, 0) + number


def _subtract_histogram(into: dict[str, int], other: Mapping[str, int]) -> bool:
    """Take `other` away from `into`, dropping the cells that reach zero; False when a cell
    would go negative (the stored rows do not add up: the caller re-sums instead)."""
    for key, number in other.items():
        left = into.get(key, 0) - number
        if left < 0:
            return False
        if left:
            into[key] = left
        else:
            into.pop(key, None)
    return True


def _own_sector_part(window: Mapping[str, Any]) -> dict[str, Any]:
    return {"t": window["t"], "r": {code: cell["h"] for code, cell in window["r"].items()}}


class Merger:
    """The sum of children's rows, in path order: a rule code keeps the definition of the
    first branch that has it, as the live rollup does. A code given more than one definition
    in the same window anywhere below is listed in the row's "x" (a delta update cannot tell
    which definition the full sum would keep, so such a row is re-summed instead).

    Internally each window's "k" maps a code to its definition's key; `figures()` writes the
    definitions referenced, in the order of their keys, so that a row summed from scratch and
    one updated by differences are equal whenever their counts are."""

    def __init__(self) -> None:
        self.definitions: dict[str, dict[str, Any]] = {}  # definition key -> Rule.to_json
        self.windows: dict[str, Any] = {}
        self.conflicts: set[str] = set()

    def add(self, figures: Mapping[str, Any], sector: str | None = None) -> None:
        """Add a child's row; `sector` for a branch's own row, which holds no sector part."""
        keys = []
        for data in figures.get("rules", []):
            key = _rule_key(data)
            self.definitions.setdefault(key, data)
            keys.append(key)
        self.conflicts.update(figures.get("x", ()))
        for name, window in figures.get("w", {}).items():
            into = self.windows.get(name)
            if into is None:
                into = self.windows[name] = {"t": {}, "k": {}, "r": {}, "s": {}}
            _add_histogram(into["t"], window["t"])
            defined = into["k"]
            for code, index in window["k"].items():
                key = keys[index]
                held = defined.setdefault(code, key)
                if held != key:
                    self.conflicts.add(code)
            cells = into["r"]
            for code, cell in window["r"].items():
                target = cells.get(code)
                if target is None:
                    target = cells[code] = {"h": {}, "q": 0, "d": 0, "c": 0}
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

    @classmethod
    def adopting(cls, figures: dict[str, Any]) -> Merger:
        """A sum starting from a committee's stored row, taking over its dicts rather than
        copying them (the row, freshly read, is updated in place and then written back)."""
        merger = cls()
        keys = []
        for data in figures.get("rules", []):
            key = _rule_key(data)
            merger.definitions.setdefault(key, data)
            keys.append(key)
        merger.conflicts.update(figures.get("x", ()))
        for name, window in figures.get("w", {}).items():
            merger.windows[name] = {
                "t": window["t"],
                "k": {code: keys[index] for code, index in window["k"].items()},
                "r": window["r"],
                "s": window["s"],
            }
        return merger

    def add_sum(self, other: Merger) -> None:
        """Add another sum (the differences of a child, collected while its subtree was
        updated); a code both define differently, where this sum still counts it, conflicts."""
        self.add(other.figures())

    def subtract(self, other: Merger) -> bool:
        """Take `other` (rows that were added into this sum) away, dropping what reaches zero:
        windows, sectors and rule codes no branch is counted in any more. False when the
        counts do not add up."""
        for name, window in other.windows.items():
            into = self.windows.get(name)
            if into is None:
                if window["t"]:
                    return False
                continue
            if not _subtract_histogram(into["t"], window["t"]):
                return False
            for code, cell in window["r"].items():
                target = into["r"].get(code)
                if target is None or not _subtract_histogram(target["h"], cell["h"]):
                    return False
                target["q"] -= cell["q"]
                target["d"] -= cell["d"]
                target["c"] -= cell["c"]
                if not target["h"]:
                    if target["q"] or target["d"] or target["c"]:
                        return False
                    del into["r"][code]
                    into["k"].pop(code, None)
            for part_sector, part in window["s"].items():
                target = into["s"].get(part_sector)
                if target is None or not _subtract_histogram(target["t"], part["t"]):
                    return False
                for code, histogram in part["r"].items():
                    cell_histogram = target["r"].get(code)
                    if cell_histogram is None or not _subtract_histogram(cell_histogram, histogram):
                        return False
                    if not cell_histogram:
                        del target["r"][code]
                if not target["t"]:
                    if target["r"]:
                        return False
                    del into["s"][part_sector]
            if not into["t"]:
                if into["r"] or into["s"]:
                    return False
                del self.windows[name]
        return True

    def figures(self) -> dict[str, Any]:
        referenced = sorted({key for window in self.windows.values() for key in window["k"].values()})
        index = {key: position for position, key in enumerate(referenced)}
        figures: dict[str, Any] = {
            "rules": [self.definitions[key] for key in referenced],
            "w": {
                name: {
                    "t": window["t"],
                    "k": {code: index[key] for code, key in window["k"].items()},
                    "r": window["r"],
                    "s": window["s"],
                }
                for name, window in self.windows.items()
            },
        }
        if self.conflicts:
            figures["x"] = sorted(self.conflicts)
        return figures


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


def _chunks(ids: list[int], size: int = 5000) -> Iterable[list[int]]:
    for offset in range(0, len(ids), size):
        yield ids[offset : offset + size]


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
    bring the committees above them up to date, deepest first; `full` re-sums every committee
    from its children. Returns the number of committee rows written.

    Incrementally, a committee's new row is its old row less the old rows of its changed
    children plus their new ones (for a branch, its own row; for a committee updated the same
    way, the differences collected below it), so a day's records cost what they change, not
    what the ancestors hold. A committee is re-summed from all its children instead when
    that difference cannot be trusted to equal the full sum: it has no row yet, a rule code
    has more than one definition below it (which one the full sum keeps depends on path
    order), a changed branch's row predates the stored sector, or the counts do not add up.
    When a committee moved since the last run, every ancestor of a change is re-summed."""
    removed = list(removed)
    committees = {
        path: organization_id
        for organization_id, path in Organization.objects.exclude(
            kind__in=[*BRANCH_KINDS, OrgKind.GROUP]
        ).values_list("id", "path")
    }
    # The newest organization this run saw: a branch created since makes the row incomplete.
    newest = max([0, *committees.values(), *(branch.id for branch in tree.branches)])
    if full:
        return _resum_all(year, tree, committees, branch_rows, removed, newest, started, full=True)
    current = {organization_id: path for path, organization_id in committees.items()}
    stored_paths = dict(
        ComplianceRollup.objects.filter(year=year, is_branch=False).values_list("organization_id", "path")
    )
    if any(current.get(organization_id, path) != path for organization_id, path in stored_paths.items()):
        return _resum_all(year, tree, committees, branch_rows, removed, newest, started, full=False)
    # A committee created since the last run gets its row (empty until a branch is below it).
    created = [path for path, organization_id in committees.items() if organization_id not in stored_paths]
    return _delta_update(year, tree, committees, branch_rows, removed, newest, started, created)


def _resum_all(
    year: int,
    tree: Tree,
    committees: Mapping[str, int],
    branch_rows: Mapping[int, tuple[dict[str, Any], dict[str, int]]],
    removed: list[int],
    newest: int,
    started: dt.datetime,
    *,
    full: bool,
) -> int:
    """Re-sum from their children every committee (`full`: `branch_rows` holds every branch)
    or every ancestor, old and new, of the changed branches."""
    branches_by_id = {branch.id: branch for branch in tree.branches}
    # Where the branches were when last summed: a branch moved leaves its old ancestors stale.
    changed_paths = {branches_by_id[branch_id].path for branch_id in branch_rows}
    for chunk in _chunks([*branch_rows, *removed]):
        changed_paths.update(
            ComplianceRollup.objects.filter(year=year, organization_id__in=chunk).values_list(
                "path", flat=True
            )
        )
    if full:
        affected = set(committees)
    else:
        affected = {
            path[:depth]
            for path in changed_paths
            for depth in range(STEP, len(path), STEP)
            if path[:depth] in committees
        }
    known: dict[int, Mapping[str, Any]] = {branch_id: row[0] for branch_id, row in branch_rows.items()}
    committee_rows = _resum(
        year, sorted(affected, key=lambda p: (-len(p), p)), tree, committees, known, newest
    )
    _write(year, committees, committee_rows, branch_rows, branches_by_id, removed, started, replace_year=full)
    return len(committee_rows)


def _children(
    tree: Tree, committees: Mapping[str, int], parents: set[str]
) -> dict[str, list[tuple[str, int, str | None]]]:
    """parent path -> its children as (path, id, the sector of a branch child or None)."""
    children: dict[str, list[tuple[str, int, str | None]]] = defaultdict(list)
    for branch in tree.branches:
        if branch.parent_path in parents:
            children[branch.parent_path].append((branch.path, branch.id, branch.sector))
    for path, organization_id in committees.items():
        if path[:-STEP] in parents:
            children[path[:-STEP]].append((path, organization_id, None))
    for rows in children.values():
        rows.sort(key=lambda child: child[0])
    return children


def _resum(
    year: int,
    paths: list[str],
    tree: Tree,
    committees: Mapping[str, int],
    known: dict[int, Mapping[str, Any]],
    newest: int,
) -> dict[str, dict[str, Any]]:
    """Each committee of `paths` (deepest first) as the sum of its children's rows: those in
    `known` (updated by this run, and the committees summed here), the others as stored.
    Returns the committees' new rows by path (also put in `known`)."""
    parents = set(paths)
    children = _children(tree, committees, parents)
    summed = {committees[path] for path in paths}
    wanted = [
        organization_id
        for rows in children.values()
        for _, organization_id, _ in rows
        if organization_id not in known and organization_id not in summed
    ]
    for chunk in _chunks(wanted):
        known.update(
            ComplianceRollup.objects.filter(year=year, organization_id__in=chunk).values_list(
                "organization_id", "figures"
            )
        )
    rows = {}
    for path in paths:
        merger = Merger()
        for _, organization_id, sector in children.get(path, []):
            figures = known.get(organization_id)
            if figures is not None:
                merger.add(figures, sector)
        rows[path] = known[committees[path]] = merger.figures() | {"seen": newest}
    return rows


def _delta_update(
    year: int,
    tree: Tree,
    committees: Mapping[str, int],
    branch_rows: Mapping[int, tuple[dict[str, Any], dict[str, int]]],
    removed: list[int],
    newest: int,
    started: dt.datetime,
    created: list[str],
) -> int:
    branches_by_id = {branch.id: branch for branch in tree.branches}
    # The changed branches' rows as last stored: (path, figures).
    old: dict[int, tuple[str, dict[str, Any]]] = {}
    for chunk in _chunks([*branch_rows, *removed]):
        for organization_id, path, figures in ComplianceRollup.objects.filter(
            year=year, is_branch=True, organization_id__in=chunk
        ).values_list("organization_id", "path", "figures"):
            old[organization_id] = (path, figures)
    # Per committee path: the old rows taken away below it, the new rows added, and whether it
    # must be re-summed.
    minus: dict[str, Merger] = defaultdict(Merger)
    plus: dict[str, Merger] = defaultdict(Merger)
    must_resum: set[str] = set()
    touched: set[str] = set(created)
    for branch_id in [*branch_rows, *removed]:
        before = old.get(branch_id)
        branch = branches_by_id[branch_id] if branch_id in branch_rows else None
        if branch is not None:
            after = branch_rows[branch_id][0]
            touched.add(branch.parent_path)
            if before is not None and before[0] == branch.path and before[1] == after:
                continue  # the same row: nothing to take away or add, but freshly computed
            plus[branch.parent_path].add(after, branch.sector)
        if before is not None:
            parent = before[0][:-STEP]
            touched.add(parent)
            if "sector" in before[1]:
                minus[parent].add(before[1], before[1]["sector"])
            else:
                must_resum.add(parent)  # a row stored before rows kept their sector
    # Deepest first, level by level, so that each level's old rows and re-sums are one query each.
    pending = {path for path in touched if path in committees}
    for path in list(pending):
        pending.update(path[:depth] for depth in range(STEP, len(path), STEP) if path[:depth] in committees)
    levels: dict[int, list[str]] = defaultdict(list)
    for path in pending:
        levels[len(path)].append(path)
    known: dict[int, Mapping[str, Any]] = {branch_id: row[0] for branch_id, row in branch_rows.items()}
    committee_rows: dict[str, dict[str, Any]] = {}
    for length in sorted(levels, reverse=True):
        paths = sorted(levels[length])
        stored: dict[int, dict[str, Any]] = {}
        for chunk in _chunks([committees[path] for path in paths]):
            stored.update(
                ComplianceRollup.objects.filter(
                    year=year, is_branch=False, organization_id__in=chunk
                ).values_list("organization_id", "figures")
            )
        resum = []
        spoiled = []  # rows changed in place by a difference that then failed: read again
        for path in paths:
            before_row = stored.get(committees[path])
            updated = None
            if before_row is not None and "x" not in before_row and path not in must_resum:
                merger = Merger.adopting(before_row)
                if merger.subtract(minus[path]):
                    merger.add_sum(plus[path])
                    if not merger.conflicts:
                        updated = merger.figures() | {"seen": newest}
                if updated is None:
                    spoiled.append(committees[path])
            if updated is None:
                resum.append(path)
            else:
                committee_rows[path] = known[committees[path]] = updated
        if spoiled:
            stored.update(
                ComplianceRollup.objects.filter(year=year, organization_id__in=spoiled).values_list(
                    "organization_id", "figures"
                )
            )
        if resum:
            committee_rows.update(_resum(year, resum, tree, committees, known, newest))
        for path in paths:
            parent = path[:-STEP]
            if parent not in committees:
                continue
            before_row = stored.get(committees[path])
            if path in resum:
                if before_row is not None:
                    minus[parent].add(before_row)
                plus[parent].add(committee_rows[path])
            else:
                minus[parent].add_sum(minus[path])
                plus[parent].add_sum(plus[path])
    _write(
        year,
        committees,
        committee_rows,
        branch_rows,
        branches_by_id,
        removed,
        started,
        replace_year=False,
    )
    return len(committee_rows)


def _write(
    year: int,
    committees: Mapping[str, int],
    committee_rows: Mapping[str, dict[str, Any]],
    branch_rows: Mapping[int, tuple[dict[str, Any], dict[str, int]]],
    branches_by_id: Mapping[int, Unit],
    removed: list[int],
    started: dt.datetime,
    *,
    replace_year: bool,
) -> None:
    """One transaction: the rows written replace those of the same organizations, the rows of
    `removed` go; `replace_year` first deletes every row of the year. (Deleting and inserting
    measured several times faster than bulk_update, whose CASE per row and field Django
    builds slowly for JSON.)"""
    rows = [
        ComplianceRollup(
            organization_id=committees[path],
            year=year,
            path=path,
            is_branch=False,
            figures=figures,
            computed_at=started,
        )
        for path, figures in committee_rows.items()
    ]
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
    with transaction.atomic():
        if replace_year:
            ComplianceRollup.objects.filter(year=year).delete()
        else:
            for chunk in _chunks([*removed, *(row.organization_id for row in rows)]):
                ComplianceRollup.objects.filter(year=year, organization_id__in=chunk).delete()
        ComplianceRollup.objects.bulk_create(rows, batch_size=1000)
