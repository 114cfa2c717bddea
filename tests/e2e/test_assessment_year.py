"""The standardization year in Chromium: a branch secretary self-checks against the county's
default checklist, the weak item becomes a ledger item, the secretary asks to close it out,
the township confirms the close-out and signs the assessment off, and the county's targets
move on its targets page."""

import datetime as dt

import pytest
from django.utils import timezone

from dangjian.assessment.models import ChecklistItem
from dangjian.assessment.services import checklist_defaults_install
from dangjian.core.testing.world import PASSWORD
from dangjian.ledger.choices import ItemStatus, TargetMetric
from dangjian.ledger.models import LedgerItem
from dangjian.ledger.services import target_set
from dangjian.orgs.choices import Sector

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(chromium, live_server, username: str):
    context = chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    return page


def target_card(page, name: str):
    return page.locator(".card", has_text=name)


def test_self_check_ledger_close_out_and_the_county_target_moves(
    chromium, live_server, world, screenshot_dir
):
    year = timezone.localdate().year
    checklist_defaults_install(actor=None, owner=world.county, year=year, sectors=[Sector.RURAL])
    for name, metric in (
        ("农村党支部完成自查", TargetMetric.CHECKLIST_COMPLETE_SHARE),
        ("一二类党组织占比", TargetMetric.GRADE_ONE_TWO_SHARE),
    ):
        target_set(
            actor=None,
            organization=world.county,
            year=year,
            name=name,
            metric=metric,
            comparison="at_least",
            threshold=70,
            sector=Sector.RURAL,
        )
    county = log_in(chromium, live_server, "county_admin")
    county.goto(f"/ledger/targets/C1/{year}/")
    assert "本级：0.0%（0/3）" in target_card(county, "农村党支部完成自查").inner_text()

    # The branch self-checks: every item met with its evidence, item 5 weak with a plan.
    secretary = log_in(chromium, live_server, "secretary_a1")
    secretary.goto(f"/assessment/branch/TA01/{year}/")
    secretary.get_by_role("button", name="开始自查").click()
    secretary.wait_for_url("**/self-check/")
    for number in range(1, 21):
        secretary.select_option(f"select[name=n{number}-result]", "weak" if number == 5 else "met")
        secretary.fill(f"textarea[name=n{number}-evidence]", "会议记录与照片")
    deadline = timezone.localdate() + dt.timedelta(days=30)
    secretary.fill("textarea[name=n5-measure]", "按月开展集中学习，补齐学时")
    secretary.fill("input[name=n5-responsible_person]", "张建国")
    secretary.fill("input[name=n5-deadline]", deadline.isoformat())
    secretary.get_by_role("button", name="保存并提交自查").click()
    secretary.wait_for_url(f"**/assessment/branch/TA01/{year}/")
    assert "已自查，待考评" in secretary.content()
    secretary.get_by_role("link", name="整改台账").click()
    weak_title = ChecklistItem.objects.get(number=5).title
    assert f"{weak_title}（薄弱）" in secretary.content()
    item = LedgerItem.objects.get()
    assert (item.responsible_person, item.deadline) == ("张建国", deadline)

    county.reload()
    assert "本级：33.3%（1/3）" in target_card(county, "农村党支部完成自查").inner_text()

    # Close-out needs evidence: refused without, then requested with it.
    secretary.locator("summary", has_text="申请销号").click()
    secretary.get_by_role("button", name="申请销号").click()
    assert "没有整改佐证材料" in secretary.content()
    secretary.locator(f"input[name=c{item.pk}-evidence]").fill("学习签到表（1-11月）")
    secretary.get_by_role("button", name="申请销号").click()
    assert "已申请销号，待上级确认" in secretary.content()
    assert secretary.get_by_role("button", name="确认销号").count() == 0  # not the branch's to confirm

    township = log_in(chromium, live_server, "township_a_admin")
    township.goto(f"/ledger/{item.ledger_id}/")
    township.get_by_role("button", name="确认销号").click()
    assert "第1项已销号" in township.content()
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED and item.closed_by.username == "township_a_admin"

    # The township assesses item by item and signs off: the county's class target moves.
    township.goto(f"/assessment/branch/TA01/{year}/assess/")
    for field in township.locator("input[name$=-score]").all():
        field.fill("5")
    township.evaluate("window.scrollTo(0, 0)")  # filling left the last item in view
    township.screenshot(path=screenshot_dir / "assessment-assess.png", full_page=False)
    township.get_by_role("button", name="保存评分并确认").click()
    township.wait_for_url(f"**/assessment/branch/TA01/{year}/")
    assert "考评已确认" in township.content() and "首次定级" in township.content()

    county.reload()
    assert "本级：33.3%（1/3）" in target_card(county, "一二类党组织占比").inner_text()
    county.screenshot(path=screenshot_dir / "assessment-targets.png", full_page=True)
