"""A branch secretary on a phone records a 主题党日 combined with a 党课, with attendance
taken by tapping names; the township's dashboard then counts the branch's 党课 as held."""

import pytest
from django.utils import timezone

from dangjian.core.testing.world import PASSWORD
from dangjian.orglife.models import Activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def log_in(context, username: str):
    page = context.new_page()
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    return page


def lecture_row(page):
    return page.locator("tr", has_text="党课每季度")


def test_secretary_records_on_a_phone_and_the_township_sees_the_lecture_held(
    chromium, live_server, world, screenshot_dir
):
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    period = f"?year={today.year}&quarter={quarter}"

    township_context = chromium.new_context(base_url=live_server.url, locale="zh-CN")
    township = log_in(township_context, "township_a_admin")
    township.goto(f"/orglife/compliance/TA/{period}")
    assert "0/2" in lecture_row(township).inner_text()  # neither branch has held its 党课 yet
    township.get_by_role("link", name="甲镇东村党支部").first.click()
    assert "进行中" in lecture_row(township).inner_text()

    phone_context = chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport=PHONE, has_touch=True
    )
    secretary = log_in(phone_context, "secretary_a1")
    secretary.goto("/orglife/branch/TA01/new/")
    secretary.fill("input[name=held_on]", today.isoformat())
    secretary.get_by_role("checkbox", name="主题党日").check()
    secretary.get_by_role("checkbox", name="党课").check()
    secretary.fill("input[name=topic]", "学习党章 · 三日合一")
    secretary.fill("input[name=speaker_name]", "张建国")
    secretary.locator(".attendance-item", has_text="张建国").locator("button").tap()
    li = secretary.locator(".attendance-item", has_text="李秀英")
    li.locator("button").tap()
    li.locator("button").tap()
    assert "请假" in li.inner_text()
    li.locator("input.leave-reason").fill("外出务工")
    secretary.screenshot(path=screenshot_dir / "orglife-record-phone.png", full_page=True)
    secretary.locator("button[name=action][value=submit]").click()
    secretary.wait_for_url("**/orglife/record/*/")

    record = Activity.objects.get(organization__code="TA01")
    assert set(record.kinds) == {"theme_day", "party_lecture"}
    attendance = {
        a.member.name: (a.status, a.leave_reason) for a in record.attendance.select_related("member")
    }
    assert attendance == {"张建国": ("present", ""), "李秀英": ("leave", "外出务工")}

    township.goto(f"/orglife/compliance/TA/{period}")
    assert "1/2" in lecture_row(township).inner_text()
    township.get_by_role("link", name="甲镇东村党支部").first.click()
    assert "已完成" in lecture_row(township).inner_text()
    township_context.close()
    phone_context.close()
