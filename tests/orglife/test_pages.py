"""Organizational-life pages: forms valid and invalid, the dashboard, the exports, subtree
isolation of every URL, and constant query counts on the lists and the dashboard."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.orglife.models import Activity
from dangjian.orglife.services import AttendanceEntry, record_create
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.services import organization_create

from .conftest import hold

DAY = dt.date(2026, 3, 5)


def login(world, username):
    client = Client()
    if username:
        client.force_login(world.users[username])
    return client


def urls_for(branch_code, committee_code, record_pk, attachment_pk=None):
    gets = [
        reverse("orglife:calendar", args=[branch_code]),
        reverse("orglife:record-create", args=[branch_code]),
        reverse("orglife:minute-book", args=[branch_code]),
        reverse("orglife:minute-book-export", args=[branch_code]) + "?year=2026",
        reverse("orglife:record", args=[record_pk]),
        reverse("orglife:record-edit", args=[record_pk]),
        reverse("orglife:record-correct", args=[record_pk]),
        reverse("orglife:compliance", args=[committee_code]) + "?year=2026",
        reverse("orglife:compliance-export", args=[committee_code]) + "?year=2026",
        reverse("orglife:compliance", args=[branch_code]) + "?year=2026&quarter=1",
    ]
    posts = [
        reverse("orglife:record-create", args=[branch_code]),
        reverse("orglife:record-edit", args=[record_pk]),
        reverse("orglife:record-submit", args=[record_pk]),
        reverse("orglife:record-correct", args=[record_pk]),
        reverse("orglife:attachment-add", args=[record_pk]),
    ]
    return gets, posts


def draft(world, branch, **fields):
    fields.setdefault("topic", "学习党章")
    return record_create(actor=None, organization=branch, kinds=["theme_day"], held_on=DAY, **fields)


@pytest.mark.parametrize(
    "username, branch, committee",
    [("township_a_admin", "branch_b1", "township_b"), ("secretary_a1", "branch_a2", "township_a")],
)
def test_out_of_subtree_is_404_everywhere(world, username, branch, committee):
    target = getattr(world, branch)
    record = draft(world, target)
    gets, posts = urls_for(target.code, getattr(world, committee).code, record.pk)
    client = login(world, username)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"held_on": "2026-03-05", "kinds": ["theme_day"]}).status_code == 404, url
    assert Activity.objects.count() == 1


def test_in_subtree_pages_open(world):
    record = draft(world, world.branch_a1)
    gets, _ = urls_for("TA01", "TA", record.pk)
    for username in ("township_a_admin", "secretary_a1"):
        client = login(world, username)
        for url in gets:
            if username == "secretary_a1" and "/compliance/TA/" in url:
                continue
            # A draft is not corrected but edited: its correction page leads back to the record.
            expected = 302 if "/correct/" in url else 200
            assert client.get(url).status_code == expected, (username, url)


def test_inspector_reads_but_cannot_write(world):
    record = draft(world, world.branch_a1)
    gets, posts = urls_for("TA01", "TA", record.pk)
    client = login(world, "inspector_a")
    readable = [u for u in gets if "/new/" not in u and "/edit/" not in u and "/correct/" not in u]
    for url in readable:
        assert client.get(url).status_code == 200, url
    for url in posts:
        assert client.post(url, {"held_on": "2026-03-05", "kinds": ["theme_day"]}).status_code in (
            403,
            404,
        ), url
    record.refresh_from_db()
    assert record.status == "draft"


def test_auditor_and_anonymous_get_nothing(world):
    record = draft(world, world.branch_a1)
    gets, posts = urls_for("TA01", "TA", record.pk)
    auditor = login(world, "auditor")
    for url in gets + posts:
        assert auditor.get(url).status_code in (403, 404, 405), url
    anonymous = login(world, None)
    for url in gets:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def form_data(world, **extra):
    zhang, li = world.members["zhang"], world.members["li"]
    data = {
        "held_on": "2026-03-05",
        "start_time": "09:30",
        "place": "村委会",
        "kinds": ["theme_day", "party_lecture"],
        "host": "张建国",
        "speaker_name": "张建国",
        "topic": "学习全会精神",
        "minutes": "<p>会议记录</p><script>alert(1)</script>",
        f"att_{zhang.pk}": "present",
        f"att_{li.pk}": "leave",
        f"reason_{li.pk}": "外出务工",
        "action": "submit",
    }
    data.update(extra)
    return data


def test_secretary_records_and_submits_a_combined_sitting(world):
    client = login(world, "secretary_a1")
    response = client.post(reverse("orglife:record-create", args=["TA01"]), form_data(world))
    assert response.status_code == 302
    record = Activity.objects.get()
    assert record.status == "submitted"
    assert record.kinds == ["party_lecture", "theme_day"]
    assert "<script>" not in record.minutes
    statuses = dict(record.attendance.values_list("member__name", "status"))
    assert statuses == {"张建国": "present", "李秀英": "leave"}
    page = client.get(reverse("orglife:record", args=[record.pk])).content.decode()
    assert "外出务工" in page and "更正" in page


def test_leave_without_reason_is_refused_in_chinese(world):
    client = login(world, "secretary_a1")
    li = world.members["li"]
    response = client.post(
        reverse("orglife:record-create", args=["TA01"]), form_data(world, **{f"reason_{li.pk}": ""})
    )
    assert response.status_code == 200
    assert "李秀英：请假须填写事由" in response.content.decode()
    assert not Activity.objects.exists()


def test_missing_kinds_and_group_meeting_without_group_are_refused(world):
    client = login(world, "secretary_a1")
    response = client.post(reverse("orglife:record-create", args=["TA01"]), form_data(world, kinds=[]))
    assert "请至少选择一种活动类型" in response.content.decode()
    response = client.post(
        reverse("orglife:record-create", args=["TA01"]),
        form_data(world, kinds=["group_meeting"], action="draft"),
    )
    assert "党小组会须选择召开会议的党小组" in response.content.decode()
    assert not Activity.objects.exists()


def test_draft_saved_when_submission_is_not_yet_possible(world):
    client = login(world, "secretary_a1")
    response = client.post(reverse("orglife:record-create", args=["TA01"]), form_data(world, topic=""))
    assert "请填写主题" in response.content.decode()
    record = Activity.objects.get()
    assert record.status == "draft"
    response = client.post(reverse("orglife:record-edit", args=[record.pk]), form_data(world))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "submitted" and record.topic == "学习全会精神"


def test_correction_makes_a_new_version_and_keeps_history(world):
    record = hold(world.branch_a1, DAY, "theme_day")
    client = login(world, "secretary_a1")
    url = reverse("orglife:record-correct", args=[record.pk])
    response = client.post(url, form_data(world, topic="更正后的主题"))
    assert "请填写更正原因" in response.content.decode()
    response = client.post(url, form_data(world, topic="更正后的主题", correction_reason="主题写错"))
    assert response.status_code == 302
    new = Activity.objects.get(is_current=True)
    assert new.version == 2 and new.previous_id == record.pk and new.topic == "更正后的主题"
    page = client.get(reverse("orglife:record", args=[new.pk])).content.decode()
    assert "第1版" in page and "主题写错" in page
    # A locked version cannot be edited through the draft form.
    client.post(reverse("orglife:record-edit", args=[record.pk]), form_data(world, topic="偷改"))
    record.refresh_from_db()
    assert record.topic != "偷改"


def test_attachment_upload_checked_by_the_service(world):
    record = draft(world, world.branch_a1)
    client = login(world, "secretary_a1")
    url = reverse("orglife:attachment-add", args=[record.pk])
    fake = io.BytesIO(b"not a picture at all")
    fake.name = "photo.jpg"
    response = client.post(url, {"kind": "photo", "file": fake}, follow=True)
    assert "不是可接受的照片文件" in response.content.decode()
    png = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    png.name = "会场.png"
    client.post(url, {"kind": "photo", "file": png})
    attachment = record.attachments.get()
    download = client.get(reverse("orglife:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert (
        login(world, "township_b_admin").get(reverse("orglife:attachment", args=[attachment.pk])).status_code
        == 404
    )


def test_roster_on_the_date_lists_branch_members_only(world):
    client = login(world, "secretary_a1")
    page = client.get(reverse("orglife:record-create", args=["TA01"]) + "?date=2026-03-05").content.decode()
    assert "张建国" in page
    for member in world.members.values():
        if member.organization_id != world.branch_a1.pk:
            assert f'name="att_{member.pk}"' not in page


def test_compliance_dashboard_names_missing_items_and_drills_down(world, settings):
    hold(world.branch_a1, dt.date(2025, 2, 10), "general_meeting")
    client = login(world, "township_a_admin")
    page = client.get(reverse("orglife:compliance", args=["TA"]) + "?year=2025&quarter=1").content.decode()
    assert reverse("orglife:compliance", args=["TA01"]) in page
    assert "未完成的党支部" in page and "甲镇西村党支部" in page
    branch_page = client.get(
        reverse("orglife:compliance", args=["TA02"]) + "?year=2025&quarter=1"
    ).content.decode()
    assert "2025年第1季度 未召开党员大会" in branch_page


def test_compliance_export_and_minute_book(world):
    hold(world.branch_a1, DAY, "theme_day", "party_lecture", speaker_name="张建国", minutes="<p>第一段</p>")
    client = login(world, "inspector_a")
    response = client.get(reverse("orglife:compliance-export", args=["TA"]) + "?year=2026")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert "下级组织" in book.sheet_names
    rows = book.get_sheet_by_name("下级组织").to_python()
    assert [row[0] for row in rows[1:]] == ["TA01", "TA02"]
    response = client.get(reverse("orglife:minute-book-export", args=["TA01"]) + "?year=2026")
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_name("会议记录").to_python()
    )
    assert rows[1][0] == "2026-03-05" and "主题党日" in rows[1][2] and rows[1][12] == "第一段"
    html = client.get(reverse("orglife:minute-book", args=["TA01"]) + "?year=2026").content.decode()
    assert "2026年组织生活会议记录" in html and "第一段" in html


def grow(world, branches, records_each):
    for number in range(branches):
        branch = organization_create(
            actor=None,
            parent=world.township_a,
            code=f"TAQ{number}",
            name=f"甲镇测试第{number}党支部",
            kind=OrgKind.BRANCH,
            sector=Sector.COMMUNITY,
        )
        for index in range(records_each):
            hold(branch, dt.date(2026, 1 + index % 9, 3), "theme_day", "general_meeting")
    for index in range(records_each):
        hold(
            world.branch_a1,
            dt.date(2026, 3, 1 + index),
            "theme_day",
            attendance=[AttendanceEntry(world.members["zhang"], "present")],
        )


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow(world):
    client = login(world, "township_a_admin")
    urls = [
        reverse("orglife:compliance", args=["TA"]) + "?year=2026",
        reverse("orglife:compliance", args=["TA01"]) + "?year=2026",
        reverse("orglife:calendar", args=["TA01"]) + "?month=2026-03",
        reverse("orglife:minute-book", args=["TA01"]) + "?year=2026",
    ]
    grow(world, 1, 1)
    few = [count(client, url) for url in urls]
    grow_more = 6
    for number in range(grow_more):
        organization_create(
            actor=None,
            parent=world.township_a,
            code=f"TAR{number}",
            name=f"甲镇再建第{number}党支部",
            kind=OrgKind.BRANCH,
            sector=Sector.RURAL,
        )
    grow_world_records(world)
    many = [count(client, url) for url in urls]
    assert many == few


def grow_world_records(world):
    for index in range(5):
        hold(
            world.branch_a1,
            dt.date(2026, 3, 10 + index),
            "theme_day",
            attendance=[AttendanceEntry(world.members["zhang"], "present")],
        )
