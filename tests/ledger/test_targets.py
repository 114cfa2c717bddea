"""Targets at every level against a brute-force count written with plain loops over the
generated organizations (not with the selectors' grouped queries), and their query count."""

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.assessment.choices import AssessmentStatus
from dangjian.assessment.models import Assessment, ChecklistTemplate
from dangjian.core.exceptions import ScopeDenied
from dangjian.ledger import services as svc
from dangjian.ledger.choices import Comparison, RecipientStatus, TargetMetric
from dangjian.ledger.models import DispatchRecipient
from dangjian.ledger.selectors import target_laggards, target_progress
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.services import organization_create

_codes = itertools.count(1)
STATUSES = [AssessmentStatus.DRAFT, AssessmentStatus.SELF_CHECKED, AssessmentStatus.SIGNED]
METRICS = [
    (TargetMetric.GRADE_ONE_TWO_SHARE, Comparison.AT_LEAST, D(70)),
    (TargetMetric.GRADE_FOUR_SHARE, Comparison.BELOW, D(2)),
    (TargetMetric.CHECKLIST_COMPLETE_SHARE, Comparison.AT_LEAST, D(100)),
    (TargetMetric.DISPATCH_COMPLETED_COUNT, Comparison.AT_LEAST, D(3)),
]


def add_branch(parent, sector):
    number = next(_codes)
    return organization_create(
        actor=None,
        parent=parent,
        code=f"TG{number}",
        name=f"目标支部{number}",
        kind=OrgKind.BRANCH,
        sector=sector,
    )


def counted(metric, record):
    """record: (status, grade, dispatch completed) of one branch, judged one by one."""
    status, grade, completed = record
    if metric == TargetMetric.GRADE_ONE_TWO_SHARE:
        return status == AssessmentStatus.SIGNED and grade in (1, 2)
    if metric == TargetMetric.GRADE_FOUR_SHARE:
        return status == AssessmentStatus.SIGNED and grade == 4
    if metric == TargetMetric.CHECKLIST_COMPLETE_SHARE:
        return status in (AssessmentStatus.SELF_CHECKED, AssessmentStatus.SIGNED)
    return completed


def populate(world, plan):
    """plan: per new branch (township A?, sector, assessment record or None, dispatch completed)."""
    template = ChecklistTemplate.objects.create(owner=world.county, sector=Sector.RURAL, year=2026, name="t")
    sheet = svc.dispatch_sheet_issue(
        actor=None,
        issuer=world.county,
        title="办实事",
        assignments=[svc.Assignment(world.branch_a2, dt.date(2026, 12, 31), "p")],
        issued_on=dt.date(2026, 1, 5),
    )
    records = {}
    for in_a, sector, record, completed in plan:
        branch = add_branch(world.township_a if in_a else world.township_b, sector)
        if record is not None:
            status, grade = record
            Assessment.objects.create(
                organization=branch,
                year=2026,
                template=template,
                status=status,
                grade=grade if status == AssessmentStatus.SIGNED else None,
            )
        DispatchRecipient.objects.create(
            sheet=sheet,
            organization=branch,
            deadline=dt.date(2026, 12, 31),
            responsible_person="p",
            status=RecipientStatus.COMPLETED if completed else RecipientStatus.PENDING,
        )
        rec = (record[0], record[1], completed) if record else (None, None, completed)
        records[branch.pk] = (branch, rec)
    return records


branch_plan = st.tuples(
    st.booleans(),
    st.sampled_from([Sector.RURAL, Sector.COMMUNITY]),
    st.one_of(st.none(), st.tuples(st.sampled_from(STATUSES), st.integers(1, 4))),
    st.booleans(),
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=st.lists(branch_plan, max_size=12), sector=st.sampled_from(["", Sector.RURAL]))
def test_targets_at_each_level_equal_brute_force(world, plan, sector):
    with transaction.atomic():
        records = populate(world, plan)
        # The world's own branches count too: TA01/TA02/TB01 are rural with no assessment yet.
        for branch in (world.branch_a1, world.branch_a2, world.branch_b1):
            records[branch.pk] = (branch, (None, None, False))  # TA02 holds a pending dispatch item
        for metric, comparison, threshold in METRICS:
            target = svc.target_set(
                actor=None,
                organization=world.county,
                year=2026,
                name=str(metric),
                metric=metric,
                comparison=comparison,
                threshold=threshold,
                sector=sector,
            )
            total, children = target_progress(
                user=world.users["county_admin"], target=target, level=world.county
            )
            levels = [(total, world.county)] + [(row, row.organization) for row in children]
            for row, level in levels:
                eligible = [
                    rec
                    for branch, rec in records.values()
                    if branch.path.startswith(level.path) and (not sector or branch.sector == sector)
                ]
                numerator = sum(counted(metric, rec) for rec in eligible)
                assert row.numerator == numerator, (metric, level.code)
                if metric == TargetMetric.DISPATCH_COMPLETED_COUNT:
                    assert row.denominator is None and row.value == numerator
                else:
                    assert row.denominator == len(eligible)
                    expected = (
                        None if not eligible else (D(numerator) * 100 / len(eligible)).quantize(D("0.1"))
                    )
                    assert row.value == expected
            laggards = set(
                target_laggards(user=world.users["county_admin"], target=target, level=world.county)
            )
            if metric != TargetMetric.DISPATCH_COMPLETED_COUNT:
                holding_back = {
                    branch
                    for branch, rec in records.values()
                    if (not sector or branch.sector == sector)
                    and counted(metric, rec) != (comparison == Comparison.AT_LEAST)
                }
                assert laggards == holding_back
        transaction.set_rollback(True)


def test_target_query_count_does_not_grow_with_the_tree(world):
    county_admin = world.users["county_admin"]
    target = svc.target_set(
        actor=county_admin,
        organization=world.county,
        year=2026,
        name="一二类占比不低于70%",
        metric=TargetMetric.GRADE_ONE_TWO_SHARE,
        comparison=Comparison.AT_LEAST,
        threshold=D(70),
    )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            target_progress(user=county_admin, target=target, level=world.county)
        return len(captured)

    target_progress(user=county_admin, target=target, level=world.county)  # the grants, read once per user
    small = queries()
    populate(
        world, [(n % 2 == 0, Sector.RURAL, (AssessmentStatus.SIGNED, n % 4 + 1), True) for n in range(20)]
    )
    assert queries() == small == 3


def test_targets_are_set_by_an_admin_of_the_level_and_read_within_scope(world):
    with pytest.raises(ScopeDenied):
        svc.target_set(
            actor=world.users["secretary_a1"],
            organization=world.branch_a1,
            year=2026,
            name="x",
            metric=TargetMetric.GRADE_FOUR_SHARE,
            comparison=Comparison.BELOW,
            threshold=D(2),
        )
    target = svc.target_set(
        actor=world.users["township_a_admin"],
        organization=world.township_a,
        year=2026,
        name="自查全覆盖",
        metric=TargetMetric.CHECKLIST_COMPLETE_SHARE,
        comparison=Comparison.AT_LEAST,
        threshold=D(100),
    )
    total, children = target_progress(user=world.users["secretary_a1"], target=target, level=world.township_a)
    assert [row.organization.code for row in children] == ["TA01"]
    assert (total.numerator, total.denominator, total.met) == (0, 1, False)
