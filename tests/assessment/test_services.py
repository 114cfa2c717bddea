import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from dangjian.assessment import services as svc
from dangjian.assessment.choices import AssessmentStatus, CheckResult, GradeChange, ScoringMethod, WeakStatus
from dangjian.assessment.models import Assessment
from dangjian.assessment.selectors import grade_distribution, template_applicable, weak_candidates
from dangjian.core.exceptions import ScopeDenied
from dangjian.core.models import AuditEvent
from dangjian.ledger.choices import ItemSource, ItemStatus, LedgerStatus
from dangjian.ledger.services import ledger_item_close_approve, ledger_item_close_request
from dangjian.orgs.choices import Sector

TODAY = dt.date(2026, 12, 1)
ITEMS = [
    svc.ItemSpec(area="organization", title="支部班子健全", points=D(10), evidence_required="选举结果批复"),
    svc.ItemSpec(area="activity", title="三会一课按时开展", points=D(10)),
    svc.ItemSpec(
        area="organization", title="党员人数符合设置要求", points=D(5), method=ScoringMethod.AUTO_MEMBER_COUNT
    ),
]


def make_template(
    world, owner=None, year=2026, sector=Sector.RURAL, items=ITEMS, name="农村党支部规范化清单"
):
    return svc.checklist_template_create(
        actor=world.users["county_admin"],
        owner=owner or world.county,
        sector=sector,
        year=year,
        name=name,
        items=items,
    )


def started(world, year=2026, branch=None):
    make_template(world, year=year) if template_applicable(
        organization=world.branch_a1, year=year
    ) is None else None
    return svc.assessment_start(
        actor=world.users["secretary_a1"], organization=branch or world.branch_a1, year=year
    )


def self_check_all_met(world, assessment, evidence="见附件"):
    for number in (1, 2, 3):
        svc.self_check_record(
            actor=world.users["secretary_a1"],
            assessment=assessment,
            number=number,
            result="met",
            evidence=evidence,
        )
    return svc.self_check_submit(actor=world.users["secretary_a1"], assessment=assessment, today=TODAY)


def test_deepest_owner_wins_then_latest_version_not_after_the_year(world):
    county_2025 = make_template(world, year=2025)
    county_2026 = make_template(world, year=2026)
    township_2025 = make_template(world, owner=world.township_a, year=2025, name="甲镇清单")
    cases = [
        (world.branch_a1, 2026, township_2025),  # a deeper level's older version beats the county's newer one
        (world.branch_a1, 2025, township_2025),
        (world.branch_a1, 2024, None),
        (world.branch_b1, 2026, county_2026),
        (world.branch_b1, 2027, county_2026),
        (world.branch_b1, 2025, county_2025),
        (world.branch_b1, 2024, None),
    ]
    for organization, year, expected in cases:
        assert template_applicable(organization=organization, year=year) == expected, (
            organization.code,
            year,
        )


def test_template_applies_only_to_its_sector(world):
    make_template(world, sector=Sector.COMMUNITY)
    assert template_applicable(organization=world.branch_a1, year=2026) is None


def test_templates_are_a_county_admins_business(world):
    with pytest.raises(ScopeDenied):
        svc.checklist_template_create(
            actor=world.users["township_a_admin"],
            owner=world.county,
            sector="rural",
            year=2026,
            name="x",
            items=ITEMS,
        )
    with pytest.raises(ScopeDenied):
        svc.checklist_template_create(
            actor=world.users["secretary_a1"],
            owner=world.township_a,
            sector="rural",
            year=2026,
            name="x",
            items=ITEMS,
        )
    with pytest.raises(ValidationError):
        svc.checklist_template_create(
            actor=world.users["county_admin"],
            owner=world.branch_a1,
            sector="rural",
            year=2026,
            name="x",
            items=ITEMS,
        )
    with pytest.raises(ValidationError):
        svc.checklist_template_create(
            actor=world.users["county_admin"],
            owner=world.county,
            sector="rural",
            year=2026,
            name="x",
            items=ITEMS,
            bands=(D(60), D(75), D(90)),
        )


def test_self_check_gaps_go_onto_the_ledger(world):
    assessment = started(world)
    secretary = world.users["secretary_a1"]
    svc.self_check_record(actor=secretary, assessment=assessment, number=1, result="met", evidence="批复")
    svc.self_check_record(
        actor=secretary,
        assessment=assessment,
        number=2,
        result=CheckResult.WEAK,
        measure="每月固定主题党日",
        responsible_person="张建国",
        deadline=dt.date(2026, 12, 31),
    )
    with pytest.raises(ValidationError, match="第3项未填写自查结果"):
        svc.self_check_submit(actor=secretary, assessment=assessment, today=TODAY)
    svc.self_check_record(actor=secretary, assessment=assessment, number=3, result=CheckResult.MISSING)
    with pytest.raises(ValidationError, match="第3项为“缺失”"):
        svc.self_check_submit(actor=secretary, assessment=assessment, today=TODAY)
    svc.self_check_record(
        actor=secretary,
        assessment=assessment,
        number=3,
        result=CheckResult.MISSING,
        measure="发展党员",
        responsible_person="李秀英",
        deadline=TODAY,
    )
    assessment = svc.self_check_submit(actor=secretary, assessment=assessment, today=TODAY)
    assert assessment.status == AssessmentStatus.SELF_CHECKED
    items = list(assessment.ledger.items.order_by("number"))
    assert [(i.problem, i.responsible_person, i.source) for i in items] == [
        ("三会一课按时开展（薄弱）", "张建国", ItemSource.SELF_CHECK),
        ("党员人数符合设置要求（缺失）", "李秀英", ItemSource.SELF_CHECK),
    ]
    assert assessment.entries.get(item__number=2).rectification == items[0]
    with pytest.raises(ValidationError, match="已提交"):
        svc.self_check_record(actor=secretary, assessment=assessment, number=1, result="weak")


def test_deadline_before_today_is_refused_on_submit(world):
    assessment = started(world)
    secretary = world.users["secretary_a1"]
    for number in (1, 2):
        svc.self_check_record(actor=secretary, assessment=assessment, number=number, result="met")
    svc.self_check_record(
        actor=secretary,
        assessment=assessment,
        number=3,
        result="weak",
        measure="m",
        responsible_person="p",
        deadline=TODAY - dt.timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="早于今天"):
        svc.self_check_submit(actor=secretary, assessment=assessment, today=TODAY)


def test_superior_scores_signs_off_and_grades(world):
    assessment = self_check_all_met(world, started(world), evidence="")
    township = world.users["township_a_admin"]
    with pytest.raises(ScopeDenied):  # a branch does not score itself
        svc.assessment_score(actor=world.users["secretary_a1"], assessment=assessment, number=2, score=D(10))
    with pytest.raises(ValidationError, match="第1项须有佐证材料"):
        svc.assessment_score(actor=township, assessment=assessment, number=1, score=D(10))
    svc.assessment_score(actor=township, assessment=assessment, number=1, score=D(10), evidence="查阅批复")
    with pytest.raises(ValidationError, match="第2项尚未评分"):
        svc.assessment_sign_off(actor=township, assessment=assessment, today=TODAY)
    with pytest.raises(ValidationError, match="自动计分"):
        svc.assessment_score(actor=township, assessment=assessment, number=3, score=D(5))
    svc.assessment_score(actor=township, assessment=assessment, number=2, score=D(8))
    signed = svc.assessment_sign_off(actor=township, assessment=assessment, today=TODAY)
    # TA01 has 2 full members: the automatic member-count item scores nothing.
    assert (signed.total_score, signed.max_score, signed.percent) == (D(18), D(25), D("72.00"))
    assert signed.grade == 3 and signed.grade_change == GradeChange.NEW
    assert AuditEvent.objects.filter(action="assessment.sign_off", object_id=str(signed.pk)).exists()
    with pytest.raises(ValidationError):
        svc.assessment_sign_off(actor=township, assessment=signed, today=TODAY)


def test_hand_set_grade_needs_a_reason_and_year_over_year_change(world):
    township = world.users["township_a_admin"]
    last_year = self_check_all_met(world, started(world, year=2025))
    for number, score in ((1, D(10)), (2, D(10))):
        svc.assessment_score(actor=township, assessment=last_year, number=number, score=score)
    with pytest.raises(ValidationError, match="理由"):
        svc.assessment_sign_off(actor=township, assessment=last_year, grade=4, today=TODAY)
    last_year = svc.assessment_sign_off(
        actor=township, assessment=last_year, grade=4, reason="群众反映差", today=TODAY
    )
    assert last_year.grade == 4
    this_year = self_check_all_met(world, started(world, year=2026))
    for number in (1, 2):
        svc.assessment_score(actor=township, assessment=this_year, number=number, score=D(10))
    this_year = svc.assessment_sign_off(actor=township, assessment=this_year, today=TODAY)
    assert (this_year.grade, this_year.previous_grade, this_year.grade_change) == (2, 4, GradeChange.UP)


def test_a_used_template_is_frozen_and_copied_for_a_new_year(world):
    township = world.users["township_a_admin"]
    assessment = self_check_all_met(world, started(world))
    template = assessment.template
    item = template.items.get(number=2)
    svc.checklist_item_update(actor=world.users["county_admin"], item=item, points=D(12))
    for number in (1, 2):
        svc.assessment_score(actor=township, assessment=assessment, number=number, score=D(10))
    svc.assessment_sign_off(actor=township, assessment=assessment, today=TODAY)
    with pytest.raises(ValidationError, match="复制为新年度版本"):
        svc.checklist_item_update(actor=world.users["county_admin"], item=item, points=D(15))
    copy = svc.checklist_template_copy(actor=world.users["county_admin"], template=template, year=2027)
    assert list(copy.items.values_list("title", "points")) == list(
        template.items.values_list("title", "points")
    )
    assert template_applicable(organization=world.branch_a1, year=2027) == copy


def test_scope_of_the_self_check(world):
    make_template(world)
    with pytest.raises(ScopeDenied):
        svc.assessment_start(actor=world.users["township_a_admin"], organization=world.branch_b1, year=2026)
    with pytest.raises(ScopeDenied):
        svc.assessment_start(actor=world.users["secretary_a1"], organization=world.branch_a2, year=2026)
    other = svc.assessment_start(
        actor=world.users["township_a_admin"], organization=world.branch_a2, year=2026
    )
    with pytest.raises(ScopeDenied):
        svc.self_check_record(actor=world.users["secretary_a1"], assessment=other, number=1, result="met")
    with pytest.raises(ValidationError, match="不是党支部"):
        svc.assessment_start(actor=world.users["county_admin"], organization=world.township_a, year=2026)


def test_grade_distribution_per_child_in_two_queries(world, django_assert_num_queries):
    township = world.users["township_a_admin"]
    assessment = self_check_all_met(world, started(world))
    for number in (1, 2):
        svc.assessment_score(actor=township, assessment=assessment, number=number, score=D(10))
    svc.assessment_sign_off(actor=township, assessment=assessment, today=TODAY)
    county_admin = world.users["county_admin"]
    grade_distribution(
        user=county_admin, organization=world.county, year=2026
    )  # the grants, read once per user
    with django_assert_num_queries(2):
        rows = grade_distribution(user=county_admin, organization=world.county, year=2026)
    by_code = {row.organization.code: row for row in rows}
    assert by_code["TA"].by_grade == {2: 1} and by_code["TB"].graded == 0


def test_weak_organization_identified_rectified_and_closed(world):
    township = world.users["township_a_admin"]
    secretary = world.users["secretary_a1"]
    with pytest.raises(ValidationError, match="问题类别"):
        svc.weak_org_identify(
            actor=township,
            organization=world.branch_a1,
            year=2026,
            categories=[],
            leader_name="王镇长",
            items=[],
        )
    spec = svc.RectificationSpec("班子不团结", "调整班子", "张建国", dt.date(2026, 12, 31))
    with pytest.raises(ScopeDenied):
        svc.weak_org_identify(
            actor=secretary,
            organization=world.branch_a1,
            year=2026,
            categories=["team"],
            leader_name="x",
            items=[spec],
        )
    record = svc.weak_org_identify(
        actor=township,
        organization=world.branch_a1,
        year=2026,
        categories=["team"],
        leader_name="王镇长",
        items=[spec],
        today=TODAY,
    )
    assert record.ledger.source == ItemSource.WEAK_ORG
    with pytest.raises(ValidationError, match="1项未销号"):
        svc.weak_org_recheck_request(actor=secretary, record=record)
    item = record.ledger.items.get()
    ledger_item_close_request(actor=secretary, item=item, evidence="新班子选举批复")
    ledger_item_close_approve(actor=township, item=item, today=TODAY)
    record.ledger.refresh_from_db()
    assert (
        record.ledger.status == LedgerStatus.CLOSED
        and item.__class__.objects.get().status == ItemStatus.CLOSED
    )
    with pytest.raises(ValidationError, match="申请复查"):
        svc.weak_org_close(actor=township, record=record)
    svc.weak_org_recheck_request(actor=secretary, record=record)
    with pytest.raises(ScopeDenied):
        svc.weak_org_close(actor=secretary, record=record)
    assert svc.weak_org_close(actor=township, record=record, today=TODAY).status == WeakStatus.CLOSED


def test_fourth_class_results_are_weak_candidates(world):
    township = world.users["township_a_admin"]
    assessment = self_check_all_met(world, started(world))
    for number in (1, 2):
        svc.assessment_score(actor=township, assessment=assessment, number=number, score=D(0))
    svc.assessment_sign_off(actor=township, assessment=assessment, today=TODAY)
    assert list(weak_candidates(user=township, year=2026)) == [Assessment.objects.get()]
    assert list(weak_candidates(user=world.users["township_b_admin"], year=2026)) == []
