import datetime as dt

import pytest
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.core.testing.world import make_member
from dangjian.orgs.choices import OrgKind, OrgStatus, Sector
from dangjian.orgs.models import Organization
from dangjian.orgs.services import organization_create
from dangjian.terms.services import term_postpone

from .conftest import codes


def new_branch(world, code="TA03", **fields):
    return organization_create(
        actor=None,
        parent=world.township_a,
        code=code,
        name=fields.pop("name", f"甲镇{code}党支部"),
        kind=OrgKind.BRANCH,
        sector=Sector.RURAL,
        **fields,
    )


def test_list_is_paginated_and_scoped(world, api):
    response = api("county_admin").get("/api/orgs/", {"page_size": 3})
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 7 and len(body["results"]) == 3 and body["next"]
    assert codes(api("township_a_admin").get("/api/orgs/")) == ["TA", "TA01", "TA01G1", "TA02"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "东村"}, ["TA01", "TA01G1"]),
        ({"q": "ta02"}, ["TA02"]),
        ({"parent": "TA"}, ["TA01", "TA01G1", "TA02"]),
        ({"parent": "TA01"}, ["TA01G1"]),
        ({"parent": "NOPE"}, []),
        ({"kind": "group"}, ["TA01G1"]),
        ({"kind": "committee"}, ["C1", "TA", "TB"]),
        ({"sector": "rural", "parent": "TB"}, ["TB01"]),
        ({"status": "dissolved"}, []),
    ],
)
def test_list_filters(world, api, params, expected):
    assert codes(api("county_admin").get("/api/orgs/", params)) == expected


def test_list_rejects_unknown_choice_in_chinese(world, api):
    response = api("county_admin").get("/api/orgs/", {"kind": "club"})
    assert response.status_code == 400
    assert "club" in response.json()["kind"][0] and "选" in response.json()["kind"][0]


def test_detail_has_figures_parent_and_warnings(world, api):
    body = api("township_a_admin").get("/api/orgs/TA01/").json()
    assert body["parent"] == "TA" and body["kind_display"] == "党支部" and body["numchild"] == 1
    assert (body["full_members"], body["probationary_members"]) == (2, 0)
    assert [w["code"] for w in body["warnings"]] == ["too_few_full_members"]
    assert "不足3名" in body["warnings"][0]["message"]


def test_list_rows_carry_warnings(world, api):
    today = timezone.localdate()
    new_branch(world, term_started_on=today.replace(year=today.year - 3) - dt.timedelta(days=1), term_years=3)
    rows = {row["code"]: row for row in api("county_admin").get("/api/orgs/").json()["results"]}
    assert {w["code"] for w in rows["TA03"]["warnings"]} == {"too_few_full_members", "term_ended"}
    assert rows["TA"]["warnings"] == [] and rows["TA"]["parent"] == "C1" and rows["C1"]["parent"] is None


def test_create_under_parent(world, api):
    response = api("township_a_admin").post(
        "/api/orgs/",
        {"parent": "TA", "code": "TA03", "name": "甲镇南村党支部", "kind": "branch", "sector": "rural"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["parent"] == "TA" and response.json()["code"] == "TA03"
    created = Organization.objects.get(code="TA03")
    assert Organization.objects.get_parent(created) == world.township_a
    assert AuditEvent.objects.filter(action="organization.create", object_id=str(created.pk)).exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"kind": "group"}, "kind", "党小组只能设在党支部、联合党支部或临时党支部内"),
        ({"code": "TA01"}, "code", "已存在"),
        ({"name": ""}, "name", "不能为空"),
        ({"term_years": 4}, "term_years", "不是合法选项"),
        ({"parent": "NOPE"}, "parent", "党组织代码“NOPE”不存在或不在您的授权范围内"),
    ],
)
def test_create_errors_are_chinese_and_name_the_field(world, api, body, field, message):
    data = {"parent": "TA", "code": "TA03", "name": "甲镇南村党支部", "kind": "branch", "sector": "rural"}
    response = api("township_a_admin").post("/api/orgs/", data | body, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Organization.objects.filter(code="TA03").exists()


def test_missing_fields_are_named(world, api):
    response = api("township_a_admin").post("/api/orgs/", {"parent": "TA"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"code", "name", "kind", "sector"}
    assert response.json()["name"] == ["该字段是必填项。"]


def test_rename_and_update_details(world, api):
    client = api("secretary_a1")
    response = client.patch("/api/orgs/TA01/", {"name": "甲镇东村第一党支部"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "甲镇东村第一党支部"
    assert AuditEvent.objects.get(action="organization.rename").before == {"name": "甲镇东村党支部"}
    response = client.put(
        "/api/orgs/TA01/",
        {
            "name": "甲镇东村党支部",
            "kind": "branch",
            "sector": "rural",
            "term_started_on": "2024-05-01",
            "term_years": 3,
            "secretary_name": "张建国",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["term_ends_on"] == "2027-05-01" and response.json()["secretary_name"] == "张建国"


def test_changing_kind_needs_manage_orgs(world, api):
    response = api("secretary_a1").patch("/api/orgs/TA01/", {"kind": "joint_branch"}, format="json")
    assert response.status_code == 403 and "授权范围" in response.json()["detail"]
    response = api("township_a_admin").patch("/api/orgs/TA01/", {"kind": "committee"}, format="json")
    assert response.status_code == 400
    assert response.json()["kind"] == ["该组织有党员，只能是党支部、联合党支部或临时党支部"]


def test_move_subtree(world, api):
    response = api("county_admin").post("/api/orgs/TA01/move/", {"parent": "TB"}, format="json")
    assert response.status_code == 200 and response.json()["parent"] == "TB"
    assert Organization.objects.get(code="TA01G1").path.startswith(Organization.objects.get(code="TB").path)
    assert Organization.objects.find_problems() == ([], [], [], [], [])


@pytest.mark.parametrize(
    ("code", "parent", "message"),
    [
        ("TA", "TA01", "不能移到自身或自己的下级组织之下"),
        ("TA02", "TA01G1", "党小组下不能再设下级组织"),
        ("TA01G1", "TA", "党小组只能设在党支部、联合党支部或临时党支部内"),
    ],
)
def test_move_errors(world, api, code, parent, message):
    response = api("county_admin").post(f"/api/orgs/{code}/move/", {"parent": parent}, format="json")
    assert response.status_code == 400
    assert response.json()["parent"] == [message]


def test_dissolve(world, api):
    new_branch(world)
    client = api("township_a_admin")
    response = client.post("/api/orgs/TA03/dissolve/", {"reason": "村合并"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == OrgStatus.DISSOLVED
    assert response.json()["dissolved_on"] == timezone.localdate().isoformat()
    assert codes(client.get("/api/orgs/", {"status": "dissolved"})) == ["TA03"]
    again = client.post("/api/orgs/TA03/dissolve/", {}, format="json")
    assert again.status_code == 400 and again.json()["status"] == ["该组织已撤销"]


def test_dissolve_refuses_org_with_members_or_future_date(world, api):
    client = api("township_a_admin")
    response = client.post("/api/orgs/TA02/dissolve/", {}, format="json")
    assert response.status_code == 400 and response.json()["status"] == ["仍有党员，请先转接党员组织关系"]
    new_branch(world)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post("/api/orgs/TA03/dissolve/", {"dissolved_on": future}, format="json")
    assert response.status_code == 400 and response.json()["dissolved_on"] == ["撤销日期不能晚于今天"]
    response = client.post("/api/orgs/TA03/dissolve/", {"dissolved_on": "明天"}, format="json")
    assert response.status_code == 400 and "日期格式错误" in response.json()["dissolved_on"][0]


def test_children_load_one_level(world, api):
    client = api("township_a_admin")
    response = client.get("/api/orgs/TA/children/")
    assert response.status_code == 200
    assert [(n["code"], n["has_children"]) for n in response.json()] == [("TA01", True), ("TA02", False)]
    assert codes(client.get("/api/orgs/TA01/children/")) == ["TA01G1"]
    assert client.get("/api/orgs/TA01G1/children/").json() == []


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("county_admin", ["C1"]),
        ("township_a_admin", ["TA"]),
        ("secretary_a1", ["TA01"]),
        ("auditor", []),
    ],
)
def test_roots_are_the_tops_of_the_users_reach(world, api, user, expected):
    assert codes(api(user).get("/api/orgs/roots/")) == expected


def test_members_counted_per_org(world, api):
    make_member(
        world.branch_a2,
        name="孙红",
        category="probationary",
        converted_on=None,
        joined_on=dt.date(2026, 3, 1),
    )
    body = api("township_a_admin").get("/api/orgs/TA02/").json()
    assert (body["full_members"], body["probationary_members"]) == (1, 1)


def test_detail_warning_respects_an_approved_postponement(world, api):
    today = timezone.localdate()
    branch = new_branch(
        world, term_started_on=today.replace(year=today.year - 3) - dt.timedelta(days=1), term_years=3
    )
    postponed_to = branch.term_ends_on + dt.timedelta(days=30)
    term_postpone(
        actor=None,
        organization=branch,
        postponed_to=postponed_to,
        reason="统一安排",
        approved_by="甲镇党委",
        approved_on=today,
    )
    body = api("township_a_admin").get("/api/orgs/TA03/").json()
    [warning] = [w for w in body["warnings"] if w["code"].startswith("term_")]
    assert warning["code"] == "term_postponed" and f"延期至{postponed_to:%Y-%m-%d}" in warning["message"]
