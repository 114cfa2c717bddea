"""The precomputed member figures (members.models.MemberFigures) equal a count of the members
made here in Python, after any sequence of member service calls and the incremental recompute,
and on later days (age bands)."""

import datetime as dt
from collections import Counter

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from dangjian.core.dates import add_years, age_on
from dangjian.core.testing.world import build_world, make_member, new_id_number
from dangjian.members.choices import Category, Education, EventKind, MemberStatus
from dangjian.members.filters import AGE_BANDS
from dangjian.members.models import (
    AGE_COLUMNS,
    EDUCATION_BLANK_COLUMN,
    EDUCATION_COLUMNS,
    EDUCATION_OTHER_COLUMN,
    Member,
    MemberFigures,
)
from dangjian.members.rollups import COUNT_COLUMNS
from dangjian.members.services import (
    member_convert,
    member_exit,
    member_figures_recompute,
    member_transfer,
    member_update,
    member_values_errors,
    members_create_bulk,
    members_upsert,
)
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.models import Organization
from dangjian.orgs.services import organization_create, organization_dissolve, organization_update

TODAY = timezone.localdate()
RECENT = {"joined_on": dt.date(2020, 7, 1), "converted_on": dt.date(2021, 7, 1)}


def expected_counts(organization_id: int, today: dt.date) -> dict[str, int]:
    """The organization's own active members counted one by one, independently of the SQL."""
    counts = Counter()
    for member in Member.objects.filter(organization_id=organization_id, status=MemberStatus.ACTIVE):
        counts[member.category] += 1
        age = age_on(member.birth_date, today)
        for band, _, youngest, oldest in AGE_BANDS:
            if youngest <= age <= oldest:
                counts[AGE_COLUMNS[band]] += 1
        if member.education == "":
            counts[EDUCATION_BLANK_COLUMN] += 1
        elif member.education in EDUCATION_COLUMNS:
            counts[EDUCATION_COLUMNS[member.education]] += 1
        else:
            counts[EDUCATION_OTHER_COLUMN] += 1
    return {column: counts[column] for column in COUNT_COLUMNS}


def assert_figures_true(today: dt.date = TODAY) -> None:
    stored = {row.organization_id: row for row in MemberFigures.objects.all()}
    assert stored.keys() == set(Organization.objects.values_list("id", flat=True))
    for organization in Organization.objects.with_term_postponement():
        row = stored[organization.pk]
        assert not row.stale, organization.code
        assert row.ages_on == today
        got = {column: getattr(row, column) for column in COUNT_COLUMNS}
        assert got == expected_counts(organization.pk, today), organization.code
        assert (row.path, row.kind, row.sector, row.is_active, row.has_committee, row.term_ends_on) == (
            organization.path,
            organization.kind,
            organization.sector,
            organization.is_active,
            organization.has_committee,
            organization.term_ends_on,
        )


def recompute(today: dt.date = TODAY) -> int:
    return member_figures_recompute(today=today).recomputed


def test_the_full_recompute_counts_every_organization(world):
    make_member(
        world.branch_a2, name="刘洋", education=Education.BACHELOR, birth_date=dt.date(1999, 1, 1), **RECENT
    )
    result = member_figures_recompute(full=True)
    assert result.mode == "full" and result.recomputed == Organization.objects.count()
    assert_figures_true()
    # Nothing changed: the incremental run recomputes nothing, and leaves the rows as they are.
    assert recompute() == 0
    assert_figures_true()


def test_each_member_service_marks_its_organizations_and_the_recompute_takes_only_those(world):
    member_figures_recompute(full=True)
    wang, zhao = world.members["wang"], world.members["zhao"]

    member_update(actor=None, member=wang, education=Education.POSTGRADUATE)
    assert set(MemberFigures.objects.filter(stale=True).values_list("organization_id", flat=True)) == {
        world.branch_a2.pk
    }
    assert recompute() == 1
    assert_figures_true()

    member_transfer(actor=None, member=wang, to_organization=world.branch_b1, on=TODAY)
    assert recompute() == 2  # the branch left and the branch joined
    assert_figures_true()

    del zhao
    joined = TODAY - dt.timedelta(days=400)
    probationary = make_member(world.branch_a2, name="吴敏", category=Category.PROBATIONARY, joined_on=joined)
    assert recompute() == 1
    member_convert(actor=None, member=probationary, converted_on=TODAY)
    assert recompute() == 1
    assert_figures_true()

    member_exit(actor=None, member=Member.objects.get(pk=wang.pk), kind=EventKind.DIED, on=TODAY)
    assert recompute() == 1
    assert_figures_true()


def test_the_bulk_writes_of_the_import_mark_their_organizations(world):
    member_figures_recompute(full=True)
    values = {
        "name": "陈静",
        "id_number": new_id_number(dt.date(1960, 2, 3), "F"),
        "category": Category.FULL,
        "joined_on": dt.date(1990, 7, 1),
        "converted_on": dt.date(1991, 7, 1),
        "education": Education.HIGH_SCHOOL,
        "organization": world.branch_b1,
        "group": None,
    }
    assert member_values_errors(values, organization=world.branch_b1, group=None, today=TODAY) == []
    members_create_bulk(actor=None, members=[values])
    assert recompute() == 1
    assert_figures_true()

    li = Member.objects.get(pk=world.members["li"].pk)
    li.birth_date = dt.date(1950, 1, 1)
    li.education = Education.PRIMARY_OR_BELOW
    members_upsert(actor=None, members=[li])
    assert recompute() == 1
    assert_figures_true()


def test_organization_changes_are_found_without_marks(world):
    member_figures_recompute(full=True)
    organization_update(
        actor=None,
        organization=world.branch_a1,
        has_committee=True,
        term_started_on=dt.date(2024, 1, 1),
        term_years=3,
    )
    assert recompute() == 1
    assert_figures_true()
    new = organization_create(
        actor=None,
        parent=world.township_b,
        code="TB02",
        name="乙镇北村党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.RURAL,
    )
    assert recompute() == 1  # a new organization gets its row
    assert_figures_true()
    organization_dissolve(actor=None, organization=new, dissolved_on=TODAY)
    organization_update(actor=None, organization=world.branch_a2, sector=Sector.COMMUNITY)
    assert recompute() == 2
    assert_figures_true()


def test_a_birthday_across_a_band_edge_recomputes_only_its_organization(world):
    tomorrow = TODAY + dt.timedelta(days=1)
    # Turns 30 tomorrow: born on tomorrow's date 30 years earlier.
    make_member(world.branch_b1, name="周婷", birth_date=add_years(tomorrow, -30), sex="F", **RECENT)
    member_figures_recompute(full=True)
    assert_figures_true(TODAY)
    before = MemberFigures.objects.get(pk=world.branch_b1.pk)
    assert recompute(tomorrow) == 1
    assert_figures_true(tomorrow)
    after = MemberFigures.objects.get(pk=world.branch_b1.pk)
    assert (after.age_lt30, after.age_30_39) == (before.age_lt30 - 1, before.age_30_39 + 1)


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["create", "update", "transfer", "convert", "exit", "recompute"]),
        st.integers(min_value=0, max_value=50),
        st.integers(min_value=0, max_value=50),
    ),
    max_size=8,
)


class TestAnySequenceOfServiceCalls(TestCase):
    """Whatever the member services do, one incremental recompute makes every row true."""

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(actions=ACTIONS, days_later=st.integers(min_value=0, max_value=800))
    def test_stored_equals_live(self, actions, days_later):
        world = build_world()
        member_figures_recompute(full=True)
        branches = [world.branch_a1, world.branch_a2, world.branch_b1]
        for index, (action, pick, other) in enumerate(actions):
            on_roll = list(Member.objects.filter(status=MemberStatus.ACTIVE).order_by("pk"))
            member = on_roll[pick % len(on_roll)] if on_roll else None
            if action == "create" or member is None:
                birth = dt.date(1950 + pick, 1 + other % 12, 1 + other % 28)
                make_member(
                    branches[other % 3],
                    name=f"新党员{index}",
                    birth_date=birth,
                    education=[*Education.values, ""][other % 8],
                    **RECENT,
                )
            elif action == "update":
                member_update(
                    actor=None,
                    member=member,
                    education=[*Education.values, ""][other % 8],
                )
            elif action == "transfer":
                target = branches[other % 3]
                if target.pk != member.organization_id:
                    member_transfer(actor=None, member=member, to_organization=target, on=TODAY)
            elif action == "convert":
                converted_on = add_years(member.joined_on, 1)
                if member.category == Category.PROBATIONARY and converted_on <= TODAY:
                    member_convert(actor=None, member=member, converted_on=converted_on)
            elif action == "exit":
                member_exit(actor=None, member=member, kind=EventKind.LEFT, on=TODAY)
            else:
                recompute()
        later = TODAY + dt.timedelta(days=days_later)
        recompute(later)
        assert_figures_true(later)


def test_recompute_queries_do_not_grow_with_the_changes(world):
    member_figures_recompute(full=True)
    make_member(world.branch_a2, name="甲")
    with CaptureQueriesContext(connection) as one:
        recompute()
    for name in ("乙", "丙", "丁"):
        make_member(world.branch_a1, name=name)
        make_member(world.branch_b1, name=name)
    with CaptureQueriesContext(connection) as three:
        recompute()
    assert len(three) == len(one)


def test_the_demo_data_fills_the_figures(db):
    from dangjian.demo.generator import load_demo

    load_demo("tiny", seed=3)
    assert MemberFigures.objects.count() == Organization.objects.count() > 0
    assert_figures_true()
