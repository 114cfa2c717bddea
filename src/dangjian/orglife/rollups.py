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

from django.db.models import Q

from dangjian.orgs.choices import BRANCH_KINDS, OrgKind, OrgStatus
from dangjian.orgs.models import Organization

from . import rules as rules_module
from .compliance import UNIT_FIELDS, Entry, Unit
from .models import ComplianceFigures, LocalRuleSet
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
