"""Benchmark of the organizational-life compliance figures (one process, run by run.py):

* `orglife_dashboard[LEVEL]`: the figures of the compliance dashboard (`compliance_report`
  for the year, failing branches up to the page's limit, and `monthly_figures` for the
  charts) at the root, the county (when not the root) and the first township, read from the
  stored rollups (`source=stored`), 2 warm-up + N timed; the line also carries the live
  computation of the report alone (`live_p50_ms`/`live_p95_ms`, the same five-query GROUP BY
  the small subtrees use). Baseline: the straightforward per-organization ORM computation, one COUNT
  per branch (or group) × rule × period, summed in Python; stopped after the size's budget.
* `orglife_recompute_full`: `compliance_figures_recompute(year, full=True)` of every branch;
  baseline: the per-organization ORM computation of a sample of branches, extrapolated.
* `orglife_recompute_incremental`: after a day's new submitted records (the year's records ÷
  working days so far, spread over random branches), the incremental recompute; baseline:
  the full recompute just measured.
* `orglife_rollup_step_incremental`: another day's records; the rollup step alone of the
  incremental recompute (ancestors updated by differences); baseline: the same change with
  the ancestors re-summed from all their children (the previous algorithm), run just before
  on the same data and rolled back.

Data: `load_demo` of the size's scale with a year of organizational life up to AS_OF.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import worker
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from sizes import SIZES, Size

from dangjian.demo import generator
from dangjian.orglife import rules as rules_module
from dangjian.orglife.choices import ActivityStatus
from dangjian.orglife.compliance import FAILING_LIST_LIMIT, LIVE, STORED, compliance_report
from dangjian.orglife.models import Activity, ActivityKindEntry, LocalRuleSet
from dangjian.orglife.pages import monthly_figures
from dangjian.orglife.periods import Period, PeriodKind, periods_overlapping
from dangjian.orglife.rules import Applicability, RuleSet, set_in_force
from dangjian.orglife.services import compliance_figures_recompute
from dangjian.orgs.choices import BRANCH_KINDS, OrgKind, OrgStatus
from dangjian.orgs.models import Organization

# Late in the year, so that the records of eleven months are there to count.
AS_OF = dt.date(2026, 11, 15)
YEAR = AS_OF.year
WORKING_DAYS_SO_FAR = 220
BASELINE_SAMPLE_BRANCHES = 40


def per_branch_orm_figures(
    branch: Organization, year: int, today: dt.date
) -> dict[str, tuple[int, int, bool]]:
    """One branch's figures the straightforward way: its groups and its ancestors' local rule
    sets, then one COUNT per unit × rule × period. Returns {rule: (required, held, met)}."""
    groups = list(
        Organization.objects.filter(path__startswith=branch.path, kind=OrgKind.GROUP, status=OrgStatus.ACTIVE)
    )
    step = Organization.steplen
    ancestors = [branch.path[:depth] for depth in range(step, len(branch.path) + 1, step)]
    local_by_org: dict[str, list[RuleSet]] = {}
    for rule_set in LocalRuleSet.objects.filter(organization__path__in=ancestors).select_related(
        "organization"
    ):
        local_by_org.setdefault(rule_set.organization.path, []).append(
            RuleSet(rule_set.effective_from, rules_module.parse_rules(rule_set.rules), rule_set.name)
        )
    figures: dict[str, tuple[int, int, bool]] = {}
    whole_year = Period(year, PeriodKind.YEAR, 1)
    for kind in PeriodKind:
        for period in periods_overlapping(kind, whole_year):
            in_force = [
                found
                for path in ancestors
                if (found := set_in_force(local_by_org.get(path, []), period.start)) is not None
            ]
            rules = rules_module.resolve_rules(
                statutory=rules_module.STATUTORY_RULE_SETS,
                local=in_force,
                day=period.start,
                sector=branch.sector,
                has_committee=branch.has_committee,
            )
            for rule in rules:
                if rule.period != kind or not rule.requires(period):
                    continue
                per_group = rule.applies_to == Applicability.GROUP
                for unit in groups if per_group else [branch]:
                    query = ActivityKindEntry.objects.filter(
                        kind=rule.kind,
                        activity__is_current=True,
                        activity__status=ActivityStatus.SUBMITTED,
                        activity__held_on__gte=period.start,
                        activity__held_on__lte=period.end,
                    )
                    query = (
                        query.filter(activity__group=unit)
                        if per_group
                        else query.filter(activity__organization=branch)
                    )
                    if rule.secretary_speaker:
                        query = query.filter(activity__secretary_spoke=True)
                    if rule.day_of_month:
                        query = query.filter(activity__held_on__day=rule.day_of_month)
                    count = query.count()
                    required, held, met = figures.get(rule.code, (0, 0, True))
                    figures[rule.code] = (
                        required + rule.minimum,
                        held + min(count, rule.minimum),
                        met and (count >= rule.minimum or not period.is_over(today)),
                    )
    return figures


def per_organization_rollup(root: Organization, year: int, today: dt.date, budget_s: float) -> int:
    """The dashboard's rule totals summed branch by branch; returns the branches done before the
    budget ran out (all of them when it did not)."""
    started = time.perf_counter()
    totals: dict[str, list[int]] = {}
    done = 0
    for branch in Organization.objects.filter(
        path__startswith=root.path, kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE
    ).order_by("path"):
        for code, (required, held, met) in per_branch_orm_figures(branch, year, today).items():
            cell = totals.setdefault(code, [0, 0, 0])
            cell[0] += required
            cell[1] += held
            cell[2] += met
        done += 1
        if time.perf_counter() - started > budget_s:
            break
    return done


def branches_under(organization: Organization) -> int:
    return Organization.objects.filter(
        path__startswith=organization.path, kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE
    ).count()


def records_under(organization: Organization) -> int:
    return Activity.objects.filter(
        organization__path__startswith=organization.path,
        is_current=True,
        status=ActivityStatus.SUBMITTED,
        held_on__year=YEAR,
    ).count()


def add_a_days_records(rng: random.Random) -> int:
    """As many new submitted records as an average working day brings, on random branches."""
    year_records = Activity.objects.filter(held_on__year=YEAR, status=ActivityStatus.SUBMITTED).count()
    wanted = max(1, year_records // WORKING_DAYS_SO_FAR)
    branch_ids = list(
        Organization.objects.filter(kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE).values_list(
            "id", flat=True
        )
    )
    now = timezone.now()
    chosen = [rng.choice(branch_ids) for _ in range(wanted)]
    activities = Activity.objects.bulk_create(
        [
            Activity(
                organization_id=branch_id,
                held_on=AS_OF,
                topic="当日新增",
                status=ActivityStatus.SUBMITTED,
                submitted_at=now,
            )
            for branch_id in chosen
        ]
    )
    ActivityKindEntry.objects.bulk_create(
        [ActivityKindEntry(activity=activity, kind="theme_day") for activity in activities]
    )
    return wanted


def bench_orglife_rollups(size: Size, engine: str) -> None:
    # ORGLIFE_BENCH_RUNS caps the timed runs (the medium root takes seconds per call).
    runs = min(size.runs, int(os.environ.get("ORGLIFE_BENCH_RUNS", size.runs)))
    started = time.perf_counter()
    result = generator.load_demo(size.scale, seed=worker.SEED, as_of=AS_OF, orglife=True)
    worker.log(
        f"loaded {size.scale} with organizational life: {result.activities} records "
        f"in {time.perf_counter() - started:.1f} s"
    )
    root = result.root
    assert root is not None
    total_branches = branches_under(root)

    # Full recompute of the year, and its baseline on a sample of branches.
    began = time.perf_counter()
    full = compliance_figures_recompute(year=YEAR, full=True)
    full_seconds = time.perf_counter() - began
    sample = list(
        Organization.objects.filter(kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE).order_by("path")[
            :: max(1, total_branches // BASELINE_SAMPLE_BRANCHES)
        ][:BASELINE_SAMPLE_BRANCHES]
    )
    began = time.perf_counter()
    for branch in sample:
        per_branch_orm_figures(branch, YEAR, AS_OF)
    per_branch = (time.perf_counter() - began) / len(sample)
    baseline_full = per_branch * total_branches
    worker.emit(
        engine,
        {
            "name": "orglife_recompute_full",
            "n": len(full.recomputed),
            "seconds": round(full_seconds, 3),
            "records": records_under(root),
            "baseline": {
                "name": f"per_organization_orm_counts (sample {len(sample)} branches, extrapolated)",
                "seconds": round(baseline_full, 3),
            },
            "ratio": round(baseline_full / full_seconds, 2) if full_seconds else None,
        },
    )

    # The dashboards, read from the stored figures, against the live path and the baseline.
    for level, organization in worker.places(result):

        def stored(org: Organization = organization) -> None:
            # What the dashboard page reads: the report (failing branches listed up to the
            # page's limit) and the month-by-month charts.
            report = compliance_report(
                organization=org,
                window=Period(YEAR, PeriodKind.YEAR, 1),
                today=AS_OF,
                source=STORED,
                failing_limit=FAILING_LIST_LIMIT,
            )
            assert "computed_at" in report
            monthly_figures(org, YEAR, AS_OF, source=STORED)

        def live(org: Organization = organization) -> None:
            compliance_report(
                organization=org, window=Period(YEAR, PeriodKind.YEAR, 1), today=AS_OF, source=LIVE
            )

        stored_samples = worker.latencies(stored, runs)
        live_figures = worker.latency_figures(worker.latencies(live, runs))
        branches = branches_under(organization)
        baseline_runs: list[float] = []
        budget_started = time.perf_counter()
        done = branches
        while len(baseline_runs) < 3 and (time.perf_counter() - budget_started < size.baseline_budget_s):
            began = time.perf_counter()
            done = per_organization_rollup(organization, YEAR, AS_OF, size.baseline_budget_s)
            elapsed = (time.perf_counter() - began) * 1000
            # A run cut short by the budget is extrapolated to the whole subtree.
            baseline_runs.append(elapsed * branches / done if done else elapsed)
        baseline = {
            "name": "per_organization_orm_counts"
            + ("" if done == branches else f" (cut at {done} of {branches} branches, extrapolated)"),
            **worker.latency_figures(baseline_runs),
        }
        worker.emit(
            engine,
            worker.latency_record(
                f"orglife_dashboard[{level}]",
                branches,
                stored_samples,
                baseline,
                records=records_under(organization),
                live_p50_ms=live_figures["p50_ms"],
                live_p95_ms=live_figures["p95_ms"],
            ),
        )

    # A day's new records, then the incremental recompute.
    added = add_a_days_records(random.Random(worker.SEED))
    began = time.perf_counter()
    incremental = compliance_figures_recompute(year=YEAR)
    seconds = time.perf_counter() - began
    assert incremental.run.mode == "incremental"
    worker.emit(
        engine,
        {
            "name": "orglife_recompute_incremental",
            "n": len(incremental.recomputed),
            "seconds": round(seconds, 3),
            "new_records": added,
            "baseline": {"name": "full recompute (measured above)", "seconds": round(full_seconds, 3)},
            "ratio": round(full_seconds / seconds, 2) if seconds else None,
        },
    )
    rollup_step_by_difference(engine)


def rollup_step_by_difference(engine: str) -> None:
    """Another day's records, recomputed twice on the same data: first with the ancestors
    re-summed from all their children (the previous algorithm; rolled back), then updated by
    differences. Only the rollup step is timed, so the ratio isolates it from the branches'
    own figures and, both running within seconds of each other, from the machine's load."""
    from dangjian.orglife import rollups as rollups_module

    real_recompute, real_delta = rollups_module.rollups_recompute, rollups_module._delta_update
    spent: list[float] = []

    def timed(**kwargs: Any) -> int:
        began = time.perf_counter()
        written = real_recompute(**kwargs)
        spent.append(time.perf_counter() - began)
        return written

    def resum(year, tree, committees, branch_rows, removed, newest, started, created):  # type: ignore[no-untyped-def]
        return rollups_module._resum_all(
            year, tree, committees, branch_rows, removed, newest, started, full=False
        )

    add_a_days_records(random.Random(worker.SEED + 1))
    rollups_module.rollups_recompute = timed  # type: ignore[assignment]
    try:
        with transaction.atomic():
            rollups_module._delta_update = resum  # type: ignore[assignment]
            compliance_figures_recompute(year=YEAR)
            rollups_module._delta_update = real_delta
            transaction.set_rollback(True)
        began = time.perf_counter()
        result = compliance_figures_recompute(year=YEAR)
        whole = time.perf_counter() - began
    finally:
        rollups_module.rollups_recompute = real_recompute
        rollups_module._delta_update = real_delta
    resummed, by_difference = spent
    worker.emit(
        engine,
        {
            "name": "orglife_rollup_step_incremental",
            "n": len(result.recomputed),
            "seconds": round(by_difference, 3),
            "whole_recompute_seconds": round(whole, 3),
            "baseline": {
                "name": "ancestors re-summed from all their children (previous algorithm), same change",
                "seconds": round(resummed, 3),
            },
            "ratio": round(resummed / by_difference, 2) if by_difference else None,
        },
    )


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("name", nargs="?", default="orglife_rollups")
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument("--engine", default=connection.vendor)
    args = parser.parse_args()
    call_command("migrate", verbosity=0, interactive=False)
    assert not Organization.objects.exists(), "the benchmark database must be empty"
    bench_orglife_rollups(SIZES[args.size], args.engine)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
