"""The targets page's selectors: which target definitions a user sees (`targets_relevant`),
all targets of a level computed at once against the brute-force count, and a query count
that grows neither with the targets nor with the tree."""

from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.ledger import services as svc
from dangjian.ledger.choices import TargetMetric
from dangjian.ledger.selectors import targets_at_level, targets_progress_at_level, targets_relevant
from dangjian.orgs.choices import Sector

from .test_targets import METRICS, branch_plan, counted, populate


def set_target(
    world, organization, name, metric=TargetMetric.GRADE_FOUR_SHARE, comparison="below", sector=""
):
    return svc.target_set(
        actor=None,
        organization=organization,
        year=2026,
        name=name,
        metric=metric,
        comparison=comparison,
        threshold=D(2),
        sector=sector,
    )


def test_definitions_are_visible_above_and_below_a_grant_but_not_beside_it(world):
    county = set_target(world, world.county, "县级目标")
    own = set_target(world, world.township_a, "甲镇目标")
    sibling = set_target(world, world.township_b, "乙镇目标")
    branch = set_target(world, world.branch_a1, "东村目标")
    names = lambda user: set(targets_relevant(user=world.users[user]).values_list("name", flat=True))  # noqa: E731
    assert names("county_admin") == {"县级目标", "甲镇目标", "乙镇目标", "东村目标"}
    assert names("township_a_admin") == {"县级目标", "甲镇目标", "东村目标"}
    assert names("township_b_admin") == {"县级目标", "乙镇目标"}
    assert names("secretary_a1") == {"县级目标", "甲镇目标", "东村目标"}
    assert names("nobody") == set()
    assert names("auditor") == set()
    # At a level: only its own and its ancestors' targets, never a child's.
    at_a = list(targets_at_level(user=world.users["township_a_admin"], level=world.township_a, year=2026))
    assert at_a == [county, own]
    assert sibling not in at_a and branch not in at_a


def test_the_page_shows_no_sibling_target_and_opens_no_sibling_level(world):
    set_target(world, world.county, "县级目标")
    set_target(world, world.township_b, "乙镇目标")
    client = Client()
    client.force_login(world.users["township_a_admin"])
    page = client.get(reverse("ledger:targets", args=["TA", 2026])).content.decode()
    assert "县级目标" in page and "乙镇目标" not in page
    assert client.get(reverse("ledger:targets", args=["TB", 2026])).status_code == 404


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plan=st.lists(branch_plan, max_size=12),
    sector=st.sampled_from(["", Sector.RURAL]),
    shown=st.integers(1, 4),
)
def test_all_targets_at_once_equal_brute_force(world, plan, sector, shown):
    with transaction.atomic():
        records = populate(world, plan)
        for branch in (world.branch_a1, world.branch_a2, world.branch_b1):
            records[branch.pk] = (branch, (None, None, False))
        targets = [
            svc.target_set(
                actor=None,
                organization=world.county,
                year=2026,
                name=str(metric),
                metric=metric,
                comparison=comparison,
                threshold=threshold,
                sector=sector,
            )
            for metric, comparison, threshold in METRICS
        ]
        for level in (world.county, world.township_a):
            progress = targets_progress_at_level(
                user=world.users["county_admin"],
                targets=targets,
                level=level,
                year=2026,
                laggards_shown=shown,
            )
            assert [p.target for p in progress] == targets
            for item in progress:
                metric = item.target.metric
                levels = [(item.total, level)] + [(row, row.organization) for row in item.children]
                for row, org in levels:
                    eligible = [
                        rec
                        for branch, rec in records.values()
                        if branch.path.startswith(org.path) and (not sector or branch.sector == sector)
                    ]
                    numerator = sum(counted(metric, rec) for rec in eligible)
                    assert row.numerator == numerator, (metric, org.code)
                    if metric != TargetMetric.DISPATCH_COMPLETED_COUNT:
                        assert row.denominator == len(eligible)
                if metric == TargetMetric.DISPATCH_COMPLETED_COUNT:
                    assert item.laggards == []
                    continue
                holding_back = sorted(
                    (
                        branch
                        for branch, rec in records.values()
                        if branch.path.startswith(level.path)
                        and (not sector or branch.sector == sector)
                        and counted(metric, rec) != (item.target.comparison == "at_least")
                    ),
                    key=lambda b: b.path,
                )
                assert item.laggards == holding_back[:shown], metric
        transaction.set_rollback(True)


def page_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("username", ["county_admin", "township_a_admin"])
def test_targets_page_query_count_is_pinned(world, username):
    """Four targets, one of every metric, on a small tree, then twelve on a larger one: the
    same number of queries, five more than the page without targets."""
    client = Client()
    client.force_login(world.users[username])
    url = reverse("ledger:targets", args=["TA", 2026])
    client.get(url)  # session and grants warmed
    without_targets = page_queries(client, url)
    for metric, comparison, _ in METRICS:
        set_target(world, world.county, f"目标{metric}", metric=metric, comparison=comparison)
    small = page_queries(client, url)
    populate(world, [(n % 3 != 0, Sector.RURAL, ("signed", n % 4 + 1), n % 2 == 0) for n in range(15)])
    for round_ in range(2):
        for metric, comparison, _ in METRICS:
            set_target(world, world.township_a, f"加码{round_}{metric}", metric=metric, comparison=comparison)
    large = page_queries(client, url)
    assert large == small
    # Children, branches, assessments, dispatch items, laggards: five reads for all targets.
    assert small - without_targets == 5
