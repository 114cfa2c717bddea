"""What a branch must still hold in the periods running today, and what it failed to hold in
the periods that ended with last month: the reminders shown on the branch's home page and on
its calendar (the daily notifications of `notifications.reminders` say the same in a message).

Read for any number of branches in a constant number of queries: their groups, the local rule
sets that reach them, one GROUP BY over their records of the year (and, in January, one over
last year's), always counted live, since a secretary who has just submitted a record must see
the reminder go."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q

from dangjian.orgs.choices import BRANCH_KINDS, OrgKind, OrgStatus
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import scope_roots

from . import rules as rules_module
from .compliance import UNIT_FIELDS, Counts, Unit, judge_branch, load_counts_where, make_resolver
from .models import LocalRuleSet
from .periods import Period, PeriodKind
from .rules import LocalSets, RuleSet

STEP = Organization.steplen


@dataclass
class Pending:
    branch: Unit
    outstanding: list[str] = field(default_factory=list)  # still to hold in the running periods
    overdue: list[str] = field(default_factory=list)  # not held in periods that ended last month

    @property
    def empty(self) -> bool:
        return not self.outstanding and not self.overdue


def _local_sets(paths: Iterable[str]) -> LocalSets:
    ancestors = {path[:depth] for path in paths for depth in range(STEP, len(path) + 1, STEP)}
    found: dict[str, list[RuleSet]] = defaultdict(list)
    for row in (
        LocalRuleSet.objects.filter(organization__path__in=ancestors)
        .values("organization__path", "effective_from", "rules", "name")
        .order_by("organization__path", "effective_from")
    ):
        found[row["organization__path"]].append(
            RuleSet(row["effective_from"], rules_module.parse_rules(row["rules"]), row["name"])
        )
    return LocalSets({path: tuple(sets) for path, sets in found.items()})


def pending_for_branches(branches: list[Organization], today: dt.date) -> list[Pending]:
    """The reminders of each active branch given, in the order given. The caller has checked
    that the user may view them."""
    units = [
        Unit(**{name: getattr(branch, name) for name in UNIT_FIELDS})
        for branch in branches
        if branch.kind in BRANCH_KINDS and branch.status == OrgStatus.ACTIVE
    ]
    if not units:
        return []
    groups_by_parent: dict[str, list[Unit]] = defaultdict(list)
    for row in (
        Organization.objects.filter(
            reduce(or_, (Q(path__startswith=unit.path) for unit in units)),
            kind=OrgKind.GROUP,
            status=OrgStatus.ACTIVE,
        )
        .values(*UNIT_FIELDS)
        .order_by("path")
    ):
        group = Unit(**row)
        groups_by_parent[group.parent_path].append(group)
    local = _local_sets(unit.path for unit in units)
    statutory = rules_module.STATUTORY_RULE_SETS
    conditions = {
        rule.condition
        for rule_set in [*statutory, *(s for sets in local.by_path.values() for s in sets)]
        for rule in rule_set.rules
    }
    resolve = make_resolver(statutory, local)
    scope = Q(activity__organization_id__in=[unit.id for unit in units])
    counts = load_counts_where(scope, today.year, conditions)
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    previous_counts: Counts = (
        counts if last_month.year == today.year else load_counts_where(scope, last_month.year, conditions)
    )
    found = []
    for unit in units:
        groups = groups_by_parent.get(unit.path, [])
        current = judge_branch(
            unit, groups, counts, Period(today.year, PeriodKind.MONTH, today.month), today, resolve
        )
        previous = judge_branch(
            unit,
            groups,
            previous_counts,
            Period(last_month.year, PeriodKind.MONTH, last_month.month),
            today,
            resolve,
        )
        found.append(Pending(unit, outstanding=current.outstanding, overdue=previous.missing))
    return found


def pending_for_user(user: Any, today: dt.date) -> list[Pending]:
    """For the home page: the reminders of the branches the user is granted directly (a
    branch secretary's own branch). A committee's users see their subtree on the compliance
    dashboard instead; a hundred branches' reminders on one home page would help nobody."""
    return pending_for_branches(
        [root for root in scope_roots(user, "view") if root.kind in BRANCH_KINDS], today
    )
