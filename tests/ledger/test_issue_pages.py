"""Pages that had only services before: issuing a dispatch sheet to many organizations (by
subtree, sector, class or list, each with its deadline and person) and setting a target."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.assessment.choices import AssessmentStatus
from dangjian.assessment.models import Assessment, ChecklistTemplate
from dangjian.ledger.models import DispatchRecipient, DispatchSheet, Target
from dangjian.ledger.selectors import dispatch_candidates
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.services import organization_create

TODAY = timezone.localdate()
LATER = TODAY + dt.timedelta(days=20)


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def codes(rows):
    return [org.code for org in rows]


def test_candidates_by_subtree_sector_grade_and_list(world):
    school = organization_create(
        actor=None,
        parent=world.township_a,
        code="TA03",
        name="甲镇小学党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.SCHOOL,
    )
    template = ChecklistTemplate.objects.create(owner=world.county, sector=Sector.RURAL, year=2026, name="t")
    Assessment.objects.create(
        organization=world.branch_a2, year=2026, template=template, status=AssessmentStatus.SIGNED, grade=3
    )
    Assessment.objects.create(
        organization=world.branch_a1,
        year=2026,
        template=template,
        status=AssessmentStatus.SELF_CHECKED,
        grade=3,
    )
    user = world.users["township_a_admin"]
    pick = lambda **kw: codes(dispatch_candidates(user=user, issuer=world.township_a, **kw))  # noqa: E731
    assert pick(mode="subtree") == ["TA01", "TA02", "TA03"]
    assert pick(mode="sector", sector=Sector.SCHOOL) == [school.code]
    # Only a confirmed class counts: TA01's grade is not signed off.
    assert pick(mode="grade", grade=3, year=2026) == ["TA02"]
    assert pick(mode="list", codes=("TA01G1", "TB01", "TA")) == ["TA01G1"]
    county = world.users["county_admin"]
    assert codes(dispatch_candidates(user=county, issuer=world.county, mode="subtree")) == [
        "TA01",
        "TA02",
        "TA03",
        "TB01",
    ]


def test_issue_to_a_sector_with_a_deadline_and_person_per_recipient(world):
    client = login(world, "township_a_admin")
    url = reverse("ledger:dispatch-issue", args=["TA"])
    listed = client.get(
        url, {"mode": "sector", "sector": "rural", "deadline": LATER.isoformat(), "responsible_person": "王"}
    )
    page = listed.content.decode()
    assert (
        listed.status_code == 200
        and "甲镇东村党支部" in page
        and "甲镇西村党支部" in page
        and "乙镇" not in page
    )
    a1, a2 = world.branch_a1.pk, world.branch_a2.pk
    post = {
        "mode": "sector",
        "sector": "rural",
        "title": "整顿活动阵地",
        "pick": [str(a1), str(a2)],
        f"deadline-{a1}": LATER.isoformat(),
        f"person-{a1}": "张书记",
        f"deadline-{a2}": "",
        f"person-{a2}": "李书记",
    }
    refused = client.post(url, post)
    assert refused.status_code == 400 and "请填写有效的办理时限" in refused.content.decode()
    assert not DispatchSheet.objects.exists()
    post[f"deadline-{a2}"] = (LATER + dt.timedelta(days=5)).isoformat()
    post[f"person-{a2}"] = ""
    refused = client.post(url, post)
    assert "“甲镇西村党支部”未填写责任人" in refused.content.decode() and not DispatchSheet.objects.exists()
    post[f"person-{a2}"] = "李书记"
    assert client.post(url, post).status_code == 302
    rows = DispatchRecipient.objects.order_by("organization__path").values_list(
        "organization__code", "deadline", "responsible_person"
    )
    assert list(rows) == [("TA01", LATER, "张书记"), ("TA02", LATER + dt.timedelta(days=5), "李书记")]


def test_issue_by_list_names_codes_out_of_reach_and_leaves_unpicked_out(world):
    client = login(world, "township_a_admin")
    url = reverse("ledger:dispatch-issue", args=["TA"])
    page = client.get(url, {"mode": "list", "codes": "TA01，TB01"}).content.decode()
    assert "党组织代码“TB01”不存在、不在本级以下或不在您的授权范围内" in page and "乙镇南村" not in page
    a1 = world.branch_a1.pk
    post = {
        "mode": "list",
        "codes": "TA01 TA02",
        "title": "报送材料",
        f"deadline-{a1}": LATER.isoformat(),
        f"person-{a1}": "张",
        "pick": [str(a1)],
    }
    assert client.post(url, post).status_code == 302
    assert list(DispatchRecipient.objects.values_list("organization__code", flat=True)) == ["TA01"]


@pytest.mark.parametrize("username", ["township_b_admin", "inspector_a", "secretary_a1"])
def test_issue_page_is_closed_to_others(world, username):
    client = login(world, username)
    url = reverse("ledger:dispatch-issue", args=["TA"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"mode": "subtree", "title": "x"}).status_code == 404
    assert not DispatchSheet.objects.exists()


def test_set_a_target_by_form_and_only_the_levels_admin_may(world):
    url = reverse("ledger:target-new", args=["TA", 2026])
    assert login(world, "secretary_a1").get(url).status_code == 404
    assert login(world, "township_b_admin").post(url, {}).status_code == 404
    client = login(world, "township_a_admin")
    bad = client.post(
        url,
        {"name": "一二类", "metric": "grade_one_two_share", "comparison": "at_least", "threshold": "七十"},
    )
    assert bad.status_code == 400 and "目标值应为数字" in bad.content.decode()
    ok = client.post(
        url, {"name": "一二类", "metric": "grade_one_two_share", "comparison": "at_least", "threshold": "70"}
    )
    assert ok.status_code == 302
    target = Target.objects.get()
    assert (target.organization, target.year, target.threshold) == (world.township_a, 2026, D(70))
    assert "一二类" in client.get(reverse("ledger:targets", args=["TA", 2026])).content.decode()
