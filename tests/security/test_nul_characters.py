"""A NUL character in a query string is refused before any view reads it (schemathesis found
`/api/ledger/items/?org=%00` failing inside PostgreSQL, which cannot store or compare NUL)."""

import pytest

from dangjian.core.middleware import NUL_REFUSED

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/api/ledger/items/?status=&org=%00", "/api/members/?q=a%00b", "/api/orgs/?%00=1"],
)
def test_api_answers_400_in_chinese(client, world, url):
    client.force_login(world.users["county_admin"])
    response = client.get(url)
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_REFUSED}


@pytest.mark.parametrize("url", ["/members/?q=%00", "/ledger/?org=%00"])
def test_pages_answer_400_in_chinese(client, world, url):
    client.force_login(world.users["county_admin"])
    response = client.get(url)
    assert response.status_code == 400
    assert NUL_REFUSED in response.content.decode()


def test_ordinary_query_strings_pass(client, world):
    client.force_login(world.users["county_admin"])
    assert client.get("/api/ledger/items/?status=&org=").status_code == 200
    assert client.get("/members/?q=%E5%BC%A0").status_code == 200


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_an_organization_code_holding_nul_is_invalid_not_a_server_error(client, world, content_type):
    client.force_login(world.users["county_admin"])
    body = {"code": "X1", "kind": "branch", "name": "新支部", "parent": "\x00", "sector": "soe"}
    if content_type == "application/json":
        response = client.post("/api/orgs/", body, content_type=content_type)
    else:
        response = client.post("/api/orgs/", body)
    assert response.status_code == 400
    assert response.json()["parent"] == ["党组织代码格式不正确"]
