"""The home page above HOME_LIVE_ORG_LIMIT organizations: figures summed from the stored rows
and the warnings evaluated in SQL give what the live selectors give, in a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from dangjian.core.testing.world import build_world, make_member
from dangjian.dashboards.selectors import (
    home_figures,
    member_figures,
    organization_figures,
    reads_stored_figures,
    scope_root_rows,
    stored_figures,
    stored_warnings_in_scope,
)
from dangjian.members.models import MemberFigures
from dangjian.members.rollups import term_due_on
from dangjian.members.services import member_figures_recompute
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.rules import OrgFigures, org_warnings
from dangjian.orgs.selectors import warnings_in_scope
from dangjian.orgs.services import organization_create, organization_update
from dangjian.terms.services import term_postpone

TODAY = timezone.localdate()


@pytest.fixture
def client_for(world):
    def make(username: str) -> Client:
        client = Client()
        client.force_login(world.users[username])
        return client

    return make


# Session and user, grants (scope roots), the limit check, the figures (the one root's too), the warnings
# (count, first rows), the pending tasks and the audit check: the same for a township and a county.
HOME_STORED_QUERIES = 14
USERS = ("county_admin", "township_a_admin", "township_b_admin", "secretary_a1")


def give_the_world_warnings(world):
    organization_update(
        actor=None, organization=world.branch_a1, term_started_on=dt.date(2021, 1, 1), term_years=3
    )
    organization_update(
        actor=None,
        organization=world.branch_b1,
        term_started_on=TODAY.replace(year=TODAY.year - 3) + dt.timedelta(days=30),
        term_years=3,
    )
    organization_update(
        actor=None,
        organization=world.township_a,
        term_started_on=TODAY.replace(year=TODAY.year - 5) - dt.timedelta(days=10),
        term_years=5,
    )
    term_postpone(
        actor=None,
        organization=world.township_a,
        postponed_to=TODAY + dt.timedelta(days=100),
        reason="换届准备",
        approved_by="县委组织部",
        approved_on=TODAY,
    )
    for index in range(8):
        make_member(world.branch_a2, name=f"党员{index}")


def rows(found):
    rows_, count = found
    return [(r.organization.pk, r.full_members, r.probationary_members, r.warnings) for r in rows_], count


def test_the_stored_figures_equal_the_live_ones_for_every_user(world):
    give_the_world_warnings(world)
    member_figures_recompute(full=True)
    for name in USERS:
        user = world.users[name]
        assert rows(stored_warnings_in_scope(user)) == rows(warnings_in_scope(user)), name
        assert stored_figures(user) == (organization_figures(user), member_figures(user)), name
        live = [(r.organization.pk, r.members, r.warnings) for r in scope_root_rows(user)]
        assert [
            (r.organization.pk, r.members, r.warnings) for r in scope_root_rows(user, stored=True)
        ] == live
    # Township B sees none of township A's organizations.
    warned, _ = stored_warnings_in_scope(world.users["township_b_admin"])
    assert warned and all(r.organization.path.startswith(world.township_b.path) for r in warned)
    # Limited: the first one, with the count of all.
    first, count = stored_warnings_in_scope(world.users["county_admin"], limit=1)
    assert len(first) == 1 and count == warnings_in_scope(world.users["county_admin"])[1] > 1


def test_the_home_page_reads_the_stored_figures_above_the_limit(world, client_for, settings):
    give_the_world_warnings(world)
    member_figures_recompute(full=True)
    client = client_for("county_admin")
    settings.HOME_LIVE_ORG_LIMIT = 1000
    assert not reads_stored_figures(world.users["county_admin"])
    live = client.get(reverse("home"))
    settings.HOME_LIVE_ORG_LIMIT = 3
    assert reads_stored_figures(world.users["county_admin"])
    assert not reads_stored_figures(world.users["secretary_a1"])
    stored = client.get(reverse("home"))
    for key in ("warning_count", "charts"):
        assert stored.context[key] == live.context[key], key
    assert [r.warnings for r in stored.context["warnings"]] == [r.warnings for r in live.context["warnings"]]
    assert stored.content.decode().count("任期") == live.content.decode().count("任期") > 0


def test_before_any_recompute_every_reach_is_counted_live(world, settings):
    settings.HOME_LIVE_ORG_LIMIT = 0
    assert not reads_stored_figures(world.users["county_admin"])
    assert home_figures(world.users["county_admin"]).stored is False


def test_the_stored_home_page_costs_the_same_queries_whatever_the_subtree(world, client_for, settings):
    settings.HOME_LIVE_ORG_LIMIT = 0
    give_the_world_warnings(world)
    member_figures_recompute(full=True)

    def queries(username):
        client = client_for(username)
        client.get(reverse("home"))  # warm the session and caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    small = queries("township_b_admin")
    for index in range(5):
        branch = organization_create(
            actor=None,
            parent=world.township_a,
            code=f"TA9{index}",
            name=f"新建党支部{index}",
            kind=OrgKind.BRANCH,
            sector=Sector.RURAL,
        )
        make_member(branch, name=f"新党员{index}")
    member_figures_recompute()
    assert queries("county_admin") == queries("township_a_admin") == small == HOME_STORED_QUERIES
    assert home_figures(world.users["county_admin"]).stored


KINDS = list(OrgKind)
FIGURES = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(min_value=0, max_value=60),  # full
        st.integers(min_value=0, max_value=10),  # probationary
        st.booleans(),  # has_committee
        st.none() | st.integers(min_value=-400, max_value=400),  # term end, days from today
        st.none() | st.integers(min_value=-200, max_value=500),  # postponed to, days from today
        st.booleans(),  # active
    ),
    min_size=12,
    max_size=12,
)


class TestWarningsInSqlFollowThePythonRules(TestCase):
    """On generated rows, the SQL conditions and order give exactly the organizations, order and
    count of orgs.rules.org_warnings applied to each row in Python."""

    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.branches = [
            organization_create(
                actor=None,
                parent=cls.world.township_a,
                code=f"TAG{index:02d}",
                name=f"生成党组织{index}",
                kind=OrgKind.BRANCH,
                sector=Sector.RURAL,
            )
            for index in range(12)
        ]

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(figures=FIGURES, limit=st.integers(min_value=1, max_value=12))
    def test_same_warnings(self, figures, limit):
        MemberFigures.objects.all().delete()
        stored = []
        for organization, (kind, full, probationary, committee, ends, postponed, active) in zip(
            self.branches, figures, strict=True
        ):
            ends_on = TODAY + dt.timedelta(days=ends) if ends is not None else None
            postponed_to = TODAY + dt.timedelta(days=postponed) if postponed is not None and ends_on else None
            stored.append(
                MemberFigures(
                    organization=organization,
                    path=organization.path,
                    kind=kind,
                    sector=Sector.RURAL,
                    is_active=active,
                    has_committee=committee,
                    term_ends_on=ends_on,
                    term_postponed_to=postponed_to,
                    term_due_on=term_due_on(ends_on, postponed_to),
                    full=full,
                    probationary=probationary,
                    ages_on=TODAY,
                    computed_at=dt.datetime.now(dt.UTC),
                )
            )
        MemberFigures.objects.bulk_create(stored)
        expected = []
        for row in stored:
            if row.kind == OrgKind.GROUP:
                continue
            found = org_warnings(
                OrgFigures(
                    kind=row.kind,
                    full_members=row.full,
                    probationary_members=row.probationary,
                    has_committee=row.has_committee,
                    term_ends_on=row.term_ends_on,
                    is_active=row.is_active,
                    term_postponed_to=row.term_postponed_to,
                ),
                TODAY,
            )
            if found:
                expected.append((row.path, found))
        expected.sort(key=lambda item: (not any(w.severity == "danger" for w in item[1]), item[0]))
        got, count = stored_warnings_in_scope(self.world.users["county_admin"], limit=limit, today=TODAY)
        assert count == len(expected)
        assert [(r.organization.path, r.warnings) for r in got] == expected[:limit]
