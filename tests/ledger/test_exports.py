"""Ledger and result tables as .xlsx (watermarked, text never a formula, only the own reach)
and the township's year-end report, printable, in a constant number of queries."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from dangjian.assessment import services as asvc
from dangjian.assessment.choices import AssessmentStatus
from dangjian.assessment.models import Assessment, ChecklistTemplate
from dangjian.ledger import services as lsvc
from dangjian.orgs.choices import Sector

TODAY = timezone.localdate()
YEAR = TODAY.year
LATER = TODAY + dt.timedelta(days=30)


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def rows_of(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()


def item_in(branch, problem, deadline=LATER):
    ledger = lsvc.ledger_create(actor=None, organization=branch, year=YEAR, title=f"{branch.name}台账")
    return lsvc.ledger_item_add(
        actor=None,
        ledger=ledger,
        problem=problem,
        measure="按月开展",
        responsible_person="张",
        deadline=deadline,
    )


def signed(world, branch, grade, percent):
    template, _ = ChecklistTemplate.objects.get_or_create(
        owner=world.county, sector=Sector.RURAL, year=YEAR, defaults={"name": "t"}
    )
    return Assessment.objects.create(
        organization=branch,
        year=YEAR,
        template=template,
        status=AssessmentStatus.SIGNED,
        grade=grade,
        percent=D(percent),
        total_score=D(percent),
        max_score=D(100),
        grade_change="new",
    )


def test_ledger_export_is_watermarked_formula_safe_and_scoped(world):
    item_in(world.branch_a1, "=cmd|' /C calc'!A0")
    item_in(world.branch_a2, "逾期的事项", deadline=TODAY - dt.timedelta(days=2))
    item_in(world.branch_b1, "乙镇的事项")
    rows = rows_of(login(world, "township_a_admin").get(reverse("ledger:list-export", args=["TA"])))
    assert rows[0][0].startswith("导出人：township_a_admin")
    problems = [row[4] for row in rows[3:]]
    assert sorted(problems) == sorted(["=cmd|' /C calc'!A0", "逾期的事项"])
    overdue = rows_of(
        login(world, "township_a_admin").get(reverse("ledger:list-export", args=["TA"]) + "?overdue=1")
    )
    assert [row[4] for row in overdue[3:]] == ["逾期的事项"] and overdue[3][9] == "是"
    assert login(world, "township_a_admin").get(reverse("ledger:list-export", args=["TB"])).status_code == 404


def test_formula_text_is_stored_as_text_not_formula(world):
    item_in(world.branch_a1, '=HYPERLINK("http://x")')
    content = login(world, "county_admin").get(reverse("ledger:list-export", args=["TA"])).content
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet


@pytest.mark.parametrize("username", ["auditor", "secretary_a1"])
def test_export_needs_the_export_right_or_the_reach(world, username):
    response = login(world, username).get(reverse("ledger:list-export", args=["TA"]))
    assert response.status_code in (403, 404)


def test_sheet_targets_and_results_exports(world):
    sheet = lsvc.dispatch_sheet_issue(
        actor=None,
        issuer=world.township_a,
        title="办实事",
        assignments=[
            lsvc.Assignment(world.branch_a1, LATER, "张"),
            lsvc.Assignment(world.branch_a2, LATER, "李"),
        ],
    )
    rows = rows_of(login(world, "township_a_admin").get(reverse("ledger:sheet-export", args=[sheet.pk])))
    assert [row[0] for row in rows[3:]] == ["甲镇东村党支部", "甲镇西村党支部"]
    signed(world, world.branch_a1, 1, 95)
    signed(world, world.branch_b1, 4, 40)
    lsvc.target_set(
        actor=None,
        organization=world.county,
        year=YEAR,
        name="一二类不低于70%",
        metric="grade_one_two_share",
        comparison="at_least",
        threshold=D(70),
    )
    targets = rows_of(login(world, "county_admin").get(reverse("ledger:targets-export", args=["C1", YEAR])))
    assert [row[2:6] for row in targets[3:]] == [
        ["示范县委", 1.0, 3.0, 33.3],
        ["甲镇党委", 1.0, 2.0, 50.0],
        ["乙镇党委", 0.0, 1.0, 0.0],
    ]
    results = rows_of(
        login(world, "township_a_admin").get(reverse("assessment:results-export", args=["TA", YEAR]))
    )
    assert [row[0] for row in results[3:]] == ["甲镇东村党支部"] and results[3][8] == "一类"


def test_year_report_prints_the_township_and_keeps_its_queries(world):
    client = login(world, "township_a_admin")
    url = reverse("assessment:report", args=["TA", YEAR])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        page = client.get(url)
    assert page.status_code == 200
    signed(world, world.branch_a1, 1, 95)
    signed(world, world.branch_a2, 4, 41)
    signed(world, world.branch_b1, 4, 40)
    asvc.weak_org_identify(
        actor=None,
        organization=world.branch_a2,
        year=YEAR,
        categories=["life"],
        leader_name="王镇长",
        items=[asvc.RectificationSpec("三会一课不经常", "按月开展", "李", LATER)],
    )
    item_in(world.branch_a1, "逾期", deadline=TODAY - dt.timedelta(days=1))
    lsvc.target_set(
        actor=None,
        organization=world.county,
        year=YEAR,
        name="四类低于2%",
        metric="grade_four_share",
        comparison="below",
        threshold=D(2),
    )
    with CaptureQueriesContext(connection) as many:
        text = client.get(url).content.decode()
    assert len(many) <= len(few) + 5  # the targets' own reads, once they exist
    assert "report.css" in text and "甲镇党委2026年度" in text.replace(str(YEAR), "2026")
    assert (
        "一类1个" in text
        and "四类1个" in text
        and "王镇长" in text
        and '逾期未销号<span class="bad">1</span>项' in text
    )
    assert "乙镇" not in text
    assert login(world, "township_b_admin").get(url).status_code == 404


def test_distribution_and_weak_list_exports(world):
    signed(world, world.branch_a1, 1, 95)
    signed(world, world.branch_a2, 4, 41)
    signed(world, world.branch_b1, 4, 40)
    asvc.weak_org_identify(
        actor=None,
        organization=world.branch_a2,
        year=YEAR,
        categories=["life", "leader"],
        leader_name="王镇长",
        items=[asvc.RectificationSpec("三会一课不经常", "按月开展", "李", LATER)],
    )
    county = login(world, "county_admin")
    rows = rows_of(county.get(reverse("assessment:distribution-export", args=["C1", YEAR])))
    assert rows[2][:5] == ["下级组织", "一类", "二类", "三类", "四类"]
    assert [row[:5] for row in rows[3:]] == [
        ["甲镇党委", 1.0, 0.0, 0.0, 1.0],
        ["乙镇党委", 0.0, 0.0, 0.0, 1.0],
    ]
    weak = rows_of(login(world, "township_a_admin").get(reverse("assessment:weak-export", args=["TA", YEAR])))
    # Categories in the order they were chosen.
    assert weak[3][:3] == ["甲镇西村党支部", "组织生活不经常、制度落实差；书记长期缺职或不胜任", "王镇长"]
    assert (
        login(world, "township_b_admin").get(reverse("assessment:weak-export", args=["TA", YEAR])).status_code
        == 404
    )
    assert (
        login(world, "auditor").get(reverse("assessment:distribution-export", args=["C1", YEAR])).status_code
        == 404
    )
