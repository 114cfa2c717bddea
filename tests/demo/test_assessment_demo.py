"""The demo county's standardization year (loaded with the county, see conftest.county_demo):
every branch has a checklist, last year is confirmed with a spread of classes, this year's
stages and ledgers look like a county's, the figures agree with the rules, and the targets and
dispatch sheets have something to show."""

from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Count, F, Q, Sum

from dangjian.assessment import rules
from dangjian.assessment.choices import AssessmentStatus, CheckResult, GradeChange
from dangjian.assessment.models import Assessment, AssessmentEntry, ChecklistTemplate, WeakOrganization
from dangjian.core.testing.world import make_user
from dangjian.ledger.choices import ItemStatus, RecipientStatus
from dangjian.ledger.models import DispatchRecipient, DispatchSheet, LedgerItem, Target
from dangjian.ledger.selectors import targets_at_level, targets_progress_at_level
from dangjian.orgs.choices import BRANCH_KINDS
from dangjian.orgs.models import Organization

pytestmark = pytest.mark.django_db


def test_templates_have_the_default_sizes_for_two_years(county_demo):
    year = county_demo.as_of.year
    sizes = dict(
        ChecklistTemplate.objects.filter(year=year).annotate(n=Count("items")).values_list("sector", "n")
    )
    assert sizes.get("rural") == 20
    assert ChecklistTemplate.objects.filter(year=year - 1).count() == len(sizes)
    for points in ChecklistTemplate.objects.annotate(total=Sum("items__points")).values_list(
        "total", flat=True
    ):
        assert points == Decimal(100)


def test_last_year_is_confirmed_with_every_class_and_scores_that_match(county_demo):
    year = county_demo.as_of.year - 1
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS, status="active").count()
    signed = Assessment.objects.filter(year=year, status=AssessmentStatus.SIGNED)
    assert signed.count() >= branches * 0.9
    grades = Counter(signed.values_list("grade", flat=True))
    assert set(grades) == {1, 2, 3, 4}
    assert (grades[1] + grades[2]) / signed.count() > 0.6
    for assessment in signed.select_related("template")[:60]:
        total = AssessmentEntry.objects.filter(assessment=assessment).aggregate(s=Sum("score"))["s"]
        assert total == assessment.total_score
        assert assessment.percent == rules.percent_of(total, assessment.max_score)
        assert assessment.grade == rules.grade_for(assessment.percent, assessment.template.bands)


def test_this_year_has_every_stage_and_year_over_year_changes(county_demo):
    year = county_demo.as_of.year
    stages = Counter(Assessment.objects.filter(year=year).values_list("status", flat=True))
    assert all(stages[s] for s in AssessmentStatus.values)
    changes = Counter(
        Assessment.objects.filter(year=year, status=AssessmentStatus.SIGNED).values_list(
            "grade_change", flat=True
        )
    )
    assert changes[GradeChange.UP] and changes[GradeChange.SAME] and changes[GradeChange.DOWN]


def test_every_gap_of_a_submitted_self_check_is_on_its_ledger(county_demo):
    gaps = AssessmentEntry.objects.filter(
        assessment__status__in=[AssessmentStatus.SELF_CHECKED, AssessmentStatus.SIGNED],
        self_result__in=[CheckResult.WEAK, CheckResult.MISSING],
    )
    assert gaps.exists()
    assert not gaps.filter(rectification__isnull=True).exists()
    assert not gaps.exclude(rectification__ledger__organization=F("assessment__organization")).exists()


def test_ledger_items_are_open_closed_requested_and_overdue(county_demo):
    today = county_demo.as_of
    statuses = Counter(LedgerItem.objects.values_list("status", flat=True))
    assert all(statuses[s] for s in ItemStatus.values)
    overdue = LedgerItem.objects.filter(~Q(status=ItemStatus.CLOSED), deadline__lt=today)
    assert overdue.exists()
    assert not LedgerItem.objects.filter(closed_on__gt=today).exists()


def test_weak_organizations_come_from_last_years_fours(county_demo):
    records = WeakOrganization.objects.all()
    assert records.exists()
    fours = set(
        Assessment.objects.filter(year=county_demo.as_of.year - 1, grade=4).values_list(
            "organization_id", flat=True
        )
    )
    assert set(records.values_list("organization_id", flat=True)) == fours
    assert all(r.ledger.items.exists() for r in records.select_related("ledger"))


def test_dispatch_sheets_and_targets_have_figures(county_demo):
    assert DispatchSheet.objects.count() == 2
    statuses = Counter(DispatchRecipient.objects.values_list("status", flat=True))
    assert all(statuses[s] for s in RecipientStatus.values)
    county = county_demo.county
    user = make_user("demo_superuser", is_superuser=True)
    targets = list(targets_at_level(user=user, level=county, year=county_demo.as_of.year))
    assert len(targets) == Target.objects.count() == 4
    progress = targets_progress_at_level(
        user=user, targets=targets, level=county, year=county_demo.as_of.year
    )
    one_two = progress[0]
    assert one_two.total.denominator and one_two.total.numerator
    assert one_two.children and any(row.denominator for row in one_two.children)
