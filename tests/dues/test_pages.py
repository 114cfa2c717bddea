"""Dues pages: the month ledger with inline payments, opening a month, the profile form, the
arrears list with its warning, totals with drill-down, the year export; subtree isolation of
every URL and constant query counts on the ledger and the lists."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from dangjian.core.models import AccessLog
from dangjian.core.testing.world import make_member
from dangjian.dues.choices import DuesCategory
from dangjian.dues.models import DuesMonth, DuesProfile
from dangjian.dues.services import dues_month_open, dues_profile_set

D = dt.date
TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)


def login(world, username):
    client = Client()
    if username:
        client.force_login(world.users[username])
    return client


def profile(member, base="4200", year=None):
    return dues_profile_set(
        actor=None,
        member=member,
        year=year or THIS_MONTH.year,
        category=DuesCategory.SALARIED,
        monthly_base=Decimal(base),
        set_on=D(THIS_MONTH.year, 1, 5),
    )


def opened(branch, month=THIS_MONTH):
    for member in branch.members.all():
        profile(member, year=month.year)
    dues_month_open(actor=None, branch=branch, month=month)
    return list(DuesMonth.objects.filter(organization=branch, month=month).order_by("id"))


def urls_for(branch, committee, entry, member):
    gets = [
        reverse("dues:ledger", args=[branch]),
        reverse("dues:profiles", args=[branch]),
        reverse("dues:export", args=[branch, THIS_MONTH.year]),
        reverse("dues:profile", args=[member.pk]),
        reverse("dues:arrears", args=[branch]),
        reverse("dues:arrears", args=[committee]),
        reverse("dues:totals", args=[branch]),
        reverse("dues:totals", args=[committee]),
    ]
    posts = [
        reverse("dues:month-open", args=[branch]),
        reverse("dues:pay", args=[entry.pk]),
        reverse("dues:profile", args=[member.pk]),
    ]
    return gets, posts


PAYMENT = {"paid": "42.00", "paid_on": TODAY.isoformat(), "method": "cash"}


def payment(entry, **extra):
    return {f"e{entry.pk}-{key}": value for key, value in {**PAYMENT, **extra}.items()}


@pytest.mark.parametrize(
    "username, branch, committee",
    [("township_a_admin", "branch_b1", "township_b"), ("secretary_a1", "branch_a2", "township_a")],
)
def test_out_of_subtree_is_404_everywhere(world, username, branch, committee):
    target = getattr(world, branch)
    entry = opened(target)[0]
    gets, posts = urls_for(target.code, getattr(world, committee).code, entry, entry.member)
    client = login(world, username)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {**payment(entry), "category": "student"}).status_code == 404, url
    entry.refresh_from_db()
    assert entry.paid == 0 and DuesProfile.objects.get(member=entry.member).category == "salaried"


def test_in_subtree_pages_open(world):
    entry = opened(world.branch_a1)[0]
    for username in ("township_a_admin", "secretary_a1"):
        gets, _ = urls_for("TA01", "TA", entry, entry.member)
        client = login(world, username)
        for url in gets:
            if username == "secretary_a1" and "/TA/" in url:
                continue
            assert client.get(url).status_code == 200, (username, url)


def test_inspector_reads_but_cannot_write(world):
    entry = opened(world.branch_a1)[0]
    gets, posts = urls_for("TA01", "TA", entry, entry.member)
    client = login(world, "inspector_a")
    for url in gets:
        expected = 404 if "/member/" in url else 200
        assert client.get(url).status_code == expected, url
    for url in posts:
        assert client.post(url, {**payment(entry), "category": "student"}).status_code == 404, url
    entry.refresh_from_db()
    assert entry.paid == 0


def test_auditor_and_anonymous_get_nothing(world):
    entry = opened(world.branch_a1)[0]
    gets, posts = urls_for("TA01", "TA", entry, entry.member)
    auditor = login(world, "auditor")
    for url in gets + posts:
        assert auditor.get(url).status_code in (403, 404, 405), url
    assert auditor.get(reverse("dues:home")).status_code == 403
    anonymous = login(world, None)
    for url in [*gets, reverse("dues:home")]:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_home_leads_to_the_ledger_or_the_totals(world):
    assert login(world, "secretary_a1").get(reverse("dues:home"))["Location"] == reverse(
        "dues:ledger", args=["TA01"]
    )
    assert login(world, "township_a_admin").get(reverse("dues:home"))["Location"] == reverse(
        "dues:totals", args=["TA"]
    )


def test_open_a_month_needs_every_profile_then_opens(world):
    client = login(world, "secretary_a1")
    url = reverse("dues:month-open", args=["TA01"])
    response = client.post(url, {"month": f"{THIS_MONTH:%Y-%m}"}, follow=True)
    assert "尚未核定" in response.content.decode() and not DuesMonth.objects.exists()
    for member in world.branch_a1.members.all():
        profile(member)
    response = client.post(url, {"month": f"{THIS_MONTH:%Y-%m}"}, follow=True)
    page = response.content.decode()
    assert "新增2人" in page and "张建国" in page and "42.00" in page
    assert DuesMonth.objects.filter(organization=world.branch_a1).count() == 2


def test_record_a_payment_inline(world):
    entry = opened(world.branch_a1)[0]
    client = login(world, "secretary_a1")
    response = client.post(reverse("dues:pay", args=[entry.pk]), payment(entry), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "已保存" in page and "<html" not in page
    entry.refresh_from_db()
    assert (entry.paid, entry.paid_on, entry.method) == (Decimal("42.00"), TODAY, "cash")


def test_payment_refused_in_chinese_on_the_field(world):
    entry = opened(world.branch_a1)[0]
    client = login(world, "secretary_a1")
    future = (TODAY + dt.timedelta(days=3)).isoformat()
    page = client.post(
        reverse("dues:pay", args=[entry.pk]),
        payment(entry, paid_on=future, method=""),
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "交纳日期不能晚于今天" in page and "请选择交纳方式" in page
    page = client.post(
        reverse("dues:pay", args=[entry.pk]), payment(entry, paid="abc"), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "请输入一个数字" in page or "数字" in page
    entry.refresh_from_db()
    assert entry.paid == 0


def test_profile_form_valid_and_invalid(world):
    member = world.members["zhang"]
    client = login(world, "secretary_a1")
    url = reverse("dues:profile", args=[member.pk]) + f"?year={THIS_MONTH.year}"
    data = {
        "category": "salaried",
        "monthly_base": "5000.01",
        "voluntary_extra": "5",
        "set_on": TODAY.isoformat(),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert DuesProfile.objects.get(member=member, year=THIS_MONTH.year).monthly_due == Decimal("80.00")
    page = client.post(url, {**data, "category": "farmer", "fixed_amount": "2"}).content.decode()
    assert "农民党员每月交纳党费0.20元至1.00元" in page
    page = client.post(url, {**data, "monthly_base": ""}).content.decode()
    assert "请填写月收入基数" in page
    assert DuesProfile.objects.get(member=member).category == "salaried"


def test_arrears_warn_at_three_months(world):
    months = [(THIS_MONTH - dt.timedelta(days=28 * back)).replace(day=1) for back in (4, 3, 2, 1)]
    for month in months:
        opened(world.branch_a1, month)
    paid = DuesMonth.objects.filter(member=world.members["li"])
    paid.update(paid=F("due"), paid_on=TODAY)
    page = login(world, "township_a_admin").get(reverse("dues:arrears", args=["TA"])).content.decode()
    assert "张建国" in page and "李秀英" not in page and "预警" in page
    assert "连续4个月未交" in page


def test_rollup_and_drill_down(world):
    opened(world.branch_a1)
    opened(world.branch_a2)
    client = login(world, "township_a_admin")
    response = client.get(reverse("dues:totals", args=["TA"]) + f"?year={THIS_MONTH.year}")
    children = {row.organization.code: row for row in response.context["children"]}
    assert children["TA01"].due == Decimal("84.00") and children["TA02"].due == Decimal("42.00")
    assert response.context["due"] == Decimal("126.00")
    assert reverse("dues:totals", args=["TA01"]) in response.content.decode()
    county = login(world, "county_admin").get(
        reverse("dues:totals", args=["C1"]) + f"?year={THIS_MONTH.year}"
    )
    assert {row.organization.code: row.due for row in county.context["children"]} == {
        "TA": Decimal("126.00"),
        "TB": Decimal("0"),
    }
    branch = client.get(reverse("dues:totals", args=["TA01"]) + f"?year={THIS_MONTH.year}")
    assert branch.context["months"][0]["due_total"] == Decimal("84.00")


def test_year_export(world):
    entries = opened(world.branch_a1)
    client = login(world, "secretary_a1")
    client.post(reverse("dues:pay", args=[entries[0].pk]), payment(entries[0]))
    response = client.get(reverse("dues:export", args=["TA01", THIS_MONTH.year]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_name("年度台账").to_python()
    assert rows[0][0] == f"甲镇东村党支部 {THIS_MONTH.year}年党费收缴登记表"
    names = {row[0]: row for row in rows[3:]}
    assert set(names) == {"张建国", "李秀英"}
    detail = book.get_sheet_by_name("交纳明细").to_python()
    assert len(detail) == 3 and any(row[3] == 42.0 for row in detail[1:])
    assert AccessLog.objects.filter(kind="export", organization=world.branch_a1).count() == 1


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow(world):
    client = login(world, "township_a_admin")
    month = f"?month={THIS_MONTH:%Y-%m}"
    urls = [
        reverse("dues:ledger", args=["TA01"]) + month,
        reverse("dues:profiles", args=["TA01"]),
        reverse("dues:arrears", args=["TA"]),
        reverse("dues:totals", args=["TA"]),
        reverse("dues:totals", args=["TA01"]),
    ]
    opened(world.branch_a1)
    few = [count(client, url) for url in urls]
    for index in range(6):
        make_member(world.branch_a1, name=f"党员{index}")
    opened(world.branch_a1)
    opened(world.branch_a2)
    assert [count(client, url) for url in urls] == few
