"""The demo county's year of organizational life (loaded with the county, see
conftest.county_demo): plausible volumes, a compliance picture with all three statuses, and
the same records for the same seed."""

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Count, Q

from dangjian.demo.generator import SCALES, Rng, iter_county_plans
from dangjian.demo.orglife import plan_year_of_life
from dangjian.orglife.choices import ActivityKind, AttendanceStatus
from dangjian.orglife.compliance import DUE, MET, MISSED, rollup_of, subtree_compliance
from dangjian.orglife.models import Activity, ActivityKindEntry, Attendance
from dangjian.orglife.periods import Period, PeriodKind, period_containing
from dangjian.orglife.selectors import absence_warnings
from dangjian.orgs.choices import BRANCH_KINDS
from dangjian.orgs.models import Organization

pytestmark = pytest.mark.django_db


def test_every_branch_has_a_year_of_records_with_attendance(county_demo):
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS)
    per_branch = Counter(Activity.objects.values_list("organization_id", flat=True))
    assert set(per_branch) <= set(branches.values_list("id", flat=True))
    assert len(per_branch) >= branches.count() * 0.95
    assert sorted(per_branch.values())[len(per_branch) // 2] >= 15
    assert county_demo.activities == Activity.objects.count()
    assert county_demo.attendance == Attendance.objects.count()
    first = county_demo.as_of.replace(day=1) - dt.timedelta(days=340)
    assert not Activity.objects.filter(Q(held_on__gt=county_demo.as_of) | Q(held_on__lt=first)).exists()
    statuses = Counter(Attendance.objects.values_list("status", flat=True))
    total = sum(statuses.values())
    assert 0.75 < statuses[AttendanceStatus.PRESENT] / total < 0.95
    assert statuses[AttendanceStatus.LEAVE] and statuses[AttendanceStatus.ABSENT]
    reasons = set(
        Attendance.objects.filter(status=AttendanceStatus.LEAVE).values_list("leave_reason", flat=True)
    )
    assert {"外出务工", "生病住院"} <= reasons
    # 三日合一: 主题党日 sittings that also count as 党员大会 or 党课.
    combined = Activity.objects.annotate(
        kinds=Count("kind_entries"),
        theme=Count("kind_entries", filter=Q(kind_entries__kind=ActivityKind.THEME_DAY)),
    ).filter(kinds__gte=2, theme=1)
    assert combined.count() > branches.count()
    assert set(ActivityKindEntry.objects.values_list("kind", flat=True)) >= set(ActivityKind.values) - {
        "other"
    }
    assert (
        Activity.objects.filter(group__isnull=False)
        .exclude(kind_entries__kind=ActivityKind.GROUP_MEETING)
        .count()
        == 0
    )
    assert Activity.objects.filter(secretary_spoke=True).count() > branches.count() / 2


def test_county_compliance_tells_a_story(county_demo):
    as_of = county_demo.as_of
    current = period_containing(PeriodKind.QUARTER, as_of)
    last_index = current.index - 1 or 4
    last = Period(current.year if current.index > 1 else current.year - 1, PeriodKind.QUARTER, last_index)
    past = rollup_of(subtree_compliance(organization=county_demo.county, window=last, today=as_of).branches)
    # A quarter that is over: most branches kept every rule, some missed something.
    assert 0.45 < past.totals.met_all / past.totals.branches < 0.9
    assert past.totals.missed_any > 0
    now = rollup_of(subtree_compliance(organization=county_demo.county, window=current, today=as_of).branches)
    seen = Counter()
    for rollup in now.rules.values():
        seen.update({status: n for status, n in rollup.by_status.items()})
    assert seen[MET] and seen[DUE] and seen[MISSED]


def test_a_few_members_are_away_for_months(county_demo):
    branches = list(Organization.objects.filter(kind__in=BRANCH_KINDS))
    warned = sum(len(absence_warnings(branch, county_demo.as_of)) for branch in branches)
    assert 0 < warned < county_demo.members * 0.03


def test_same_seed_same_year_of_life(county_demo):
    (plan,) = iter_county_plans(SCALES["county"], 1, county_demo.as_of)
    life = plan_year_of_life(plan, Rng(f"1:orglife:{plan.code}"), county_demo.as_of)
    planned = sorted((a.organization.code, a.held_on, a.topic, a.place) for a in life.activities)
    stored = sorted(Activity.objects.values_list("organization__code", "held_on", "topic", "place"))
    assert planned == stored
    other = plan_year_of_life(plan, Rng(f"2:orglife:{plan.code}"), county_demo.as_of)
    assert sorted((a.organization.code, a.held_on, a.topic) for a in other.activities) != [
        s[:3] for s in stored
    ]
