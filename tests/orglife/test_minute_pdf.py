"""The minute book as a PDF: produced on the server, one page and one bookmark per current
submitted record of the year, only for users who may export the branch, logged."""

import datetime as dt
import re

from django.test import Client
from django.urls import reverse

from dangjian.core.models import AccessLog
from dangjian.orglife.minute_pdf import minute_book_pdf
from dangjian.orglife.services import AttendanceEntry, record_correct, record_create

from .conftest import hold

PAGE = re.compile(rb"/Type /Page\b(?!s)")
# Each outline entry names the page it points at: `/Dest [ <page> 0 R /Fit ]`.
OUTLINE_ENTRY = re.compile(rb"/Dest \[")


def client_for(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def url(code, year=2026):
    return reverse("orglife:minute-book-pdf", args=[code]) + f"?year={year}"


def test_pdf_has_a_page_and_a_bookmark_per_record(world):
    zhang, li = world.members["zhang"], world.members["li"]
    first = hold(
        world.branch_a1,
        dt.date(2026, 3, 5),
        "theme_day",
        "party_lecture",
        speaker_name="张建国",
        place="村委会会议室",
        minutes="<p>学习党章第一章</p><p>讨论发展党员工作</p>",
        attendance=[AttendanceEntry(zhang, "present"), AttendanceEntry(li, "leave", "外出务工")],
    )
    hold(world.branch_a1, dt.date(2026, 4, 5), "theme_day", attendance=[AttendanceEntry(zhang, "absent")])
    hold(world.branch_a1, dt.date(2026, 5, 5), "general_meeting")
    # Neither a draft, nor a replaced version, nor another year's record is in the book.
    record_create(actor=None, organization=world.branch_a1, kinds=["theme_day"], held_on=dt.date(2026, 6, 5))
    record_correct(actor=None, activity=first, reason="补记地点", place="党群服务中心")
    hold(world.branch_a1, dt.date(2025, 12, 5), "theme_day")

    response = client_for(world, "township_a_admin").get(url(world.branch_a1.code))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"%PDF-")
    assert body.rstrip().endswith(b"%%EOF")
    assert len(PAGE.findall(body)) == 3
    assert len(OUTLINE_ENTRY.findall(body)) == 3
    log = AccessLog.objects.get(kind=AccessLog.Kind.EXPORT, organization=world.branch_a1)
    assert log.detail["记录数"] == 3


def test_long_minutes_run_over_several_pages_and_an_empty_year_still_prints(world):
    hold(
        world.branch_a2,
        dt.date(2026, 7, 1),
        "theme_day",
        minutes="".join(f"<p>第{n}段发言记录。</p>" for n in range(150)),
    )
    client = client_for(world, "township_a_admin")
    body = client.get(url(world.branch_a2.code)).content
    assert len(PAGE.findall(body)) > 1
    assert len(OUTLINE_ENTRY.findall(body)) == 1
    empty = client.get(url(world.branch_a2.code, 2024)).content
    assert empty.startswith(b"%PDF-") and len(PAGE.findall(empty)) == 1 and not OUTLINE_ENTRY.findall(empty)


def test_pdf_only_within_reach_and_with_export_permission(world):
    # A township administrator of township B cannot print township A's branch.
    assert client_for(world, "township_b_admin").get(url(world.branch_a1.code)).status_code == 404
    # The secretary of A1 cannot print A2's book.
    assert client_for(world, "secretary_a1").get(url(world.branch_a2.code)).status_code == 404
    assert client_for(world, "auditor").get(url(world.branch_a1.code)).status_code in (403, 404)
    assert Client().get(url(world.branch_a1.code)).status_code == 302  # to the login page
    assert not AccessLog.objects.filter(kind=AccessLog.Kind.EXPORT).exists()


def test_pdf_function_escapes_markup_in_fields(world):
    record = hold(world.branch_a1, dt.date(2026, 8, 5), "theme_day", topic="<b>学习</b> & 讨论")
    body = minute_book_pdf([record], world.branch_a1.name, 2026)
    assert body.startswith(b"%PDF-") and len(PAGE.findall(body)) == 1
