"""The subtree-isolation matrix of the API: for every route and method, a user sees and changes
nothing outside the reach of the own grants (404 or 403, or 400 for a code named in the body
that the user cannot see — the same answer as for a code that does not exist), never data."""

import json
import re

import pytest

from dangjian.api_urls import router
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

ORG_BODY = {"name": "改名党支部", "kind": "branch", "sector": "rural"}
MEMBER_BODY = {"name": "改名", "category": "full", "joined_on": "2005-07-01", "converted_on": "2006-07-01"}
NEW_ORG = {"code": "X01", "name": "新党支部", "kind": "branch", "sector": "rural"}
NEW_MEMBER = {
    "name": "新党员",
    "id_number": "11010519491231002X",
    "category": "full",
    "joined_on": "2005-07-01",
    "converted_on": "2006-07-01",
}
TRANSFER = {"date": "2026-03-01"}
HIDDEN = 404
READ_ONLY = 403
UNSEEN_REFERENCE = 400

# (route name, method, url, body, expected status). {zhang}, {wang}, {zhao} are member ids.
TOWNSHIP_A_ADMIN_ON_TOWNSHIP_B = [
    ("api-org-list", "post", "/api/orgs/", {"parent": "TB", **NEW_ORG}, UNSEEN_REFERENCE),
    ("api-org-detail", "get", "/api/orgs/TB01/", None, HIDDEN),
    ("api-org-detail", "get", "/api/orgs/TB/", None, HIDDEN),
    ("api-org-detail", "put", "/api/orgs/TB01/", ORG_BODY, HIDDEN),
    ("api-org-detail", "patch", "/api/orgs/TB01/", {"name": "改名"}, HIDDEN),
    ("api-org-move", "post", "/api/orgs/TB01/move/", {"parent": "TA"}, HIDDEN),
    ("api-org-move", "post", "/api/orgs/TA02/move/", {"parent": "TB"}, UNSEEN_REFERENCE),
    ("api-org-dissolve", "post", "/api/orgs/TB01/dissolve/", {}, HIDDEN),
    ("api-org-children", "get", "/api/orgs/TB/children/", None, HIDDEN),
    ("api-org-children", "get", "/api/orgs/C1/children/", None, HIDDEN),
    ("api-member-list", "post", "/api/members/", {"organization": "TB01", **NEW_MEMBER}, UNSEEN_REFERENCE),
    ("api-member-detail", "get", "/api/members/{zhao}/", None, HIDDEN),
    ("api-member-detail", "get", "/api/members/{zhao}/?reveal_id=1", None, HIDDEN),
    ("api-member-detail", "put", "/api/members/{zhao}/", MEMBER_BODY, HIDDEN),
    ("api-member-detail", "patch", "/api/members/{zhao}/", {"name": "改名"}, HIDDEN),
    (
        "api-member-transfer",
        "post",
        "/api/members/{zhao}/transfer/",
        {"to_organization": "TA02", **TRANSFER},
        HIDDEN,
    ),
    (
        "api-member-transfer",
        "post",
        "/api/members/{zhang}/transfer/",
        {"to_organization": "TB01", **TRANSFER},
        UNSEEN_REFERENCE,
    ),
    ("api-member-convert", "post", "/api/members/{zhao}/convert/", {"converted_on": "2026-03-01"}, HIDDEN),
]
# Reads of lists: 200, but nothing of township B in the body.
LIST_READS = [
    ("api-org-list", "/api/orgs/"),
    ("api-org-list", "/api/orgs/?parent=TB"),
    ("api-org-list", "/api/orgs/?q=乙镇"),
    ("api-org-list", "/api/orgs/?q=TB01"),
    ("api-org-roots", "/api/orgs/roots/"),
    ("api-member-list", "/api/members/"),
    ("api-member-list", "/api/members/?org=TB01"),
    ("api-member-list", "/api/members/?q=zl"),
    ("api-member-list", "/api/members/?q=赵丽"),
]
# The secretary of TA01 and the branch next door, TA02, in the same township.
SECRETARY_A1_ON_TA02 = [
    ("api-org-list", "post", "/api/orgs/", {"parent": "TA", **NEW_ORG}, READ_ONLY),
    ("api-org-detail", "get", "/api/orgs/TA02/", None, HIDDEN),
    ("api-org-detail", "put", "/api/orgs/TA02/", ORG_BODY, HIDDEN),
    ("api-org-detail", "patch", "/api/orgs/TA02/", {"name": "改名"}, HIDDEN),
    ("api-org-move", "post", "/api/orgs/TA02/move/", {"parent": "TA01"}, READ_ONLY),
    ("api-org-dissolve", "post", "/api/orgs/TA02/dissolve/", {}, READ_ONLY),
    ("api-org-children", "get", "/api/orgs/TA/children/", None, HIDDEN),
    ("api-member-list", "post", "/api/members/", {"organization": "TA02", **NEW_MEMBER}, UNSEEN_REFERENCE),
    ("api-member-detail", "get", "/api/members/{wang}/", None, HIDDEN),
    ("api-member-detail", "put", "/api/members/{wang}/", MEMBER_BODY, HIDDEN),
    ("api-member-detail", "patch", "/api/members/{wang}/", {"name": "改名"}, HIDDEN),
    (
        "api-member-transfer",
        "post",
        "/api/members/{wang}/transfer/",
        {"to_organization": "TA01", **TRANSFER},
        HIDDEN,
    ),
    (
        "api-member-transfer",
        "post",
        "/api/members/{zhang}/transfer/",
        {"to_organization": "TA02", **TRANSFER},
        UNSEEN_REFERENCE,
    ),
    ("api-member-convert", "post", "/api/members/{wang}/convert/", {"converted_on": "2026-03-01"}, HIDDEN),
]
# Every write on objects the user can see: the inspector reads, never writes.
WRITES_IN_TOWNSHIP_A = [
    ("api-org-list", "post", "/api/orgs/", {"parent": "TA", **NEW_ORG}),
    ("api-org-detail", "put", "/api/orgs/TA01/", ORG_BODY),
    ("api-org-detail", "patch", "/api/orgs/TA01/", {"name": "改名"}),
    ("api-org-move", "post", "/api/orgs/TA02/move/", {"parent": "TA01"}),
    ("api-org-dissolve", "post", "/api/orgs/TA02/dissolve/", {}),
    ("api-member-list", "post", "/api/members/", {"organization": "TA02", **NEW_MEMBER}),
    ("api-member-detail", "put", "/api/members/{zhang}/", MEMBER_BODY),
    ("api-member-detail", "patch", "/api/members/{zhang}/", {"name": "改名"}),
    (
        "api-member-transfer",
        "post",
        "/api/members/{zhang}/transfer/",
        {"to_organization": "TA02", **TRANSFER},
    ),
    ("api-member-convert", "post", "/api/members/{zhang}/convert/", {"converted_on": "2026-03-01"}),
]
READS_IN_TOWNSHIP_A = [
    ("api-org-list", "/api/orgs/"),
    ("api-org-roots", "/api/orgs/roots/"),
    ("api-org-detail", "/api/orgs/TA01/"),
    ("api-org-children", "/api/orgs/TA/children/"),
    ("api-member-list", "/api/members/"),
    ("api-member-detail", "/api/members/{zhang}/"),
]


def router_routes() -> set[tuple[str, str]]:
    """(route name, method) of every endpoint the API router serves."""
    routes = set()
    for _prefix, viewset, basename in router.registry:
        for route in router.get_routes(viewset):
            for method in router.get_method_map(viewset, route.mapping):
                routes.add((route.name.format(basename=basename), method))
    return routes


def test_matrices_cover_every_route_and_method():
    # Organizational-life, recruitment and dues routes have their own matrices in
    # tests/orglife/test_api.py, tests/recruitment/test_api.py, tests/dues/test_api.py and
    # tests/ledger/test_api.py (assessment and ledger) and tests/terms/test_api.py.
    own_matrices = (
        "api-orglife-",
        "api-recruitment-",
        "api-dues-",
        "api-assessment",
        "api-ledger-",
        "api-terms-",
    )
    routes = {(name, method) for name, method in router_routes() if not name.startswith(own_matrices)}
    covered_by_township = {(name, method) for name, method, *_ in TOWNSHIP_A_ADMIN_ON_TOWNSHIP_B}
    covered_by_township |= {(name, "get") for name, _ in LIST_READS}
    assert covered_by_township == routes
    covered_by_secretary = {(name, method) for name, method, *_ in SECRETARY_A1_ON_TA02}
    assert covered_by_secretary | {
        ("api-org-list", "get"),
        ("api-member-list", "get"),
        ("api-org-roots", "get"),
    } == (routes)
    writes = {(name, method) for name, method, *_ in WRITES_IN_TOWNSHIP_A}
    reads = {(name, "get") for name, _ in READS_IN_TOWNSHIP_A}
    assert writes | reads == routes


def fill(url: str, world) -> str:
    return url.format(**{key: member.pk for key, member in world.members.items()})


def state_of(queryset) -> list[dict]:
    return [
        {k: v for k, v in row.items() if k not in ("updated_at", "created_at")}
        for row in queryset.order_by("pk").values()
    ]


def request(client, method: str, url: str, body):
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, format="json")


def assert_reveals_nothing_of_township_b(response, world):
    # A code the client sent may be echoed back in "党组织代码“TB01”不存在或不在您的授权范围内".
    text = re.sub(r"党组织代码“[^”]*”", "", json.dumps(response.json(), ensure_ascii=False))
    for secret in ("TB", "乙镇", "赵丽", world.members["zhao"].id_number[-4:]):
        assert secret not in text, (response.request["PATH_INFO"], secret)


@pytest.mark.parametrize(
    ("route", "method", "url", "body", "expected"),
    TOWNSHIP_A_ADMIN_ON_TOWNSHIP_B,
    ids=[f"{m} {u}" for _, m, u, *_ in TOWNSHIP_A_ADMIN_ON_TOWNSHIP_B],
)
def test_township_admin_reaches_nothing_of_the_other_township(world, api, route, method, url, body, expected):
    before = (
        state_of(Organization.objects.all()),
        state_of(Member.objects.all()),
        AuditEvent.objects.count(),
    )
    response = request(api("township_a_admin"), method, fill(url, world), body)
    assert response.status_code == expected, response.json()
    assert_reveals_nothing_of_township_b(response, world)
    if expected == UNSEEN_REFERENCE:
        assert "不存在或不在您的授权范围内" in json.dumps(response.json(), ensure_ascii=False)
    else:
        assert (
            response.json()["detail"]
            == {
                "api-org": "未找到该党组织，或不在您的授权范围内",
                "api-member": "未找到该党员，或不在您的授权范围内",
            }[route.rsplit("-", 1)[0]]
        )
    after = (state_of(Organization.objects.all()), state_of(Member.objects.all()), AuditEvent.objects.count())
    assert after == before


@pytest.mark.parametrize(("route", "url"), LIST_READS, ids=[u for _, u in LIST_READS])
def test_township_admin_lists_show_nothing_of_the_other_township(world, api, route, url):
    response = api("township_a_admin").get(url)
    assert response.status_code == 200
    assert_reveals_nothing_of_township_b(response, world)


def test_the_other_township_is_there_for_the_county(world, api):
    """The lists above would also pass if they showed nothing at all."""
    client = api("county_admin")
    assert "TB01" in client.get("/api/orgs/?parent=TB").content.decode()
    assert "赵丽" in client.get("/api/members/?q=zl").content.decode()
    assert client.get(f"/api/members/{world.members['zhao'].pk}/").status_code == 200


@pytest.mark.parametrize(
    ("route", "method", "url", "body", "expected"),
    SECRETARY_A1_ON_TA02,
    ids=[f"{m} {u}" for _, m, u, *_ in SECRETARY_A1_ON_TA02],
)
def test_branch_secretary_reaches_nothing_of_the_next_branch(world, api, route, method, url, body, expected):
    before = (
        state_of(Organization.objects.all()),
        state_of(Member.objects.all()),
        AuditEvent.objects.count(),
    )
    response = request(api("secretary_a1"), method, fill(url, world), body)
    assert response.status_code == expected, response.json()
    text = json.dumps(response.json(), ensure_ascii=False)
    assert "王小明" not in text and "西村" not in text
    after = (state_of(Organization.objects.all()), state_of(Member.objects.all()), AuditEvent.objects.count())
    assert after == before


def test_branch_secretary_lists_only_the_own_branch(world, api):
    client = api("secretary_a1")
    assert [row["code"] for row in client.get("/api/orgs/").json()["results"]] == ["TA01", "TA01G1"]
    assert sorted(row["name"] for row in client.get("/api/members/").json()["results"]) == [
        "张建国",
        "李秀英",
    ]


@pytest.mark.parametrize(
    ("route", "method", "url", "body"),
    WRITES_IN_TOWNSHIP_A,
    ids=[f"{m} {u}" for _, m, u, _ in WRITES_IN_TOWNSHIP_A],
)
def test_inspector_reads_but_never_writes(world, api, route, method, url, body):
    before = (
        state_of(Organization.objects.all()),
        state_of(Member.objects.all()),
        AuditEvent.objects.count(),
    )
    response = request(api("inspector_a"), method, fill(url, world), body)
    assert response.status_code == READ_ONLY
    assert response.json()["detail"] in ("您没有修改数据的权限", "您没有设立、调整或撤销党组织的权限")
    after = (state_of(Organization.objects.all()), state_of(Member.objects.all()), AuditEvent.objects.count())
    assert after == before


@pytest.mark.parametrize(("route", "url"), READS_IN_TOWNSHIP_A, ids=[u for _, u in READS_IN_TOWNSHIP_A])
def test_inspector_reads(world, api, route, url):
    response = api("inspector_a").get(fill(url, world))
    assert response.status_code == 200 and "甲镇" in response.content.decode()


@pytest.mark.parametrize("user", ["auditor", "nobody"])
@pytest.mark.parametrize(("route", "url"), READS_IN_TOWNSHIP_A, ids=[u for _, u in READS_IN_TOWNSHIP_A])
def test_users_without_view_reach_see_nothing(world, api, user, route, url):
    response = api(user).get(fill(url, world))
    if route.endswith(("list", "roots")):
        body = response.json()
        assert response.status_code == 200
        assert (body["results"] if isinstance(body, dict) else body) == []
    else:
        assert response.status_code == HIDDEN
    assert "甲镇" not in response.content.decode()


@pytest.mark.parametrize("user", ["auditor", "nobody"])
@pytest.mark.parametrize(
    ("route", "method", "url", "body"),
    WRITES_IN_TOWNSHIP_A,
    ids=[f"{m} {u}" for _, m, u, _ in WRITES_IN_TOWNSHIP_A],
)
def test_users_without_write_reach_change_nothing(world, api, user, route, method, url, body):
    before = (
        state_of(Organization.objects.all()),
        state_of(Member.objects.all()),
        AuditEvent.objects.count(),
    )
    response = request(api(user), method, fill(url, world), body)
    assert response.status_code == READ_ONLY
    after = (state_of(Organization.objects.all()), state_of(Member.objects.all()), AuditEvent.objects.count())
    assert after == before


ALL_REQUESTS = [(m, u, b) for _, m, u, b in WRITES_IN_TOWNSHIP_A] + [
    ("get", u, None) for _, u in READS_IN_TOWNSHIP_A
]


@pytest.mark.parametrize(
    ("method", "url", "body"), ALL_REQUESTS, ids=[f"{m} {u}" for m, u, _ in ALL_REQUESTS]
)
def test_anonymous_gets_nothing(world, api, method, url, body):
    before = (
        state_of(Organization.objects.all()),
        state_of(Member.objects.all()),
        AuditEvent.objects.count(),
    )
    response = request(api(None), method, fill(url, world), body)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "身份认证信息未提供。"}
    after = (state_of(Organization.objects.all()), state_of(Member.objects.all()), AuditEvent.objects.count())
    assert after == before
