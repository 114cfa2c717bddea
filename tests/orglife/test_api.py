"""/api/orglife/: records and compliance. Isolation matrices cover every orglife route and
method (checked against the router), then the record life cycle and constant query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from dangjian.api_urls import router
from dangjian.core.models import AuditEvent
from dangjian.orglife.models import Activity
from dangjian.orglife.services import AttendanceEntry, record_create

from .conftest import hold

DAY = dt.date(2026, 3, 5)
BODY = {"held_on": "2026-03-05", "kinds": ["theme_day"], "topic": "改"}
CORRECTION = {"reason": "更正", "topic": "改"}


def client_for(world, username):
    client = APIClient()
    if username:
        client.force_login(world.users[username])
    return client


def records(world, branch):
    """A draft and a submitted record of `branch`, as {draft} and {submitted} for the urls."""
    draft = record_create(actor=None, organization=branch, kinds=["theme_day"], held_on=DAY, topic="草稿")
    submitted = hold(branch, DAY, "general_meeting")
    return {"draft": draft.pk, "submitted": submitted.pk}


# (route, method, url, body) reaching into another subtree: each must be refused without data.
def foreign(code):
    return [
        ("api-orglife-record-list", "post", "/api/orglife/records/", {"org": code, **BODY}),
        ("api-orglife-record-detail", "get", "/api/orglife/records/{draft}/", None),
        ("api-orglife-record-detail", "put", "/api/orglife/records/{draft}/", BODY),
        ("api-orglife-record-detail", "patch", "/api/orglife/records/{draft}/", {"topic": "改"}),
        ("api-orglife-record-submit", "post", "/api/orglife/records/{draft}/submit/", {}),
        ("api-orglife-record-correct", "post", "/api/orglife/records/{submitted}/correct/", CORRECTION),
        ("api-orglife-compliance-detail", "get", f"/api/orglife/compliance/{code}/?year=2026", None),
    ]


LIST = ("api-orglife-record-list", "get")


def orglife_routes():
    routes = set()
    for _prefix, viewset, basename in router.registry:
        if not basename.startswith("api-orglife-"):
            continue
        for route in router.get_routes(viewset):
            for method in router.get_method_map(viewset, route.mapping):
                routes.add((route.name.format(basename=basename), method))
    return routes


def test_matrix_covers_every_orglife_route():
    assert {(name, method) for name, method, *_ in foreign("TB01")} | {LIST} == orglife_routes()


def state():
    return list(Activity.objects.order_by("pk").values()), AuditEvent.objects.count()


@pytest.mark.parametrize(
    ("username", "branch", "secret"),
    [("township_a_admin", "branch_b1", "乙镇"), ("secretary_a1", "branch_a2", "西村")],
)
def test_other_subtree_is_unreachable(world, username, branch, secret):
    target = getattr(world, branch)
    ids = records(world, target)
    client = client_for(world, username)
    before = state()
    for _route, method, url, body in foreign(target.code):
        url = url.format(**ids)
        response = getattr(client, method)(url, body, format="json") if body is not None else client.get(url)
        assert response.status_code in (400, 404), (url, response.status_code)
        assert secret not in response.content.decode().replace(f"“{target.code}”", ""), url
    assert state() == before
    listed = client.get("/api/orglife/records/").json()["results"]
    assert (listed and all(row["org"] != target.code for row in listed)) or not listed
    assert client.get(f"/api/orglife/records/?org={target.code}").json()["results"] == []


def test_inspector_reads_and_cannot_write(world):
    ids = records(world, world.branch_a1)
    client = client_for(world, "inspector_a")
    before = state()
    for _route, method, url, body in foreign("TA01"):
        url = url.format(**ids)
        response = getattr(client, method)(url, body, format="json") if body is not None else client.get(url)
        assert response.status_code == (200 if method == "get" else 403), url
    assert state() == before
    assert len(client.get("/api/orglife/records/").json()["results"]) == 2


def test_auditor_sees_nothing_and_anonymous_is_refused(world):
    ids = records(world, world.branch_a1)
    auditor = client_for(world, "auditor")
    assert auditor.get("/api/orglife/records/").json()["results"] == []
    assert auditor.get(f"/api/orglife/records/{ids['draft']}/").status_code == 404
    assert auditor.get("/api/orglife/compliance/TA/").status_code == 404
    anonymous = client_for(world, None)
    for _route, method, url, body in [*foreign("TA01"), (None, "get", "/api/orglife/records/", None)]:
        url = url.format(**ids)
        response = (
            getattr(anonymous, method)(url, body, format="json") if body is not None else anonymous.get(url)
        )
        assert response.status_code in (401, 403), url


def test_record_life_cycle(world):
    client = client_for(world, "secretary_a1")
    zhang, li = world.members["zhang"], world.members["li"]
    response = client.post(
        "/api/orglife/records/",
        {
            "org": "TA01",
            "held_on": "2026-03-05",
            "start_time": "09:00",
            "kinds": ["theme_day", "party_lecture"],
            "speaker_member": zhang.pk,
            "attendance": [
                {"member": zhang.pk, "status": "present"},
                {"member": li.pk, "status": "leave", "leave_reason": ""},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "李秀英：请假须填写事由" in response.content.decode()
    response = client.post(
        "/api/orglife/records/",
        {
            "org": "TA01",
            "held_on": "2026-03-05",
            "kinds": ["theme_day", "party_lecture"],
            "speaker_member": zhang.pk,
        },
        format="json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    assert response.json()["status"] == "draft"
    response = client.post(f"/api/orglife/records/{pk}/submit/")
    assert response.status_code == 400 and response.json() == {"topic": ["请填写主题"]}
    assert client.patch(f"/api/orglife/records/{pk}/", {"topic": "学习"}, format="json").status_code == 200
    response = client.post(f"/api/orglife/records/{pk}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert client.patch(f"/api/orglife/records/{pk}/", {"topic": "改"}, format="json").status_code == 400
    response = client.post(f"/api/orglife/records/{pk}/correct/", {"topic": "学习（更正）"}, format="json")
    assert response.json() == {"reason": ["请填写更正原因"]}
    response = client.post(
        f"/api/orglife/records/{pk}/correct/", {"reason": "主题补全", "topic": "学习（更正）"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["version"] == 2 and response.json()["previous"] == pk
    listed = client.get("/api/orglife/records/?org=TA01&year=2026").json()["results"]
    assert [row["version"] for row in listed] == [2]


def test_compliance_endpoint(world):
    hold(world.branch_a1, DAY, "general_meeting")
    client = client_for(world, "township_a_admin")
    body = client.get("/api/orglife/compliance/TA/?year=2026&quarter=1").json()
    assert body["org"] == "TA" and body["period"]["label"] == "2026年第1季度"
    assert [child["org"] for child in body["children"]] == ["TA01", "TA02"]
    assert client.get("/api/orglife/compliance/TA/?year=2026&quarter=5").status_code == 400


def test_list_query_count_is_constant(world):
    client = client_for(world, "township_a_admin")
    hold(world.branch_a1, DAY, "theme_day", attendance=[AttendanceEntry(world.members["zhang"], "present")])

    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/orglife/records/").status_code == 200
        return len(queries)

    few = measure()
    for day in range(6, 12):
        hold(
            world.branch_a1 if day % 2 else world.branch_a2,
            dt.date(2026, 3, day),
            "theme_day",
            attendance=[AttendanceEntry(world.members["zhang"], "present")] if day % 2 else [],
        )
    assert measure() == few
