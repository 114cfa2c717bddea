"""A township's organization-department clerk, in Chromium, on the demo county: browse the
tree, find a member by pinyin initials, import a roster with errors, fix it, import, export.

The same run takes the README's screenshots (see `make screenshots`)."""

import datetime as dt
import io

import pytest
import xlsxwriter
from django.utils import timezone
from python_calamine import CalamineWorkbook

from dangjian.core.idnumber import build_id_number
from dangjian.demo.generator import load_demo
from dangjian.demo.logins import DEMO_PASSWORD, ensure_demo_logins
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = [
    "姓名",
    "性别",
    "民族",
    "公民身份号码",
    "学历",
    "人员类别",
    "所在党组织代码",
    "入党日期",
    "转正日期",
    "联系电话",
]


def roster(branch_code: str, *, second_id: str) -> bytes:
    rows = [
        [
            "杨春燕",
            "女",
            "汉族",
            build_id_number("532927", dt.date(1990, 3, 8), 22),
            "大学本科",
            "正式党员",
            branch_code,
            "2015.07.01",
            "2016年7月1日",
            "13987654321",
        ],
        ["段志飞", "男", "彝", second_id, "大专", "预备党员", branch_code, "2026-01-10", "", "0872-6123456"],
    ]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("党员")
    sheet.write_row(0, 0, ["兴水县党员花名册（凤峰镇）"])
    sheet.write_row(1, 0, HEADERS)
    for index, row in enumerate(rows, start=2):
        sheet.write_row(index, 0, row)
    book.close()
    return buffer.getvalue()


def upload(page, tmp_path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    page.goto("/io/")
    page.get_by_role("link", name="上传党员文件").click()
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="上传并检查").click()


@pytest.fixture
def demo_county():
    result = load_demo("county", seed=1)
    ensure_demo_logins(result.county, result.first_township, result.secretary_branch)
    return result


def test_township_admin_browses_searches_imports_and_exports(page, demo_county, tmp_path, screenshot_dir):
    township, branch = demo_county.first_township, demo_county.secretary_branch

    page.goto("/")
    page.fill("input[name=username]", "township")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector(".chart svg")  # ECharts drew the figures
    assert township.name in page.content()
    assert "中共兴水县委员会" not in page.locator("main").inner_text()  # the county is outside the grant
    page.wait_for_timeout(1500)  # let the charts' entry animation finish
    page.screenshot(path=screenshot_dir / "home.png", full_page=True)

    page.get_by_role("link", name="党组织").first.click()
    branch_link = page.get_by_role("link", name=branch.name, exact=True)
    if not branch_link.is_visible():
        # The branch sits one level further down (under a 党总支): open its parent lazily.
        parent = Organization.objects.get_parent(branch)
        page.locator("summary", has=page.get_by_role("link", name=parent.name, exact=True)).click()
    branch_link.wait_for()
    page.screenshot(path=screenshot_dir / "tree.png", full_page=True)
    page.fill("input[name=q]", branch.code)
    page.locator("#org-search").get_by_role("link", name=branch.name).first.wait_for()

    member = Member.objects.filter(organization=branch).order_by("name").first()
    initials = member.name_initials.split()[0]
    page.get_by_role("link", name="党员").first.click()
    page.fill("input[name=q]", initials)
    page.get_by_role("button", name="查询").click()
    assert page.get_by_role("link", name=member.name).count() >= 1
    assert member.id_number not in page.content()  # masked in the list
    page.screenshot(path=screenshot_dir / "members.png", full_page=True)

    # The last quarter already over: a year or quarter in progress has most branches "进行中".
    today = timezone.localdate()
    quarter = (today.month - 1) // 3
    year, quarter = (today.year, quarter) if quarter else (today.year - 1, 4)
    page.goto(f"/orglife/compliance/{township.code}/?year={year}&quarter={quarter}")
    page.wait_for_selector("[data-orglife-chart=heat] svg")
    assert "组织生活落实情况" in page.locator("h1").inner_text()
    page.wait_for_timeout(1500)
    page.screenshot(path=screenshot_dir / "compliance.png", full_page=True)

    bad_id = build_id_number("532927", dt.date(1995, 11, 2), 31)
    bad_id = bad_id[:-1] + ("0" if bad_id[-1] != "0" else "1")  # wrong check digit
    upload(page, tmp_path, "花名册.xlsx", roster(branch.code, second_id=bad_id))
    problems = page.locator("table.problems").first
    problems.wait_for()
    assert "第4行" in problems.inner_text() and "公民身份号码" in problems.inner_text()
    assert page.get_by_role("button", name="确认导入").count() == 0
    page.screenshot(path=screenshot_dir / "import.png", full_page=True)

    good_id = build_id_number("532927", dt.date(1995, 11, 2), 31)
    upload(page, tmp_path, "花名册-已修改.xlsx", roster(branch.code, second_id=good_id))
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("实际写入 2 行").wait_for()
    assert Member.objects.with_id_number(good_id).filter(organization=branch).exists()

    page.goto(f"/members/?org={branch.code}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出Excel").click()
    exported = tmp_path / "export.xlsx"
    download_info.value.save_as(exported)
    _watermark, *rows = CalamineWorkbook.from_path(str(exported)).get_sheet_by_index(0).to_python()
    id_column = rows[0].index("公民身份号码")
    exported_ids = [row[id_column] for row in rows[1:]]
    assert (
        len(exported_ids)
        == Member.objects.filter(organization__path__startswith=branch.path).active().count()
    )
    assert good_id not in exported_ids and f"{good_id[:6]}********{good_id[-4:]}" in exported_ids
