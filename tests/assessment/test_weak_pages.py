"""Weak-organization pages: the list filtered by problem category with the 四类 candidates,
identification with categories, 包联 leader and a plan, recheck by the organization and
close-out by the superior; nothing of another township."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.assessment import services as svc
from dangjian.assessment.choices import AssessmentStatus, WeakStatus
from dangjian.assessment.models import Assessment, ChecklistTemplate, WeakOrganization
from dangjian.ledger.choices import ItemStatus
from dangjian.ledger.services import ledger_item_close_approve, ledger_item_close_request
from dangjian.orgs.choices import Sector

YEAR = 2026
LATER = timezone.localdate() + dt.timedelta(days=30)


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def plan_row(n, problem="书记缺位", measure="选派第一书记", person="王镇长", deadline=LATER):
    return {
        f"p{n}-problem": problem,
        f"p{n}-measure": measure,
        f"p{n}-responsible_person": person,
        f"p{n}-deadline": deadline.isoformat() if deadline else "",
    }


def test_identify_by_form_then_recheck_and_close(world):
    url = reverse("assessment:weak-identify", args=["TA01", YEAR])
    assert login(world, "secretary_a1").get(url).status_code == 403
    assert login(world, "township_b_admin").get(url).status_code == 404
    township = login(world, "township_a_admin")
    half = township.post(url, {"weak-leader_name": "王镇长", **plan_row(1, measure="", deadline=None)})
    page = half.content.decode()
    assert half.status_code == 400 and "第1行：本行须同时填写问题、整改措施、责任人和完成时限" in page
    none = township.post(url, {"weak-leader_name": "王镇长", **plan_row(1)})
    assert "请至少选择一个问题类别" in none.content.decode()
    assert not WeakOrganization.objects.exists()
    done = township.post(
        url,
        {
            "weak-categories": ["leader", "life"],
            "weak-leader_name": "王镇长",
            **plan_row(1),
            **plan_row(2, problem="三会一课不经常"),
        },
    )
    assert done.status_code == 302
    record = WeakOrganization.objects.get()
    assert record.categories == ["leader", "life"] and record.ledger.items.count() == 2

    listing = township.get(
        reverse("assessment:weak", args=["TA", YEAR]), {"category": "leader"}
    ).content.decode()
    assert "甲镇东村党支部" in listing and "书记长期缺职或不胜任" in listing and "2项，未销号2项" in listing
    assert (
        "甲镇东村党支部"
        not in township.get(
            reverse("assessment:weak", args=["TA", YEAR]), {"category": "conflict"}
        ).content.decode()
    )
    assert (
        "甲镇东村"
        not in login(world, "township_b_admin")
        .get(reverse("assessment:weak", args=["TB", YEAR]))
        .content.decode()
    )

    secretary = login(world, "secretary_a1")
    recheck = reverse("assessment:weak-recheck", args=[record.pk])
    follow = secretary.post(recheck, follow=True).content.decode()
    assert "整顿台账还有2项未销号，不能申请复查" in follow
    for item in record.ledger.items.all():
        ledger_item_close_request(actor=world.users["secretary_a1"], item=item, evidence="照片")
        ledger_item_close_approve(actor=world.users["township_a_admin"], item=item)
    assert secretary.post(reverse("assessment:weak-close", args=[record.pk])).status_code == 403
    record.refresh_from_db()
    assert record.status == WeakStatus.IDENTIFIED  # the branch cannot close itself out
    secretary.post(recheck)
    record.refresh_from_db()
    assert record.status == WeakStatus.RECHECK
    assert (
        login(world, "township_b_admin").post(reverse("assessment:weak-close", args=[record.pk])).status_code
        == 404
    )
    township.post(reverse("assessment:weak-close", args=[record.pk]), {"back": "TA"})
    record.refresh_from_db()
    assert (
        record.status == WeakStatus.CLOSED
        and record.ledger.items.filter(status=ItemStatus.CLOSED).count() == 2
    )


def test_grade_four_results_are_offered_as_candidates(world):
    template = ChecklistTemplate.objects.create(owner=world.county, sector=Sector.RURAL, year=YEAR, name="t")
    Assessment.objects.create(
        organization=world.branch_a2,
        year=YEAR,
        template=template,
        status=AssessmentStatus.SIGNED,
        grade=4,
        percent=41,
    )
    Assessment.objects.create(
        organization=world.branch_b1,
        year=YEAR,
        template=template,
        status=AssessmentStatus.SIGNED,
        grade=4,
        percent=30,
    )
    page = (
        login(world, "township_a_admin").get(reverse("assessment:weak", args=["TA", YEAR])).content.decode()
    )
    assert "甲镇西村党支部（41" in page and "乙镇" not in page
    svc.weak_org_identify(
        actor=None,
        organization=world.branch_a2,
        year=YEAR,
        categories=[],
        leader_name="王",
        items=[svc.RectificationSpec("x", "y", "z", LATER)],
    )
    page = (
        login(world, "township_a_admin").get(reverse("assessment:weak", args=["TA", YEAR])).content.decode()
    )
    assert "甲镇西村党支部（41" not in page and "确定为软弱涣散</a>" not in page
    assert "<td>甲镇西村党支部</td>" in page


@pytest.mark.parametrize("username", ["auditor", "nobody"])
def test_weak_pages_closed_to_users_without_reach(world, username):
    assert login(world, username).get(reverse("assessment:weak", args=["TA", YEAR])).status_code == 404
