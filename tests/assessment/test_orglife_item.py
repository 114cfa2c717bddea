"""The automatic item "组织生活达标": scored at sign-off from the branch's submitted records
of the year, judged by orglife's own rules (read only)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from dangjian.assessment import rules
from dangjian.assessment import services as svc
from dangjian.assessment.choices import ScoringMethod
from dangjian.assessment.selectors import orglife_of_year
from dangjian.orglife.choices import ActivityKind as K
from dangjian.orglife.compliance import DUE, MET, MISSED, compliance_report
from dangjian.orglife.periods import window_for
from dangjian.orglife.services import record_create, record_submit

# Signed off early in February: only January's monthly periods are over.
SIGN_OFF = dt.date(2026, 2, 10)
ITEMS = [
    svc.ItemSpec(area="activity", title="组织生活达标", points=D(20), method=ScoringMethod.AUTO_ORGLIFE),
    svc.ItemSpec(area="organization", title="支部班子健全", points=D(80)),
]


def hold(branch, day, *kinds, **fields):
    fields.setdefault("topic", "学习党章")
    activity = record_create(actor=None, organization=branch, kinds=kinds, held_on=day, **fields)
    return record_submit(actor=None, activity=activity, today=SIGN_OFF)


def signed(world, branch):
    assessment = svc.assessment_start(actor=None, organization=branch, year=2026)
    for number in (1, 2):
        svc.self_check_record(actor=None, assessment=assessment, number=number, result="met", evidence="档案")
    svc.self_check_submit(actor=None, assessment=assessment, today=dt.date(2026, 2, 1))
    assessor = world.users["township_a_admin"] if branch.path.startswith(world.township_a.path) else None
    svc.assessment_score(actor=assessor, assessment=assessment, number=2, score=D(80))
    return svc.assessment_sign_off(actor=assessor, assessment=assessment, today=SIGN_OFF)


@pytest.fixture
def january(world):
    svc.checklist_template_create(
        actor=None, owner=world.county, sector="rural", year=2026, name="农村清单", items=ITEMS
    )
    # TA01 keeps January: its theme day and its group's meeting. TA02 holds only a group-less
    # theme day in December of the year before (does not count for 2026). TB01 holds January's
    # theme day but on a draft it never submits.
    hold(world.branch_a1, dt.date(2026, 1, 8), K.THEME_DAY)
    hold(world.branch_a1, dt.date(2026, 1, 15), K.GROUP_MEETING, group=world.group_a1)
    hold(world.branch_a2, dt.date(2025, 12, 8), K.THEME_DAY)
    record_create(actor=None, organization=world.branch_b1, kinds=[K.THEME_DAY], held_on=dt.date(2026, 1, 9))


def test_a_compliant_branch_scores_the_item_and_a_non_compliant_one_does_not(world, january):
    kept = signed(world, world.branch_a1)
    missed = signed(world, world.branch_a2)
    draft_only = signed(world, world.branch_b1)
    kept_entry = kept.entries.get(item__number=1)
    assert kept_entry.score == D(20)
    assert kept_entry.assessor_evidence == "平台数据自动核验：符合"
    assert kept.total_score == D(100)
    for assessment in (missed, draft_only):
        entry = assessment.entries.get(item__number=1)
        assert entry.score == D(0)
        assert entry.assessor_evidence.startswith("平台数据自动核验：不符合（")
        assert "2026年1月" in entry.assessor_evidence and "主题党日" in entry.assessor_evidence
        assert assessment.total_score == D(80)


def test_missing_the_group_meeting_alone_fails_the_item(world, january):
    """TA01 without its group's January meeting: the branch's theme day is not enough."""
    from dangjian.orglife.models import Activity

    Activity.objects.filter(organization=world.branch_a1, group=world.group_a1).delete()
    assert signed(world, world.branch_a1).entries.get(item__number=1).score == D(0)


def test_the_item_agrees_with_the_orglife_report_of_the_year(world, january):
    """Whatever the records, the item is met exactly when the compliance report of the year,
    read on the sign-off day, has no missed period."""
    for branch in (world.branch_a1, world.branch_a2, world.branch_b1):
        report = compliance_report(organization=branch, window=window_for(2026), today=SIGN_OFF)
        year = orglife_of_year(organization=branch, year=2026, today=SIGN_OFF)
        assert year.status == report["status"]
        assert year.missing == report["missing"]
        assert rules.orglife_item_met(year.status) == (report["status"] != MISSED)


@pytest.mark.parametrize(("status", "met"), [(MET, True), (DUE, True), (MISSED, False)])
def test_a_period_still_running_is_not_held_against_the_branch(status, met):
    assert rules.orglife_item_met(status) is met


def test_the_item_is_never_scored_by_hand(world, january):
    assessment = svc.assessment_start(actor=None, organization=world.branch_a1, year=2026)
    for number in (1, 2):
        svc.self_check_record(actor=None, assessment=assessment, number=number, result="met", evidence="档案")
    svc.self_check_submit(actor=None, assessment=assessment, today=dt.date(2026, 2, 1))
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="自动计分"):
        svc.assessment_score(
            actor=world.users["township_a_admin"], assessment=assessment, number=1, score=D(20)
        )
