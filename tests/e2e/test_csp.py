"""Under the Content Security Policy the pages still work in Chromium: ECharts draws from the
json_script data, htmx loads the tree and the search, and the browser reports no violation."""

import pytest
from django.urls import reverse

from dangjian.core.testing.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_charts_and_htmx_work_without_policy_violations(page, world):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Security Policy" in message.text else None,
    )
    page.context.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " (e) => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )

    page.goto("/")
    page.fill("input[name=username]", "county_admin")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector(".chart svg, .chart canvas")  # ECharts drew from the json_script data

    page.goto(reverse("orgs:tree"))
    page.locator("summary").first.click()  # htmx loads the children on toggle
    page.fill("input[name=q]", world.branch_a1.code)  # htmx search as one types
    page.locator("#org-search").get_by_role("link", name=world.branch_a1.name).first.wait_for()

    page.goto(reverse("orglife:minute-book", args=[world.branch_a1.code]))
    page.get_by_role("button", name="打印").wait_for()
    assert violations == []
