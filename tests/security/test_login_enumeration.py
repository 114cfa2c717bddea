from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def login_page_answer(username: str, password: str) -> tuple[int, str]:
    response = Client().post(reverse("login"), {"username": username, "password": password})
    errors = response.context["form"].non_field_errors()
    return response.status_code, " ".join(errors)


def test_unknown_user_and_wrong_password_get_the_same_answer(world):
    unknown = login_page_answer("no_such_user", "Wrong-pass-2026")
    wrong_password = login_page_answer("secretary_a1", "Wrong-pass-2026")
    assert unknown == wrong_password
    assert unknown[0] == 200
    assert "用户名" in unknown[1] and "密码" in unknown[1]


def test_an_inactive_user_gets_the_same_answer_as_a_wrong_password(world):
    user = world.users["inspector_a"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert login_page_answer("inspector_a", "Test-pass-2026") == login_page_answer(
        "inspector_a", "Wrong-pass-2026"
    )


def test_unknown_user_costs_one_password_hash_like_a_known_one(world):
    """Similar timing: Django hashes the given password even when the name does not exist, so a
    stopwatch cannot tell the two apart."""
    hasher = type(get_hasher())
    for username in ("no_such_user", "secretary_a1"):
        with mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode:
            login_page_answer(username, "Wrong-pass-2026")
        assert encode.call_count == 1, username


def test_unknown_names_are_locked_out_like_known_ones(world):
    client = Client()
    for username in ("no_such_user", "secretary_a1"):
        statuses = [
            client.post(reverse("login"), {"username": username, "password": "x"}).status_code
            for _ in range(5)
        ]
        assert statuses == [200, 200, 200, 200, 429], username
