"""A branch secretary records an application and the talk, and sees the next step and its
deadline; the township then sees the new applicant in its pool by stage."""

import datetime as dt

import pytest
from django.utils import timezone

from dangjian.core.testing.world import PASSWORD, new_id_number
from dangjian.recruitment.models import Candidate
from dangjian.recruitment.rules import TALK_WITHIN_MONTHS, add_months

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(context, username: str):
    page = context.new_page()
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    return page


def stage_row(page, label: str):
    return page.get_by_role("table", name="按阶段统计").locator("tr", has_text=label)


def test_secretary_records_application_and_talk_township_sees_the_pool(
    chromium, live_server, world, screenshot_dir
):
    today = timezone.localdate()
    applied = today - dt.timedelta(days=6)

    township_context = chromium.new_context(base_url=live_server.url, locale="zh-CN")
    township = log_in(township_context, "township_a_admin")
    township.goto("/recruitment/org/TA/")
    assert stage_row(township, "入党申请人").locator("td").first.inner_text() == "0"

    context = chromium.new_context(base_url=live_server.url, locale="zh-CN")
    secretary = log_in(context, "secretary_a1")
    secretary.goto("/recruitment/org/TA01/")
    secretary.get_by_role("link", name="登记入党申请人").click()
    secretary.fill("input[name=name]", "周晓")
    secretary.fill("input[name=id_number]", new_id_number(dt.date(1999, 2, 3), "F"))
    secretary.fill("input[name=applied_on]", applied.isoformat())
    secretary.get_by_role("button", name="登记").click()
    secretary.wait_for_url("**/recruitment/candidate/*/")
    # The talk is due within one month of the application.
    talk_by = add_months(applied, TALK_WITHIN_MONTHS)
    upcoming = secretary.locator("li.list-group-item", has_text="党组织派人谈话").first
    assert f"最迟{talk_by:%Y-%m-%d}前完成" in upcoming.inner_text()

    upcoming.get_by_role("link", name="记录此步骤").click()
    secretary.fill("input[name=occurred_on]", today.isoformat())
    secretary.fill("input[name=talker_name]", "张建国")
    secretary.get_by_role("button", name="保存").click()
    secretary.wait_for_url("**/recruitment/candidate/*/")
    assert "已记录“党组织派人谈话”" in secretary.content()
    next_step = secretary.locator("li.list-group-item", has_text="推荐和确定入党积极分子").first
    assert next_step.is_visible()
    secretary.screenshot(path=screenshot_dir / "recruitment-timeline.png", full_page=True)
    candidate = Candidate.objects.get(name="周晓")
    assert [s.step for s in candidate.steps.all()] == ["application", "application_talk"]

    township.goto("/recruitment/org/TA/")
    assert stage_row(township, "入党申请人").locator("td").first.inner_text() == "1"
    by_child = township.get_by_role("table", name="下级党组织按阶段统计")
    assert "1" in by_child.locator("tr", has_text="甲镇东村党支部").inner_text()
    township.get_by_role("link", name="入党申请人", exact=True).click()
    township.wait_for_url("**?stage=applicant")
    listed = township.locator("a.list-group-item", has_text="周晓")
    assert "下一步：推荐和确定入党积极分子" in listed.inner_text()
    township_context.close()
    context.close()
