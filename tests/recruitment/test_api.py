"""/api/recruitment/candidates/: list, detail with the timeline, adding an applicant and
recording steps; refusals in Chinese on the field; the isolation matrix for every route."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from dangjian.api_urls import router
from dangjian.core.testing.world import new_id_number
from dangjian.recruitment.choices import Step
from dangjian.recruitment.models import Candidate, RecruitmentPlan, RecruitmentStep
from dangjian.recruitment.services import candidate_create, recruitment_plan_set

TODAY = timezone.localdate()
BIRTH = dt.date(1996, 8, 12)


def client_for(world, username):
    client = APIClient()
    if username:
        client.force_authenticate(world.users[username])
    return client


def applicant(branch, name="孙志远", days_ago=3):
    return candidate_create(
        actor=None,
        organization=branch,
        name=name,
        id_number=new_id_number(BIRTH),
        applied_on=TODAY - dt.timedelta(days=days_ago),
    )


TALK = {"step": "application_talk", "occurred_on": TODAY.isoformat(), "talker_name": "张建国"}


def routes(pk, branch_code):
    """Every route and method of the viewset with a body that would be accepted in reach."""
    return [
        ("api-recruitment-candidate-list", "get", "/api/recruitment/candidates/", None),
        ("api-recruitment-candidate-detail", "get", f"/api/recruitment/candidates/{pk}/", None),
        (
            "api-recruitment-candidate-list",
            "post",
            "/api/recruitment/candidates/",
            {
                "org": branch_code,
                "name": "周晓",
                "id_number": new_id_number(BIRTH),
                "applied_on": TODAY.isoformat(),
            },
        ),
        ("api-recruitment-candidate-steps", "post", f"/api/recruitment/candidates/{pk}/steps/", TALK),
        ("api-recruitment-plan-list", "get", "/api/recruitment/plans/", None),
        (
            "api-recruitment-plan-list",
            "post",
            "/api/recruitment/plans/",
            {"org": branch_code, "year": TODAY.year, "quota": 3},
        ),
    ]


def test_matrix_covers_every_route():
    served = set()
    for _prefix, viewset, basename in router.registry:
        if basename.startswith("api-recruitment-"):
            for route in router.get_routes(viewset):
                for method in router.get_method_map(viewset, route.mapping):
                    served.add((route.name.format(basename=basename), method))
    assert {(name, method) for name, method, *_ in routes(1, "X")} == served


@pytest.mark.parametrize(
    "username, branch", [("township_a_admin", "branch_b1"), ("secretary_a1", "branch_a2")]
)
def test_out_of_subtree(world, username, branch):
    target = getattr(world, branch)
    candidate = applicant(target)
    plan = recruitment_plan_set(actor=None, organization=target, year=TODAY.year, quota=2)
    hidden_ids = {"api-recruitment-candidate-list": candidate.pk, "api-recruitment-plan-list": plan.pk}
    client = client_for(world, username)
    for name, method, url, body in routes(candidate.pk, target.code):
        response = getattr(client, method)(url, body, format="json")
        if name.endswith("-list") and method == "get":
            assert response.status_code == 200 and hidden_ids[name] not in [
                r["id"] for r in response.data["results"]
            ], name
        elif method == "post" and name.endswith("-list"):
            assert response.status_code == 400 and "不在您的授权范围内" in response.data["org"][0], name
        else:
            assert response.status_code == 404, (name, method)
    assert Candidate.objects.count() == 1 and RecruitmentStep.objects.count() == 1
    plan.refresh_from_db()
    assert RecruitmentPlan.objects.count() == 1 and plan.quota == 2
    filtered = client.get(f"/api/recruitment/plans/?org={target.code}&year={TODAY.year}")
    assert filtered.status_code == 200 and filtered.data["count"] == 0


def test_inspector_reads_only(world):
    candidate = applicant(world.branch_a1)
    client = client_for(world, "inspector_a")
    for name, method, url, body in routes(candidate.pk, "TA01"):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == (200 if method == "get" else 403), (name, method)
    assert RecruitmentStep.objects.count() == 1 and not RecruitmentPlan.objects.exists()


def test_auditor_sees_nothing_and_anonymous_is_refused(world):
    candidate = applicant(world.branch_a1)
    auditor = client_for(world, "auditor")
    anonymous = client_for(world, None)
    for name, method, url, body in routes(candidate.pk, "TA01"):
        response = getattr(auditor, method)(url, body, format="json")
        if name.endswith("-list") and method == "get":
            assert response.data["count"] == 0
        else:
            assert response.status_code in (403, 404), (name, method)
        assert getattr(anonymous, method)(url, body, format="json").status_code in (401, 403), (name, method)
    assert Candidate.objects.count() == 1


def test_create_record_a_step_and_read_the_timeline(world):
    client = client_for(world, "secretary_a1")
    created = client.post(
        "/api/recruitment/candidates/",
        {
            "org": "TA01",
            "name": "周晓",
            "id_number": new_id_number(BIRTH, "F"),
            "applied_on": TODAY.isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201 and created.data["stage"] == "applicant"
    assert "*" in created.data["id_number"]
    assert created.data["next"][0]["step"] == Step.APPLICATION_TALK
    pk = created.data["id"]
    response = client.post(f"/api/recruitment/candidates/{pk}/steps/", TALK, format="json")
    assert response.status_code == 201
    assert [s["step"] for s in response.data["steps"]] == ["application", "application_talk"]
    assert response.data["next"][0]["step"] == Step.ACTIVIST_SELECTION
    listed = client.get("/api/recruitment/candidates/?org=TA01&stage=applicant")
    assert [row["id"] for row in listed.data["results"]] == [pk]


def test_refusals_name_the_field_in_chinese(world):
    candidate = applicant(world.branch_a1, days_ago=60)
    client = client_for(world, "secretary_a1")
    url = f"/api/recruitment/candidates/{candidate.pk}/steps/"
    response = client.post(url, {**TALK, "talker_name": ""}, format="json")
    assert response.status_code == 400
    assert response.data["talker_name"] == ["请填写谈话人"] and "一个月内" in response.data["occurred_on"][0]
    response = client.post(url, {**TALK, "step": "sponsors_assigned", "sponsors": [999999]}, format="json")
    assert response.status_code == 400 and "不存在" in response.data["sponsors"][0]
    response = client.post(
        "/api/recruitment/candidates/",
        {"org": "TA", "name": "甲", "id_number": new_id_number(BIRTH), "applied_on": TODAY.isoformat()},
        format="json",
    )
    assert response.status_code == 400 and "org" in response.data
    assert RecruitmentStep.objects.count() == 1


def test_list_query_count_does_not_grow(world):
    client = client_for(world, "township_a_admin")
    applicant(world.branch_a1, "一")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/recruitment/candidates/").status_code == 200
        return len(queries)

    count()  # the first request loads the user's grants, cached on the user afterwards
    few = count()
    for index in range(5):
        applicant(world.branch_a2, f"多{index}")
    assert count() == few


def test_the_superior_sets_a_plan_and_reads_the_progress(world):
    client = client_for(world, "township_a_admin")
    body = {"org": "TA01", "year": TODAY.year, "quota": 4, "under_35_quota": 2, "women_quota": 1}
    created = client.post("/api/recruitment/plans/", body, format="json")
    assert created.status_code == 201, created.data
    assert (created.data["org"], created.data["quota"], created.data["women_quota"]) == ("TA01", 4, 1)
    assert (created.data["admitted"], created.data["percent"]) == (0, 0)
    listed = client.get(f"/api/recruitment/plans/?org=TA&year={TODAY.year}")
    assert [row["id"] for row in listed.data["results"]] == [created.data["id"]]
    assert client.get(f"/api/recruitment/plans/?org=TA&year={TODAY.year - 1}").data["count"] == 0
    assert client.get("/api/recruitment/plans/?year=abc").status_code == 400


def test_plan_rules_refused_in_chinese(world):
    admin = client_for(world, "township_a_admin")
    too_many = {"org": "TA01", "year": TODAY.year, "quota": 3, "women_quota": 5}
    response = admin.post("/api/recruitment/plans/", too_many, format="json")
    assert response.status_code == 400 and "应在0至计划总数3名之间" in response.data["women_quota"][0]
    negative = admin.post(
        "/api/recruitment/plans/", {**too_many, "quota": -1, "women_quota": None}, format="json"
    )
    assert negative.status_code == 400 and negative.data["quota"] == ["计划人数不能为负数"]
    # The branch does not set its own plan: the superior hands it down.
    own = client_for(world, "secretary_a1").post(
        "/api/recruitment/plans/", {**too_many, "women_quota": 1}, format="json"
    )
    assert own.status_code == 403
    assert not RecruitmentPlan.objects.exists()


def test_plan_list_query_count_does_not_grow(world):
    client = client_for(world, "township_a_admin")
    recruitment_plan_set(actor=None, organization=world.branch_a1, year=TODAY.year, quota=1)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/recruitment/plans/?org=TA").status_code == 200
        return len(queries)

    count()  # the first request loads the user's grants
    few = count()
    for year in range(TODAY.year - 5, TODAY.year):
        recruitment_plan_set(actor=None, organization=world.branch_a2, year=year, quota=2)
    assert client.get("/api/recruitment/plans/?org=TA").data["count"] == 6
    assert count() == few
