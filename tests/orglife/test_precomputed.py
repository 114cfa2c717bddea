"""Precomputed compliance figures: equal to the live computation on generated data, the
recompute idempotent and incremental, the dashboards reading them when present."""

import datetime as dt

from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.orglife.choices import ActivityKind as K
from dangjian.orglife.compliance import LIVE, STORED, compliance_report
from dangjian.orglife.models import ComplianceFigures, ComplianceRun
from dangjian.orglife.pages import monthly_figures
from dangjian.orglife.periods import window_for
from dangjian.orglife.services import (
    compliance_figures_recompute,
    local_rule_set_create,
    record_correct,
)
from dangjian.orglife.tasks import recompute_compliance_figures
from dangjian.orgs.models import Organization
from tests.orglife.strategies import branch_shapes

from .conftest import hold
from .test_rollup import KINDS, add_branch, add_records, days_2026

TODAY = dt.date(2026, 11, 23)


def without_freshness(report):
    return {key: value for key, value in report.items() if key != "computed_at"}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_stored_figures_equal_the_live_computation(world, data):
    shapes = data.draw(branch_shapes(max_size=5))
    quarter = data.draw(st.none() | st.integers(1, 4))
    month = None if quarter else data.draw(st.none() | st.integers(1, 12))
    today = data.draw(
        st.sampled_from(
            [dt.date(2026, 2, 10), dt.date(2026, 7, 1), dt.date(2026, 9, 30), dt.date(2027, 1, 1)]
        )
    )
    with transaction.atomic():
        parents = {"TA": world.township_a, "TB": world.township_b}
        branches = [
            add_branch(parents[p], sector, committee, groups) for p, sector, committee, groups in shapes
        ]
        if data.draw(st.booleans()):
            # A township's own rules, taking effect in the middle of the year.
            local_rule_set_create(
                actor=None,
                organization=world.township_b,
                name="乙镇规定",
                effective_from=data.draw(days_2026),
                rules_data=[
                    {
                        "code": "theme_day",
                        "kind": "theme_day",
                        "period": "month",
                        "minimum": 1,
                        "day_of_month": 5,
                    },
                    {
                        "code": "general_meeting",
                        "kind": "general_meeting",
                        "period": "half_year",
                        "minimum": 2,
                    },
                ],
            )
        records = []
        for _ in range(data.draw(st.integers(0, 40))):
            branch, groups = data.draw(st.sampled_from(branches))
            records.append(
                (
                    branch,
                    data.draw(st.sampled_from([None, *groups])),
                    sorted(data.draw(st.sets(st.sampled_from(KINDS), min_size=1, max_size=3))),
                    data.draw(days_2026),
                    data.draw(st.booleans() | st.just(True)),
                    data.draw(st.booleans() | st.just(True)),
                    data.draw(st.booleans()),
                )
            )
        add_records(records)
        compliance_figures_recompute(year=2026, full=True)
        window = window_for(2026, quarter, month)
        for organization in (world.county, world.township_a, world.township_b):
            live = compliance_report(organization=organization, window=window, today=today, source=LIVE)
            stored = compliance_report(organization=organization, window=window, today=today, source=STORED)
            assert "computed_at" in stored  # the stored figures were read, not the live ones
            assert without_freshness(stored) == live
        assert monthly_figures(world.county, 2026, today, source=STORED) == monthly_figures(
            world.county, 2026, today, source=LIVE
        )
        transaction.set_rollback(True)


def snapshot():
    return {
        row["organization_id"]: (row["fingerprint"], row["rules"], row["entries"])
        for row in ComplianceFigures.objects.filter(year=2026).values(
            "organization_id", "fingerprint", "rules", "entries"
        )
    }


def test_recompute_is_idempotent_and_incremental(world):
    hold(world.branch_a1, dt.date(2026, 3, 5), K.THEME_DAY, K.PARTY_LECTURE, speaker_name="王书记")
    first = compliance_figures_recompute(year=2026)
    assert first.run.mode == ComplianceRun.Mode.FULL
    assert sorted(first.recomputed) == sorted([world.branch_a1.pk, world.branch_a2.pk, world.branch_b1.pk])
    before = snapshot()
    again = compliance_figures_recompute(year=2026, full=True)
    assert snapshot() == before
    assert len(again.recomputed) == 3
    # Nothing changed since: the incremental run touches nothing and the figures stay.
    quiet = compliance_figures_recompute(year=2026)
    assert quiet.run.mode == ComplianceRun.Mode.INCREMENTAL
    assert quiet.recomputed == []
    assert snapshot() == before


def rule_row(report, code):
    return next(rule for rule in report["rules"] if rule["rule"] == code)


def test_submitted_and_corrected_records_reach_their_branch_after_incremental_recompute(world):
    window = window_for(2026, quarter=2)
    compliance_figures_recompute(year=2026)
    stored = compliance_report(organization=world.county, window=window, today=TODAY, source=STORED)
    assert rule_row(stored, "general_meeting")["met"] == 0

    sitting = hold(world.branch_b1, dt.date(2026, 5, 12), K.GENERAL_MEETING)
    # Until the recompute, the stored figures are those of the last run.
    stale = compliance_report(organization=world.county, window=window, today=TODAY, source=STORED)
    assert rule_row(stale, "general_meeting")["met"] == 0
    result = compliance_figures_recompute(year=2026)
    assert result.recomputed == [world.branch_b1.pk]
    fresh = compliance_report(organization=world.county, window=window, today=TODAY, source=STORED)
    assert rule_row(fresh, "general_meeting")["met"] == 1
    assert without_freshness(fresh) == compliance_report(
        organization=world.county, window=window, today=TODAY
    )

    # A correction moving the sitting to the next quarter: the old quarter loses it.
    record_correct(actor=None, activity=sitting, reason="日期记错", held_on=dt.date(2026, 7, 3))
    result = compliance_figures_recompute(year=2026)
    assert result.recomputed == [world.branch_b1.pk]
    moved = compliance_report(organization=world.county, window=window, today=TODAY, source=STORED)
    assert rule_row(moved, "general_meeting")["met"] == 0


def test_changes_to_the_tree_and_to_local_rules_are_noticed(world):
    compliance_figures_recompute(year=2026)
    branch = world.branch_a2
    Organization.objects.filter(pk=branch.pk).update(has_committee=True)
    assert compliance_figures_recompute(year=2026).recomputed == [branch.pk]
    local_rule_set_create(
        actor=None,
        organization=world.township_b,
        name="乙镇规定",
        effective_from=dt.date(2026, 7, 1),
        rules_data=[{"code": "theme_day", "kind": "theme_day", "period": "month", "minimum": 2}],
    )
    assert compliance_figures_recompute(year=2026).recomputed == [world.branch_b1.pk]
    # A dissolved branch's figures go; the rollup no longer counts it.
    Organization.objects.filter(pk=world.branch_b1.pk).update(status="dissolved")
    result = compliance_figures_recompute(year=2026)
    assert result.removed == 1
    assert not ComplianceFigures.objects.filter(organization=world.branch_b1).exists()
    window = window_for(2026)
    stored = compliance_report(organization=world.county, window=window, today=TODAY, source=STORED)
    assert stored["branches"] == 2
    assert without_freshness(stored) == compliance_report(
        organization=world.county, window=window, today=TODAY
    )


def test_missing_figures_fall_back_to_the_live_computation(world):
    compliance_figures_recompute(year=2026)
    add_branch(world.township_a, "rural", False, 0)  # created after the run: no figures yet
    report = compliance_report(organization=world.county, window=window_for(2026), today=TODAY, source=STORED)
    assert "computed_at" not in report
    assert report["branches"] == 4


def test_stored_read_costs_fewer_queries_and_does_not_grow(world):
    window = window_for(2026, quarter=3)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            compliance_report(organization=world.county, window=window, today=TODAY, source=STORED)
        return len(captured)

    compliance_figures_recompute(year=2026)
    small = queries()
    more = [add_branch(world.township_b, "rural", True, 2) for _ in range(8)]
    add_records(
        [
            (branch, groups[0], [K.GROUP_MEETING], dt.date(2026, 8, 5), True, True, False)
            for branch, groups in more
        ]
    )
    compliance_figures_recompute(year=2026, full=True)
    assert queries() == small <= 5


def test_command_and_task_recompute(world, capsys):
    call_command("compliance_recompute", "--year", "2026")
    assert "全量重算 3 个党支部" in capsys.readouterr().out
    call_command("compliance_recompute", "--year", "2026")
    assert "增量重算 0 个党支部" in capsys.readouterr().out
    hold(world.branch_a1, dt.date(2026, 4, 2), K.THEME_DAY)
    result = recompute_compliance_figures.enqueue(year=2026)
    assert result.return_value == {"2026": {"mode": "incremental", "recomputed": 1}}


def test_dashboard_reads_stored_figures_above_the_live_limit(world, client, settings):
    settings.ORGLIFE_LIVE_BRANCH_LIMIT = 2
    client.force_login(world.users["county_admin"])
    url = "/orglife/compliance/" + world.county.code + "/?year=2026"
    page = client.get(url)
    assert "汇总数据更新于" not in page.content.decode()  # nothing stored yet: counted live
    compliance_figures_recompute(year=2026)
    page = client.get(url)
    assert "汇总数据更新于" in page.content.decode()
    settings.ORGLIFE_LIVE_BRANCH_LIMIT = 100
    assert "汇总数据更新于" not in client.get(url).content.decode()
