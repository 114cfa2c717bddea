"""Stored rollups (models.ComplianceRollup): a committee's report and charts read from its row
and its children's equal the live computation after any sequence of full and incremental
recomputes, the incremental recompute rewrites the changed branches' ancestors only, "due"
turns into "missed" by the reading date alone, and a read costs the same queries at every
level whatever the number of branches below."""

import datetime as dt

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.orglife.choices import ActivityKind as K
from dangjian.orglife.compliance import LIVE, STORED, compliance_report
from dangjian.orglife.models import Activity, ComplianceRollup
from dangjian.orglife.pages import monthly_figures
from dangjian.orglife.periods import window_for
from dangjian.orglife.rollups import Merger
from dangjian.orglife.services import compliance_figures_recompute
from dangjian.orgs.models import Organization
from dangjian.orgs.services import organization_move
from tests.orglife.strategies import branch_shapes

from .conftest import hold
from .test_precomputed import without_freshness
from .test_rollup import KINDS, add_branch, add_records, days_2026

TODAY = dt.date(2026, 11, 23)
READING_DAYS = [dt.date(2026, 2, 10), dt.date(2026, 6, 30), dt.date(2026, 7, 1), dt.date(2027, 1, 1)]


def assert_stored_equals_live(world, today, windows):
    for organization in (world.county, world.township_a, world.township_b):
        organization.refresh_from_db()
        for window in windows:
            live = compliance_report(organization=organization, window=window, today=today, source=LIVE)
            stored = compliance_report(organization=organization, window=window, today=today, source=STORED)
            assert "computed_at" in stored  # read from the rollups, not counted live
            assert without_freshness(stored) == live
        assert monthly_figures(organization, 2026, today, source=STORED) == monthly_figures(
            organization, 2026, today, source=LIVE
        )


def records_strategy(data, branches, size):
    records = []
    for _ in range(data.draw(st.integers(0, size))):
        branch, groups = data.draw(st.sampled_from(branches))
        records.append(
            (
                branch,
                data.draw(st.sampled_from([None, *groups])),
                sorted(data.draw(st.sets(st.sampled_from(KINDS), min_size=1, max_size=3))),
                data.draw(days_2026),
                True,
                data.draw(st.booleans() | st.just(True)),
                data.draw(st.booleans()),
            )
        )
    return records


def rollup_rows():
    """The stored sums; "seen" (the newest organization the run saw) differs between a full and
    an incremental run by design and is left out."""
    return {
        organization_id: {key: value for key, value in figures.items() if key != "seen"}
        for organization_id, figures in ComplianceRollup.objects.filter(year=2026).values_list(
            "organization_id", "figures"
        )
    }


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_incremental_rollups_equal_the_live_computation_and_a_full_recompute(world, data):
    shapes = data.draw(branch_shapes(max_size=4))
    today = data.draw(st.sampled_from(READING_DAYS))
    quarter = data.draw(st.integers(1, 4))
    windows = [window_for(2026), window_for(2026, quarter)]
    with transaction.atomic():
        parents = {"TA": world.township_a, "TB": world.township_b}
        branches = [
            add_branch(parents[p], sector, committee, groups) for p, sector, committee, groups in shapes
        ]
        add_records(records_strategy(data, branches, 25))
        Activity.objects.filter(topic="生成").update(submitted_at=timezone.now() - dt.timedelta(days=1))
        compliance_figures_recompute(year=2026, full=True)
        # A day's changes: new records (seen by the incremental run through their submission
        # time), perhaps a branch moved to the other township and a branch added.
        day = records_strategy(data, branches, 10)
        add_records(day)
        Activity.objects.filter(topic="生成", submitted_at__isnull=True).update(submitted_at=timezone.now())
        if data.draw(st.booleans()):
            moved, _ = data.draw(st.sampled_from(branches))
            moved.refresh_from_db()
            target = world.township_b if moved.path.startswith(world.township_a.path) else world.township_a
            organization_move(actor=None, organization=moved, new_parent=target)
        if data.draw(st.booleans()):
            add_branch(world.township_a, "rural", True, 1)
        result = compliance_figures_recompute(year=2026)
        assert result.run.mode == "incremental"
        assert_stored_equals_live(world, today, windows)
        incremental = rollup_rows()
        compliance_figures_recompute(year=2026, full=True)
        assert rollup_rows() == incremental
        transaction.set_rollback(True)


def test_a_committee_row_is_the_sum_of_its_childrens_rows(world):
    hold(world.branch_a1, dt.date(2026, 3, 5), K.THEME_DAY, K.GENERAL_MEETING)
    hold(world.branch_b1, dt.date(2026, 8, 5), K.THEME_DAY)
    compliance_figures_recompute(year=2026)
    rows = rollup_rows()
    for committee in (world.county, world.township_a):
        merger = Merger()
        for child in Organization.objects.filter(
            path__startswith=committee.path, depth=committee.depth + 1
        ).order_by("path"):
            if child.pk in rows:
                merger.add(rows[child.pk], child.sector if child.kind == "branch" else None)
        assert rows[committee.pk] == merger.figures()
    assert sum(rows[world.county.pk]["w"]["y"]["t"].values()) == 3


def test_incremental_recompute_rewrites_the_ancestors_of_changed_branches_only(world):
    compliance_figures_recompute(year=2026)
    before = dict(ComplianceRollup.objects.filter(year=2026).values_list("organization_id", "computed_at"))
    hold(world.branch_a1, dt.date(2026, 4, 2), K.THEME_DAY)
    result = compliance_figures_recompute(year=2026)
    after = dict(ComplianceRollup.objects.filter(year=2026).values_list("organization_id", "computed_at"))
    rewritten = {pk for pk in after if after[pk] != before[pk]}
    assert result.recomputed == [world.branch_a1.pk]
    assert rewritten == {world.branch_a1.pk, world.township_a.pk, world.county.pk}
    stored = compliance_report(
        organization=world.county, window=window_for(2026, 2), today=TODAY, source=STORED
    )
    theme_day = next(rule for rule in stored["rules"] if rule["rule"] == "theme_day")
    assert theme_day["count"] == 1


def test_due_becomes_missed_when_the_period_ends_without_a_recompute(world):
    hold(world.branch_a1, dt.date(2026, 7, 8), K.GENERAL_MEETING)
    compliance_figures_recompute(year=2026)
    window = window_for(2026, quarter=3)

    def general_meeting(today):
        report = compliance_report(organization=world.county, window=window, today=today, source=STORED)
        assert without_freshness(report) == compliance_report(
            organization=world.county, window=window, today=today, source=LIVE
        )
        row = next(rule for rule in report["rules"] if rule["rule"] == "general_meeting")
        return row["met"], row["due"], row["missed"], report["failing_total"]

    met, due, missed, _ = general_meeting(dt.date(2026, 9, 30))
    assert (met, due, missed) == (1, 2, 0)
    met, due, missed, failing = general_meeting(dt.date(2026, 10, 1))
    assert (met, due, missed) == (1, 0, 2)
    assert failing == 3  # monthly rules of the quarter were missed by every branch


def test_failing_list_is_limited_and_counted(world):
    compliance_figures_recompute(year=2026)
    report = compliance_report(
        organization=world.county, window=window_for(2026), today=TODAY, source=STORED, failing_limit=2
    )
    assert report["failing_total"] == 3
    assert [branch["org"] for branch in report["failing"]] == [world.branch_a1.code, world.branch_a2.code]
    assert report["failing"] == [
        branch
        for branch in compliance_report(organization=world.county, window=window_for(2026), today=TODAY)[
            "failing"
        ][:2]
    ]


def test_read_costs_the_same_queries_at_every_level_whatever_the_branches_below(world):
    window = window_for(2026, quarter=3)

    def queries(organization):
        with CaptureQueriesContext(connection) as report_queries:
            report = compliance_report(
                organization=organization, window=window, today=TODAY, source=STORED, failing_limit=5
            )
        assert "computed_at" in report
        with CaptureQueriesContext(connection) as chart_queries:
            monthly_figures(organization, 2026, TODAY, source=STORED)
        return len(report_queries), len(chart_queries)

    compliance_figures_recompute(year=2026)
    few = {org.code: queries(org) for org in (world.county, world.township_a)}
    more = [add_branch(world.township_a, "rural", True, 2) for _ in range(12)]
    add_records(
        [
            (branch, groups[0], [K.GROUP_MEETING], dt.date(2026, 8, 5), True, True, False)
            for branch, groups in more
        ]
    )
    compliance_figures_recompute(year=2026, full=True)
    many = {org.code: queries(org) for org in (world.county, world.township_a)}
    assert many == few
    assert all(report <= 6 and charts <= 3 for report, charts in many.values())


def test_a_branch_created_after_the_run_is_counted_live_until_the_next(world):
    compliance_figures_recompute(year=2026)
    add_branch(world.township_b, "rural", False, 0)
    report = compliance_report(organization=world.county, window=window_for(2026), today=TODAY, source=STORED)
    assert "computed_at" not in report and report["branches"] == 4
    # The sibling township's own row is still whole: it is read stored.
    township_a = compliance_report(
        organization=world.township_a, window=window_for(2026), today=TODAY, source=STORED
    )
    assert "computed_at" in township_a
    compliance_figures_recompute(year=2026)
    report = compliance_report(organization=world.county, window=window_for(2026), today=TODAY, source=STORED)
    assert "computed_at" in report and report["branches"] == 4
