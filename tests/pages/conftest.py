import pytest
from django.test import Client


@pytest.fixture
def client_for(world):
    """A logged-in test client for one of the world's users."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(world.users[username])
        return client

    return make
