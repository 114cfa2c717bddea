"""Grading configurable per county: by score bands (test_rules), by the "five goods", or by
hand with a reason; each at the edges of its bands."""

import datetime as dt
import html
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.assessment import rules
from dangjian.assessment import services as svc
from dangjian.assessment.choices import BasicArea, GradeBasis
from dangjian.assessment.models import ChecklistTemplate
from dangjian.core.testing.world import PASSWORD

AREAS = list(BasicArea.values)
TODAY = dt.date(2026, 12, 1)


def points(*shares):
    """Area → (score, 100) for the given percentages, in the order of the five basics."""
    return {area: (D(share), D(100)) for area, share in zip(AREAS, shares, strict=False)}


@pytest.mark.parametrize(
    ("shares", "goods"),
    [
        ((80, 80, 80, 80, 80), 5),  # exactly on the line is good
        (("79.99", 80, 80, 80, 80), 4),
        ((100, 100, 0, "79.99", 80), 3),
        ((0, 0, 0, 0, 0), 0),
    ],
)
def test_a_basic_is_good_from_its_share_on_the_line(shares, goods):
    assert len(rules.good_areas(points(*shares), D(80))) == goods


def test_a_basic_without_items_is_never_good():
    assert rules.good_areas({"organization": (D(0), D(0)), "team": (D(5), D(5))}, D(80)) == ["team"]


@pytest.mark.parametrize(
    ("goods", "grade"),
    [(5, 1), (4, 2), (3, 3), (2, 4), (1, 4), (0, 4)],
)
def test_default_five_goods_classes_at_each_count(goods, grade):
    assert rules.grade_for_goods(goods) == grade


@pytest.mark.parametrize(
    ("goods", "grade"),
    [(5, 1), (4, 1), (3, 2), (2, 3), (1, 4)],
)
def test_a_county_own_five_goods_counts(goods, grade):
    assert rules.grade_for_goods(goods, rules.FiveGoods(D(70), (4, 3, 2))) == grade


@pytest.mark.parametrize(
    ("rule", "ok"),
    [
        (rules.FiveGoods(D(80), (5, 4, 3)), True),
        (rules.FiveGoods(D(100), (5, 1, 0)), True),
        (rules.FiveGoods(D(0), (5, 4, 3)), False),
        (rules.FiveGoods(D("100.01"), (5, 4, 3)), False),
        (rules.FiveGoods(D(80), (6, 4, 3)), False),
        (rules.FiveGoods(D(80), (5, 5, 3)), False),
        (rules.FiveGoods(D(80), (5, 4, -1)), False),
    ],
)
def test_five_goods_rule_must_be_sane(rule, ok):
    assert (rules.five_goods_error(rule) is None) is ok


# One item per basic, 20 points each, all manual: the assessor's scores decide the goods.
ITEMS = [svc.ItemSpec(area=area, title=f"事项{n}", points=D(20)) for n, area in enumerate(AREAS, start=1)]


def five_goods_template(world, **rule):
    return svc.checklist_template_create(
        actor=None,
        owner=world.county,
        sector="rural",
        year=2026,
        name="五好清单",
        items=ITEMS,
        grade_basis=GradeBasis.FIVE_GOODS,
        five_goods=rules.FiveGoods(**rule) if rule else rules.DEFAULT_FIVE_GOODS,
    )


def sign(world, scores, **kwargs):
    assessment = svc.assessment_start(actor=None, organization=world.branch_a1, year=2026)
    for number in range(1, 6):
        svc.self_check_record(actor=None, assessment=assessment, number=number, result="met", evidence="档案")
    svc.self_check_submit(actor=None, assessment=assessment, today=TODAY)
    for number, score in enumerate(scores, start=1):
        svc.assessment_score(actor=None, assessment=assessment, number=number, score=D(score))
    return svc.assessment_sign_off(
        actor=world.users["township_a_admin"], assessment=assessment, today=TODAY, **kwargs
    )


@pytest.mark.parametrize(
    ("scores", "grade", "goods"),
    [
        ((16, 16, 16, 16, 16), 1, 5),  # 80 % each: five goods, although the total is only 80
        ((20, 20, 20, 20, "15.5"), 2, 4),  # 97.5 % in total but one basic below the line
        ((20, 20, 20, 0, 0), 3, 3),
        ((20, 20, 0, 0, 0), 4, 2),
    ],
)
def test_sign_off_grades_by_the_five_goods(world, scores, grade, goods):
    five_goods_template(world)
    signed = sign(world, scores)
    assert (signed.grade, signed.grade_basis) == (grade, GradeBasis.FIVE_GOODS)
    assert signed.grade_reason.startswith(f"“好”{goods}项（得分率≥80%）")


def test_the_county_line_for_good_is_used(world):
    five_goods_template(world, share_min=D(70), goods_for=(5, 4, 3))
    assert sign(world, (14, 14, 14, 14, 14)).grade == 1  # 70 % each


def test_set_by_hand_needs_a_reason_whatever_the_basis(world):
    five_goods_template(world)
    with pytest.raises(ValidationError, match="人工定级须写明理由"):
        sign(world, (20, 20, 20, 20, 20), grade=3, reason="  ")
    from dangjian.assessment.models import Assessment

    signed = sign_again = Assessment.objects.get()
    assert sign_again.status == "self_checked"  # nothing half-written
    signed = svc.assessment_sign_off(
        actor=world.users["township_a_admin"],
        assessment=signed,
        today=TODAY,
        grade=3,
        reason="年内发生违纪问题",
    )
    assert (signed.grade, signed.grade_basis, signed.grade_reason) == (
        3,
        GradeBasis.MANUAL,
        "年内发生违纪问题",
    )


def test_five_goods_needs_every_basic_on_the_checklist(world):
    with pytest.raises(ValidationError, match="缺少：基本保障"):
        svc.checklist_template_create(
            actor=None,
            owner=world.county,
            sector="rural",
            year=2026,
            name="四项清单",
            items=ITEMS[:4],
            grade_basis=GradeBasis.FIVE_GOODS,
        )
    assert not ChecklistTemplate.objects.exists()


def test_a_copy_keeps_the_grading(world):
    template = five_goods_template(world, share_min=D(75), goods_for=(5, 3, 2))
    copy = svc.checklist_template_copy(actor=None, template=template, year=2027)
    assert (copy.grade_basis, copy.five_goods) == (GradeBasis.FIVE_GOODS, rules.FiveGoods(D(75), (5, 3, 2)))


def test_the_county_switches_to_five_goods_on_its_page(world, client):
    svc.checklist_defaults_install(actor=None, owner=world.county, year=2026, sectors=["rural"])
    rural = ChecklistTemplate.objects.get()
    url = reverse("assessment:template-settings", args=[rural.pk])
    form = {
        "set-name": "农村清单",
        "set-grade_one_min": "90",
        "set-grade_two_min": "75",
        "set-grade_three_min": "60",
        "set-grade_basis": "five_goods",
        "set-good_share_min": "85",
        "set-goods_for_one": "5",
        "set-goods_for_two": "5",
        "set-goods_for_three": "3",
    }
    client.login(username="county_admin", password=PASSWORD)
    bad = client.post(url, form)
    assert bad.status_code == 400
    assert "5 ≥ 一类 > 二类 > 三类 ≥ 0" in html.unescape(bad.content.decode())
    client.logout()
    client.login(username="township_a_admin", password=PASSWORD)
    assert client.post(url, form | {"set-goods_for_two": "4"}).status_code == 403
    client.logout()
    client.login(username="county_admin", password=PASSWORD)
    assert client.post(url, form | {"set-goods_for_two": "4"}).status_code == 302
    rural.refresh_from_db()
    assert (rural.grade_basis, rural.five_goods) == (GradeBasis.FIVE_GOODS, rules.FiveGoods(D(85), (5, 4, 3)))
    page = html.unescape(client.get(reverse("assessment:template", args=[rural.pk])).content.decode())
    assert "定级办法：按“五好”定级（五个方面各自得分率≥85%为“好”" in page
