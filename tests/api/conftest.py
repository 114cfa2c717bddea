import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api(world):
    """`api("township_a_admin")` is a client logged in (session) as that user of the world."""

    def client_for(username: str | None) -> APIClient:
        client = APIClient()
        if username is not None:
            client.force_login(world.users[username])
        return client

    return client_for


def codes(response) -> list[str]:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return [row["code"] for row in rows]
