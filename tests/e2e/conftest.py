"""Playwright against a live server, in Debian's Chromium (never a downloaded browser).

Without /usr/bin/chromium the browser tests are skipped with a message, except on CI
(CI=true), where a missing browser fails the run: CI must exercise the browser."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("DANGJIAN_CHROMIUM", "/usr/bin/chromium"))
# Playwright's sync API runs an event loop in this thread; the test itself only touches the
# ORM between browser steps, never concurrently, so Django's async-safety guard is relaxed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() == "true":
        return  # the chromium fixture fails each browser test
    skip = pytest.mark.skip(
        reason=f"浏览器测试已跳过：未找到 {CHROMIUM}（apt-get install -y chromium fonts-wqy-microhei）"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(f"CI=true 但未找到 {CHROMIUM}：浏览器测试必须运行")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 860}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    """README screenshots go to docs/screenshots when DANGJIAN_SCREENSHOTS names it
    (`make screenshots`); otherwise they are still taken, into a temporary folder."""
    target = os.environ.get("DANGJIAN_SCREENSHOTS")
    path = Path(target) if target else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path
