"""Checklist templates as pages and spreadsheets: the county installs the defaults, edits an
item, copies a year, exports to .xlsx and imports it back; bad rows are named in Chinese and
nothing is written; nobody below or beside edits the county's list."""

import html
import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.assessment import services as svc
from dangjian.assessment.checklist_io import COLUMNS, template_workbook
from dangjian.assessment.models import ChecklistItem, ChecklistTemplate
from dangjian.orgs.choices import Sector

FIELDS = ("area", "title", "description", "evidence_required", "points", "method")


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def workbook(rows, header=None):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "某县农村清单（标题行）")
    sheet.write_row(1, 0, header or [label for _, label in COLUMNS])
    for index, row in enumerate(rows, start=2):
        sheet.write_row(index, 0, row)
    book.close()
    return buffer.getvalue()


def upload(client, content, name="清单.xlsx", sector="rural", year="2027"):
    return client.post(
        reverse("assessment:templates-import", args=["C1"]),
        {
            "imp-sector": sector,
            "imp-year": year,
            "imp-name": "导入清单",
            "imp-file": SimpleUploadedFile(name, content),
        },
    )


def items_of(template):
    return [tuple(getattr(i, f) for f in FIELDS) for i in template.items.order_by("number")]


def test_install_edit_copy_from_the_page(world):
    client = login(world, "county_admin")
    assert client.post(reverse("assessment:templates-install", args=["C1"])).status_code == 302
    rural = ChecklistTemplate.objects.get(owner=world.county, sector=Sector.RURAL)
    page = client.get(reverse("assessment:templates", args=["C1"])).content.decode()
    assert "农村党支部规范化建设清单" in page and "国有企业党支部规范化建设清单" in page
    url = reverse("assessment:template-item", args=[rural.pk, 4])
    item = rural.items.get(number=4)
    bad = client.post(url, {"i4-area": "team", "i4-title": "", "i4-points": "-1", "i4-method": "manual"})
    assert (
        bad.status_code == 400
        and "请填写事项" in bad.content.decode()
        and "分值须大于0" in bad.content.decode()
    )
    good = client.post(
        url,
        {
            "i4-area": "team",
            "i4-title": "书记履职尽责",
            "i4-points": "6",
            "i4-method": "manual",
            "i4-evidence_required": "述职报告",
        },
    )
    assert good.status_code == 302
    item.refresh_from_db()
    assert (item.title, str(item.points)) == ("书记履职尽责", "6.0")
    copied = client.post(reverse("assessment:template-copy", args=[rural.pk]), {"copy-year": "2099"})
    assert copied.status_code == 302
    assert items_of(
        ChecklistTemplate.objects.get(owner=world.county, sector=Sector.RURAL, year=2099)
    ) == items_of(rural)


@pytest.mark.parametrize("username", ["township_a_admin", "secretary_a1", "inspector_a"])
def test_below_the_county_the_list_is_read_not_edited(world, username):
    svc.checklist_defaults_install(actor=None, owner=world.county, year=2026, sectors=[Sector.RURAL])
    rural = ChecklistTemplate.objects.get()
    client = login(world, username)
    page = client.get(reverse("assessment:template", args=[rural.pk]))
    assert page.status_code == 200 and "保存第1项" not in page.content.decode()
    before = items_of(rural)
    response = client.post(
        reverse("assessment:template-item", args=[rural.pk, 1]),
        {"i1-area": "team", "i1-title": "改", "i1-points": "1", "i1-method": "manual"},
    )
    assert response.status_code == 403
    assert items_of(rural) == before
    assert client.post(reverse("assessment:templates-install", args=["C1"])).status_code == 404


def test_a_townships_own_list_stays_out_of_the_other_township(world):
    svc.checklist_defaults_install(actor=None, owner=world.township_a, year=2026, sectors=[Sector.RURAL])
    own = ChecklistTemplate.objects.get()
    assert (
        login(world, "township_b_admin").get(reverse("assessment:template", args=[own.pk])).status_code == 404
    )
    assert login(world, "secretary_a1").get(reverse("assessment:template", args=[own.pk])).status_code == 200


def test_export_then_import_gives_the_same_items(world):
    svc.checklist_defaults_install(actor=None, owner=world.county, year=2026, sectors=[Sector.COMMUNITY])
    original = ChecklistTemplate.objects.get()
    original.items.filter(number=3).update(title='=HYPERLINK("x")')
    client = login(world, "county_admin")
    exported = client.get(reverse("assessment:template-export", args=[original.pk]))
    assert exported.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(exported.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][0].startswith("导出人：county_admin")
    assert "=HYPERLINK" in sheet[5][2]  # kept as text, never a formula
    response = upload(client, exported.content, sector="community")
    assert response.status_code == 302
    imported = ChecklistTemplate.objects.get(year=2027)
    assert items_of(imported) == items_of(original)


def test_bad_rows_are_named_and_nothing_is_written(world):
    rows = [
        [1, "基本组织", "班子健全", "", "", 10, "人工评分（凭佐证）"],
        [2, "基本作风", "", "", "", "十", "自动：按期换届"],
        [3, "基本活动", "三会一课", "", "", 5.25, "随便"],
    ]
    response = upload(login(world, "county_admin"), workbook(rows))
    page = response.content.decode()
    assert response.status_code == 400
    for message in (
        "第4行“类别”：“基本作风”不是五个基本之一",
        "第4行“事项”：事项不能为空",
        "第4行“分值”：分值应为大于0的数字",
        "第5行“分值”：分值最多保留一位小数",
        "第5行“评分方式”：“随便”不是可用的评分方式",
    ):
        assert message in page, message
    assert not ChecklistTemplate.objects.exists() and not ChecklistItem.objects.exists()


def test_missing_columns_and_unreadable_files_are_refused_in_chinese(world):
    client = login(world, "county_admin")
    page = upload(client, workbook([["班子健全", 10]], header=["事项", "分值"])).content.decode()
    assert "缺少“类别”列" in page
    page = upload(client, b"not a spreadsheet", name="清单.xlsx").content.decode()
    assert "无法读取文件" in page
    csv = "类别,事项,分值\n基本组织,班子健全,10\n".encode("gb18030")
    assert upload(client, csv, name="清单.csv").status_code == 302
    assert ChecklistTemplate.objects.get().items.get().method == "manual"


def test_template_workbook_has_watermark_and_every_item(world):
    svc.checklist_defaults_install(actor=None, owner=world.county, year=2026, sectors=[Sector.SOE])
    content = template_workbook(ChecklistTemplate.objects.get(), world.users["county_admin"])
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert len([r for r in rows[3:] if r[2]]) == 15


def test_a_county_sets_its_own_grade_lines_and_they_grade(world):
    import datetime as dt
    from decimal import Decimal as D

    svc.checklist_defaults_install(actor=None, owner=world.county, year=2026, sectors=[Sector.RURAL])
    rural = ChecklistTemplate.objects.get()
    client = login(world, "county_admin")
    url = reverse("assessment:template-settings", args=[rural.pk])
    bad = client.post(
        url,
        {
            "set-name": "农村清单",
            "set-grade_one_min": "80",
            "set-grade_two_min": "85",
            "set-grade_three_min": "60",
        },
    )
    assert bad.status_code == 400 and "100 ≥ 一类线 > 二类线 > 三类线 > 0" in html.unescape(
        bad.content.decode()
    )
    assert (
        login(world, "township_a_admin")
        .post(
            url,
            {
                "set-name": "x",
                "set-grade_one_min": "95",
                "set-grade_two_min": "80",
                "set-grade_three_min": "60",
            },
        )
        .status_code
        == 403
    )
    ok = client.post(
        url,
        {
            "set-name": "农村清单",
            "set-grade_one_min": "95",
            "set-grade_two_min": "85",
            "set-grade_three_min": "70",
        },
    )
    assert ok.status_code == 302
    rural.refresh_from_db()
    assert rural.bands == (D(95), D(85), D(70))
    # A branch scoring 90% is 二类 under the county's own lines (一类 under the defaults).
    today = dt.date(2026, 12, 1)
    assessment = svc.assessment_start(actor=None, organization=world.branch_a1, year=2026)
    for entry in assessment.entries.select_related("item"):
        svc.self_check_record(
            actor=None, assessment=assessment, number=entry.item.number, result="met", evidence="见档案"
        )
    svc.self_check_submit(actor=None, assessment=assessment, today=today)
    manual = list(
        assessment.entries.select_related("item").filter(item__method="manual").order_by("item__number")
    )
    for index, entry in enumerate(manual):
        score = entry.item.points if index >= 2 else D(0)
        svc.assessment_score(actor=None, assessment=assessment, number=entry.item.number, score=score)
    signed = svc.assessment_sign_off(
        actor=world.users["township_a_admin"], assessment=assessment, today=today, grade=None
    )
    # Two manual items scored 0 of 5: at most 90%, 一类 under the defaults only at 90.
    assert D(80) <= signed.percent <= D(90)
    assert signed.grade == (2 if signed.percent >= 85 else 3)
    # Once a result is confirmed, the lines of that version are history.
    locked = client.post(
        url,
        {
            "set-name": "农村清单",
            "set-grade_one_min": "90",
            "set-grade_two_min": "75",
            "set-grade_three_min": "60",
        },
    )
    assert locked.status_code == 400 and "已有确认的考评结果，不能修改" in locked.content.decode()
