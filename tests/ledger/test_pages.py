"""Assessment and ledger pages: the self-check, the assessment, the distribution, ledgers with
close-out, dispatch sheets and targets; subtree isolation of every URL; constant query counts."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.assessment import services as asvc
from dangjian.assessment.choices import AssessmentStatus
from dangjian.assessment.models import Assessment
from dangjian.assessment.rules import grade_for
from dangjian.ledger import services as lsvc
from dangjian.ledger.choices import ItemStatus, RecipientStatus
from dangjian.orgs.choices import Sector

TODAY = timezone.localdate()
YEAR = TODAY.year
LATER = TODAY + dt.timedelta(days=30)
ITEMS = [
    asvc.ItemSpec(area="organization", title="支部班子健全", points=D(10), evidence_required="选举结果批复"),
    asvc.ItemSpec(area="activity", title="三会一课按时开展", points=D(10)),
]


def login(world, username):
    client = Client()
    if username:
        client.force_login(world.users[username])
    return client


def template(world):
    for sector in (Sector.RURAL, world.branch_b1.sector, world.branch_a2.sector):
        if not world.county.checklist_templates.filter(sector=sector, year=YEAR).exists():
            asvc.checklist_template_create(
                actor=None, owner=world.county, sector=sector, year=YEAR, name="支部规范化清单", items=ITEMS
            )


def start(world, branch):
    template(world)
    return asvc.assessment_start(actor=None, organization=branch, year=YEAR)


def ledger_item(world, branch, deadline=LATER):
    ledger = lsvc.ledger_create(actor=None, organization=branch, year=YEAR, title="组织生活整改")
    return lsvc.ledger_item_add(
        actor=None,
        ledger=ledger,
        problem="三会一课不规范",
        measure="按月开展",
        responsible_person="张建国",
        deadline=deadline,
    )


def dispatch(world, issuer, recipients, deadline=LATER):
    return lsvc.dispatch_sheet_issue(
        actor=None,
        issuer=issuer,
        title="开展主题党日",
        assignments=[lsvc.Assignment(org, deadline, "李书记") for org in recipients],
    )


def urls_for(world, branch, committee):
    start(world, branch)
    item = ledger_item(world, branch)
    sheet = dispatch(world, committee, [branch])
    recipient = sheet.recipients.get()
    gets = [
        reverse("assessment:branch", args=[branch.code, YEAR]),
        reverse("assessment:distribution", args=[committee.code, YEAR]),
        reverse("ledger:list", args=[branch.code]),
        reverse("ledger:list", args=[committee.code]),
        reverse("ledger:ledger", args=[item.ledger_id]),
        reverse("ledger:dispatches", args=[branch.code]),
        reverse("ledger:dispatches", args=[committee.code]),
        reverse("ledger:sheet", args=[sheet.pk]),
        reverse("ledger:targets", args=[committee.code, YEAR]),
    ]
    writes = [
        reverse("assessment:start", args=[branch.code, YEAR + 1]),
        reverse("assessment:self-check", args=[branch.code, YEAR]),
        reverse("assessment:assess", args=[branch.code, YEAR]),
        reverse("ledger:note", args=[item.pk]),
        reverse("ledger:close-request", args=[item.pk]),
        reverse("ledger:approve", args=[item.pk]),
        reverse("ledger:return", args=[item.pk]),
        reverse("ledger:respond", args=[recipient.pk]),
    ]
    return gets, writes, item, recipient


POST = {"n1-result": "met", "n1-evidence": "批复", "note": "x", "response": "已开展", "completed": "on"}


def post_everything(client, writes, item, recipient):
    data = {
        **POST,
        f"n{item.pk}-note": "已开展",
        f"n{item.pk}-evidence": "记录",
        f"c{item.pk}-evidence": "照片",
        f"r{item.pk}-reason": "不足",
    }
    return [(url, client.post(url, data).status_code) for url in writes]


@pytest.mark.parametrize(
    "username, branch, committee",
    [("township_a_admin", "branch_b1", "township_b"), ("secretary_a1", "branch_a2", "township_a")],
)
def test_out_of_subtree_is_404_everywhere(world, username, branch, committee):
    gets, writes, item, recipient = urls_for(world, getattr(world, branch), getattr(world, committee))
    client = login(world, username)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, status in post_everything(client, writes, item, recipient):
        assert status == 404, url
    item.refresh_from_db()
    recipient.refresh_from_db()
    assert item.status == ItemStatus.OPEN and not item.notes.exists()
    assert recipient.status == RecipientStatus.PENDING
    assert not Assessment.objects.filter(year=YEAR + 1).exists()


def test_in_subtree_pages_open(world):
    gets, _, _, _ = urls_for(world, world.branch_a1, world.township_a)
    for url in gets:
        assert login(world, "township_a_admin").get(url).status_code == 200, url
    secretary = login(world, "secretary_a1")
    for url in gets:
        if "/TA/" in url or ("/dispatch/" in url and "/org/" not in url):
            continue
        assert secretary.get(url).status_code == 200, url


def test_inspector_reads_but_cannot_write(world):
    gets, writes, item, recipient = urls_for(world, world.branch_a1, world.township_a)
    client = login(world, "inspector_a")
    for url in gets:
        assert client.get(url).status_code == 200, url
    for url, status in post_everything(client, writes, item, recipient):
        assert status in (403, 404), url
    item.refresh_from_db()
    recipient.refresh_from_db()
    assert item.status == ItemStatus.OPEN and not item.notes.exists()
    assert recipient.status == RecipientStatus.PENDING


def test_auditor_and_anonymous_get_nothing(world):
    gets, writes, _item, _recipient = urls_for(world, world.branch_a1, world.township_a)
    auditor = login(world, "auditor")
    for url in gets + writes:
        assert auditor.get(url).status_code in (403, 404, 405), url
    for url in (reverse("assessment:home"), reverse("ledger:home")):
        assert auditor.get(url).status_code == 403
    anonymous = login(world, None)
    for url in [*gets, *writes, reverse("assessment:home"), reverse("ledger:home")]:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_self_check_then_assessment_and_sign_off(world):
    assessment = start(world, world.branch_a1)
    secretary = login(world, "secretary_a1")
    url = reverse("assessment:self-check", args=["TA01", YEAR])
    page = secretary.post(url, {"n1-result": "met", "n1-evidence": "批复", "n2-result": "weak", "submit": ""})
    assert "须填写整改措施、责任人和时限" in page.content.decode()
    page = secretary.post(url, {"n1-result": "met", "n2-result": "weak", "n2-deadline": "明天", "submit": ""})
    assert "请输入有效的日期" in page.content.decode()
    data = {
        "n1-result": "met",
        "n1-evidence": "批复",
        "n2-result": "weak",
        "n2-measure": "按月开展",
        "n2-responsible_person": "张建国",
        "n2-deadline": LATER.isoformat(),
        "submit": "",
    }
    assert secretary.post(url, data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SELF_CHECKED and assessment.ledger.items.count() == 1
    assert secretary.get(reverse("assessment:assess", args=["TA01", YEAR])).status_code == 403
    township = login(world, "township_a_admin")
    assess_url = reverse("assessment:assess", args=["TA01", YEAR])
    page = township.post(assess_url, {"s1-score": "11", "s2-score": "5", "sign": ""}).content.decode()
    assert "第1项得分应在0至10.0分之间" in page
    page = township.post(assess_url, {"s1-score": "10", "s2-score": "5", "sign": "", "sign-grade": "1"})
    assert "人工定级须写明理由" in page.content.decode()
    response = township.post(assess_url, {"s1-score": "10", "s2-score": "5", "sign": ""})
    assert response.status_code == 302
    assessment.refresh_from_db()
    expected = grade_for(D(75), assessment.template.bands)
    assert (assessment.status, assessment.total_score, assessment.grade) == ("signed", D(15), expected)
    page = township.get(reverse("assessment:distribution", args=["TA", YEAR])).content.decode()
    assert "甲" in page or world.branch_a1.name in page
    assert "已确认 1 个" in page


def test_ledger_close_out_by_the_superior(world):
    item = ledger_item(world, world.branch_a1)
    secretary, township = login(world, "secretary_a1"), login(world, "township_a_admin")
    page = secretary.post(reverse("ledger:close-request", args=[item.pk]), {}).content.decode()
    assert "没有整改佐证材料" in page
    page = secretary.post(reverse("ledger:note", args=[item.pk]), {f"n{item.pk}-note": ""}).content.decode()
    assert "请填写进展情况" in page
    secretary.post(
        reverse("ledger:note", args=[item.pk]),
        {f"n{item.pk}-note": "已开展", f"n{item.pk}-evidence": "会议记录"},
    )
    assert secretary.post(reverse("ledger:close-request", args=[item.pk]), {}).status_code == 302
    assert secretary.post(reverse("ledger:approve", args=[item.pk])).status_code == 403
    page = township.post(reverse("ledger:return", args=[item.pk]), {}).content.decode()
    assert "退回时请写明理由" in page
    assert township.post(reverse("ledger:approve", args=[item.pk])).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED
    page = township.post(reverse("ledger:approve", args=[item.pk]), follow=True).content.decode()
    assert "已由他人确认销号" in page


def test_overdue_item_is_red_on_the_ledger_and_the_notice(world):
    item = ledger_item(world, world.branch_a1, deadline=TODAY - dt.timedelta(days=2))
    client = login(world, "township_a_admin")
    page = client.get(reverse("ledger:ledger", args=[item.ledger_id])).content.decode()
    assert "逾期" in page and "border-danger" in page
    page = client.get(reverse("ledger:list", args=["TA"])).content.decode()
    assert "三会一课不规范" in page and "text-danger" in page


def test_dispatch_respond_and_progress(world):
    sheet = dispatch(world, world.township_a, [world.branch_a1, world.branch_a2])
    recipient = sheet.recipients.get(organization=world.branch_a1)
    secretary = login(world, "secretary_a1")
    url = reverse("ledger:respond", args=[recipient.pk])
    assert "请填写办理情况" in secretary.post(url, {"response": ""}).content.decode()
    assert secretary.post(url, {"response": "已开展", "completed": "on"}).status_code == 302
    page = login(world, "township_a_admin").get(reverse("ledger:sheet", args=[sheet.pk])).content.decode()
    assert "办结 1 个（50.0%）" in page and "已开展" in page
    assert secretary.post(url, {"response": "再报"}).status_code == 400


def test_targets_page_at_a_level_with_children(world):
    start(world, world.branch_a1)
    lsvc.target_set(
        actor=None,
        organization=world.county,
        year=YEAR,
        name="完成自查",
        metric="checklist_complete_share",
        comparison="at_least",
        threshold=D(70),
    )
    page = login(world, "township_a_admin").get(reverse("ledger:targets", args=["TA", YEAR])).content.decode()
    assert "完成自查" in page and "未达标" in page and world.branch_a1.name in page
    page = login(world, "county_admin").get(reverse("ledger:targets", args=["C1", YEAR])).content.decode()
    assert world.township_b.name in page


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_lists_take_constant_queries(world):
    client = login(world, "township_a_admin")
    start(world, world.branch_a1)
    ledger_item(world, world.branch_a1, deadline=TODAY - dt.timedelta(days=3))
    dispatch(world, world.township_a, [world.branch_a1])
    urls = [
        reverse("ledger:list", args=["TA"]),
        reverse("ledger:dispatches", args=["TA"]),
        reverse("assessment:distribution", args=["TA", YEAR]),
        reverse("ledger:dispatches", args=["TA01"]),
    ]
    few = [count_queries(client, url) for url in urls]
    for _ in range(5):
        ledger_item(world, world.branch_a2, deadline=TODAY - dt.timedelta(days=3))
        dispatch(world, world.township_a, [world.branch_a1, world.branch_a2])
        dispatch(world, world.branch_a1, [world.group_a1])
    start(world, world.branch_a2)
    many = [count_queries(client, url) for url in urls]
    assert few == many
