"""/api/terms/: the calendar and the elections, scoped by restrict; recording an election;
refusals in Chinese on the field; the isolation matrix for every route."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dangjian.api_urls import router
from dangjian.terms.models import Election

TODAY = timezone.localdate()


def client_for(world, username):
    client = APIClient()
    if username:
        client.force_authenticate(world.users[username])
    return client


def body(org, **changes):
    data = {
        "org": org,
        "held_on": TODAY.isoformat(),
        "term_years": 5,
        "seats": 3,
        "candidates": ["张建国", "李秀英", "王强", "刘芳"],
        "voters_entitled": 10,
        "voters_present": 9,
        "elected": [
            {"name": "张建国", "votes": 9},
            {"name": "李秀英", "votes": 8},
            {"name": "王强", "votes": 6},
        ],
        "secretary_name": "张建国",
    }
    data.update(changes)
    return data


def routes(org):
    return [
        ("api-terms-election-list", "get", f"/api/terms/elections/?org={org}", None),
        ("api-terms-election-list", "post", "/api/terms/elections/", body(org)),
        ("api-terms-calendar-list", "get", f"/api/terms/calendar/?org={org}", None),
    ]


def test_matrix_covers_every_route():
    served = set()
    for _prefix, viewset, basename in router.registry:
        if basename.startswith("api-terms-"):
            for route in router.get_routes(viewset):
                for method in router.get_method_map(viewset, route.mapping):
                    served.add((route.name.format(basename=basename), method))
    assert {(name, method) for name, method, *_ in routes("X")} == served


@pytest.mark.parametrize(
    ("username", "branch"), [("township_a_admin", "branch_b1"), ("secretary_a1", "branch_a2")]
)
def test_out_of_subtree(termed, username, branch):
    target = getattr(termed, branch)
    client = client_for(termed, username)
    for name, method, url, data in routes(target.code):
        response = getattr(client, method)(url, data, format="json")
        if method == "post":
            assert response.status_code == 400 and "不在您的授权范围内" in response.data["org"][0], name
        else:
            assert response.status_code == 404, (name, method)
    # Without ?org= the lists hold only what is in reach.
    calendar = client.get("/api/terms/calendar/").data
    codes = {row["org"] for row in calendar["overdue"] + calendar["due_soon"]}
    assert target.code not in codes
    assert not Election.objects.exists()


def test_inspector_reads_only_and_auditor_sees_nothing(termed):
    inspector = client_for(termed, "inspector_a")
    for name, method, url, data in routes("TA01"):
        response = getattr(inspector, method)(url, data, format="json")
        assert response.status_code == (200 if method == "get" else 403), (name, method)
    auditor = client_for(termed, "auditor")
    assert auditor.get("/api/terms/calendar/").data == {"overdue": [], "due_soon": []}
    assert auditor.get("/api/terms/elections/").data["count"] == 0
    assert auditor.post("/api/terms/elections/", body("TA01"), format="json").status_code in (400, 403)
    anonymous = client_for(termed, None)
    for _name, method, url, data in routes("TA01"):
        assert getattr(anonymous, method)(url, data, format="json").status_code in (401, 403)
    assert not Election.objects.exists()


def test_record_an_election_and_read_the_calendar(termed):
    client = client_for(termed, "secretary_a1")
    calendar = client.get("/api/terms/calendar/").data
    assert [row["org"] for row in calendar["overdue"]] == ["TA01"]
    assert calendar["overdue"][0]["days_left"] < 0 and calendar["overdue"][0]["postponed"] is False
    response = client.post("/api/terms/elections/", body("TA01"), format="json")
    assert response.status_code == 201, response.data
    assert response.data["elected"] == [["张建国", 9], ["李秀英", 8], ["王强", 6]]
    assert client.get("/api/terms/calendar/").data["overdue"] == []
    listed = client.get("/api/terms/elections/?org=TA01").data
    assert [row["id"] for row in listed["results"]] == [response.data["id"]]


def test_refusals_name_the_field_in_chinese(termed):
    client = client_for(termed, "secretary_a1")
    response = client.post(
        "/api/terms/elections/", body("TA01", candidates=["张建国", "李秀英", "王强"]), format="json"
    )
    assert response.status_code == 400 and "至少4人" in response.data["candidates"][0]
    response = client.post("/api/terms/elections/", body("TA01", voters_present=8), format="json")
    assert "五分之四" in response.data["voters_present"][0]
    assert not Election.objects.exists()
