"""/api/dues/: month ledger entries with filters, recording a payment, arrears; refusals in
Chinese on the field; the isolation matrix for every route."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from dangjian.api_urls import router
from dangjian.core.testing.world import make_member
from dangjian.dues.choices import DuesCategory
from dangjian.dues.models import DuesExemption, DuesMonth
from dangjian.dues.services import dues_exemption_grant, dues_month_open, dues_profile_set

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTHS = [(THIS_MONTH - dt.timedelta(days=28 * back)).replace(day=1) for back in (3, 2, 1)]


def client_for(world, username):
    client = APIClient()
    if username:
        client.force_authenticate(world.users[username])
    return client


def opened(branch, month=THIS_MONTH):
    for member in branch.members.all():
        dues_profile_set(
            actor=None,
            member=member,
            year=month.year,
            category=DuesCategory.SALARIED,
            monthly_base=Decimal("4200"),
            set_on=month,
        )
    dues_month_open(actor=None, branch=branch, month=month)
    return list(DuesMonth.objects.filter(organization=branch, month=month).order_by("id"))


PAYMENT = {"paid": "42.00", "paid_on": TODAY.isoformat(), "method": "wechat"}


def exemption_body(member_id, **changes):
    return {
        "member": member_id,
        "year": THIS_MONTH.year,
        "first_month": THIS_MONTH.month,
        "last_month": THIS_MONTH.month,
        "monthly_amount": "0.00",
        "reason": "因病生活困难",
        "branch_decided_on": TODAY.isoformat(),
        "approved_by": "甲镇党委",
        "approved_on": TODAY.isoformat(),
        **changes,
    }


def exempt(member):
    return dues_exemption_grant(
        actor=None,
        member=member,
        year=THIS_MONTH.year,
        first_month=THIS_MONTH.month,
        last_month=THIS_MONTH.month,
        monthly_amount=Decimal(0),
        reason="因病生活困难",
        branch_decided_on=TODAY,
        approved_by="甲镇党委",
        approved_on=TODAY,
    )


def routes(pk, org, member_id=1):
    return [
        ("api-dues-month-list", "get", f"/api/dues/months/?org={org}", None),
        ("api-dues-month-pay", "post", f"/api/dues/months/{pk}/pay/", PAYMENT),
        ("api-dues-arrears-list", "get", f"/api/dues/arrears/?org={org}", None),
        ("api-dues-exemption-list", "get", f"/api/dues/exemptions/?org={org}&year={THIS_MONTH.year}", None),
        ("api-dues-exemption-list", "post", "/api/dues/exemptions/", exemption_body(member_id)),
    ]


def test_matrix_covers_every_route():
    served = set()
    for _prefix, viewset, basename in router.registry:
        if basename.startswith("api-dues-"):
            for route in router.get_routes(viewset):
                for method in router.get_method_map(viewset, route.mapping):
                    served.add((route.name.format(basename=basename), method))
    assert {(name, method) for name, method, *_ in routes(1, "X")} == served


def with_arrears(branch):
    for month in LAST_MONTHS:
        opened(branch, month)
    return opened(branch)[0]


@pytest.mark.parametrize(
    "username, branch", [("township_a_admin", "branch_b1"), ("secretary_a1", "branch_a2")]
)
def test_out_of_subtree(world, username, branch):
    target = getattr(world, branch)
    entry = with_arrears(target)
    client = client_for(world, username)
    months = client.get(f"/api/dues/months/?org={target.code}")
    assert months.status_code == 200 and months.data["count"] == 0
    assert entry.pk not in [row["id"] for row in client.get("/api/dues/months/").data["results"]]
    assert client.post(f"/api/dues/months/{entry.pk}/pay/", PAYMENT, format="json").status_code == 404
    assert client.get(f"/api/dues/arrears/?org={target.code}").status_code == 404
    assert entry.member_id not in [row["member"] for row in client.get("/api/dues/arrears/").data]
    exemptions = client.get(f"/api/dues/exemptions/?org={target.code}&year={THIS_MONTH.year}")
    assert exemptions.status_code == 200 and exemptions.data["count"] == 0
    granted = client.post("/api/dues/exemptions/", exemption_body(entry.member_id), format="json")
    assert granted.status_code == 400 and "不在您的授权范围内" in granted.data["member"][0]
    entry.refresh_from_db()
    assert entry.paid == 0 and entry.due > 0 and not DuesExemption.objects.exists()


def test_inspector_reads_only(world):
    entry = with_arrears(world.branch_a1)
    client = client_for(world, "inspector_a")
    for name, method, url, body in routes(entry.pk, "TA01", entry.member_id):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == (200 if method == "get" else 403), name
    entry.refresh_from_db()
    assert entry.paid == 0 and not DuesExemption.objects.exists()


def test_auditor_sees_nothing_and_anonymous_is_refused(world):
    entry = with_arrears(world.branch_a1)
    auditor, anonymous = client_for(world, "auditor"), client_for(world, None)
    assert auditor.get("/api/dues/months/").data["count"] == 0
    assert auditor.get("/api/dues/arrears/").data == []
    assert auditor.get("/api/dues/arrears/?org=TA01").status_code == 404
    assert auditor.post(f"/api/dues/months/{entry.pk}/pay/", PAYMENT, format="json").status_code == 403
    assert auditor.get("/api/dues/exemptions/").data["count"] == 0
    body = exemption_body(entry.member_id)
    assert auditor.post("/api/dues/exemptions/", body, format="json").status_code == 403
    for _name, method, url, body in routes(entry.pk, "TA01", entry.member_id):
        assert getattr(anonymous, method)(url, body, format="json").status_code in (401, 403), url


def test_list_filters_and_pay(world):
    entry = with_arrears(world.branch_a1)
    opened(world.branch_a2)
    client = client_for(world, "township_a_admin")
    listed = client.get(f"/api/dues/months/?org=TA01&year={THIS_MONTH.year}&month={THIS_MONTH.month}")
    assert {row["member_name"] for row in listed.data["results"]} == {"张建国", "李秀英"}
    assert listed.data["results"][0]["month"] == f"{THIS_MONTH:%Y-%m}"
    assert client.get("/api/dues/months/?org=TA").data["count"] == 2 * 4 + 1
    response = client.post(f"/api/dues/months/{entry.pk}/pay/", PAYMENT, format="json")
    assert (
        response.status_code == 200
        and response.data["paid"] == "42.00"
        and response.data["method"] == "wechat"
    )
    refused = client.post(f"/api/dues/months/{entry.pk}/pay/", {**PAYMENT, "method": ""}, format="json")
    assert refused.status_code == 400 and refused.data["method"] == ["请选择交纳方式"]


def test_arrears_with_the_warning(world):
    with_arrears(world.branch_a1)
    rows = client_for(world, "township_a_admin").get("/api/dues/arrears/?org=TA").data
    assert {row["name"] for row in rows} == {"张建国", "李秀英"}
    assert all(row["months_unpaid"] == 3 and row["warning"] and not row["lapsed"] for row in rows)
    assert rows[0]["owed"] == "126.00"


def test_list_query_count_does_not_grow(world):
    client = client_for(world, "township_a_admin")
    opened(world.branch_a1)
    exempt(world.branch_a1.members.first())

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = ["/api/dues/months/?org=TA", "/api/dues/arrears/?org=TA", "/api/dues/exemptions/?org=TA"]
    [count(url) for url in urls]  # the first request loads the user's grants
    few = [count(url) for url in urls]
    for index in range(5):
        make_member(world.branch_a2, name=f"党员{index}")
    with_arrears(world.branch_a2)
    for member in world.branch_a2.members.all():
        exempt(member)
    assert DuesExemption.objects.count() >= 5
    assert [count(url) for url in urls] == few


def test_the_superior_grants_an_exemption_and_the_month_is_due_less(world):
    entry = opened(world.branch_a1)[0]
    client = client_for(world, "township_a_admin")
    created = client.post("/api/dues/exemptions/", exemption_body(entry.member_id), format="json")
    assert created.status_code == 201, created.data
    assert (created.data["org"], created.data["monthly_amount"]) == ("TA01", "0.00")
    entry.refresh_from_db()
    assert entry.due == 0
    listed = client.get(f"/api/dues/exemptions/?org=TA&year={THIS_MONTH.year}")
    assert [row["id"] for row in listed.data["results"]] == [created.data["id"]]
    assert client.get(f"/api/dues/exemptions/?year={THIS_MONTH.year - 1}").data["count"] == 0


def test_exemption_rules_refused_in_chinese(world):
    entry = opened(world.branch_a1)[0]
    admin = client_for(world, "township_a_admin")
    too_much = exemption_body(entry.member_id, monthly_amount="50.00")
    response = admin.post("/api/dues/exemptions/", too_much, format="json")
    assert response.status_code == 400 and "应少于核定的每月" in response.data["monthly_amount"][0]
    unapproved = admin.post(
        "/api/dues/exemptions/", exemption_body(entry.member_id, approved_by=""), format="json"
    )
    assert unapproved.status_code == 400 and "上一级党委批准" in unapproved.data["approved_by"][0]
    # The branch decides, the superior committee approves and records.
    own = client_for(world, "secretary_a1").post(
        "/api/dues/exemptions/", exemption_body(entry.member_id), format="json"
    )
    assert own.status_code == 403
    entry.refresh_from_db()
    assert entry.due > 0 and not DuesExemption.objects.exists()
