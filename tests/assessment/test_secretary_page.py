"""The per-secretary summary: the branch's results during the post, open rectification items
and weak-organization status, reachable from the member page and scoped by restrict."""

import datetime as dt
import html
from decimal import Decimal as D

from django.urls import reverse

from dangjian.assessment import services as svc
from dangjian.core.testing.world import PASSWORD
from dangjian.members.services import member_role_assign

ITEMS = [
    svc.ItemSpec(area="organization", title="支部班子健全", points=D(50)),
    svc.ItemSpec(area="activity", title="主题党日内容实", points=D(50)),
]


def sign(world, year, score, gap=False):
    assessment = svc.assessment_start(actor=None, organization=world.branch_a1, year=year)
    svc.self_check_record(actor=None, assessment=assessment, number=1, result="met", evidence="档案")
    if gap:
        svc.self_check_record(
            actor=None,
            assessment=assessment,
            number=2,
            result="weak",
            measure="每月固定主题党日",
            responsible_person="张建国",
            deadline=dt.date(year, 12, 31),
        )
    else:
        svc.self_check_record(actor=None, assessment=assessment, number=2, result="met", evidence="记录")
    svc.self_check_submit(actor=None, assessment=assessment, today=dt.date(year, 11, 1))
    svc.assessment_score(actor=None, assessment=assessment, number=1, score=D(50))
    svc.assessment_score(actor=None, assessment=assessment, number=2, score=D(score))
    return svc.assessment_sign_off(
        actor=world.users["township_a_admin"], assessment=assessment, today=dt.date(year, 12, 2)
    )


def page(client, username, member):
    client.login(username=username, password=PASSWORD)
    response = client.get(reverse("assessment:secretary", args=[member.pk]))
    client.logout()
    return response


def test_secretary_summary_and_its_scope(world, client):
    svc.checklist_template_create(
        actor=None, owner=world.county, sector="rural", year=2024, name="农村清单", items=ITEMS
    )
    zhang = world.members["zhang"]
    member_role_assign(
        actor=None,
        member=zhang,
        organization=world.branch_a1,
        role="secretary",
        started_on=dt.date(2025, 3, 1),
    )
    sign(world, 2024, 50)  # before the post: not the secretary's
    sign(world, 2025, 20)  # 70 % → 三类
    sign(world, 2026, 40, gap=True)  # 90 % → 一类, 晋位; its gap stays open on the ledger

    response = page(client, "township_a_admin", zhang)
    assert response.status_code == 200
    text = " ".join(html.unescape(response.content.decode()).split())
    assert "甲镇东村党支部 书记（2025-03-01 至 今）" in text
    assert "2026年" in text and "2025年" in text and "2024年" not in text
    assert "一类" in text and "晋位" in text and "三类" in text
    assert "未销号的整改事项（1）" in text and "主题党日内容实（薄弱）" in text
    assert "未被确定为软弱涣散党组织" in text

    # Reachable from the member page.
    client.login(username="township_a_admin", password=PASSWORD)
    member_page = client.get(reverse("members:detail", args=[zhang.pk])).content.decode()
    client.logout()
    assert reverse("assessment:secretary", args=[zhang.pk]) in member_page

    # Another township's administrator cannot open it; the county's can.
    assert page(client, "township_b_admin", zhang).status_code == 404
    assert page(client, "nobody", zhang).status_code == 404
    assert page(client, "county_admin", zhang).status_code == 200


def test_a_member_without_the_post_has_an_empty_summary(world, client):
    response = page(client, "county_admin", world.members["li"])
    assert "没有担任党支部书记的记录" in html.unescape(response.content.decode())
