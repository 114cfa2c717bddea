"""Forced password change: at the first login with a password someone else set, and every
90 days under the 等保 policy (never under ASVS); the new password meets the policy, differs
from the old one, and the change is audited."""

import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dangjian.access.models import PasswordState
from dangjian.access.roles import Role
from dangjian.access.services import user_create, user_password_set
from dangjian.access.validators import password_validators
from dangjian.core.models import AuditEvent
from dangjian.core.testing.world import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fresh-start-2027"


def signed_in(username: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:300]
    return client


def held_at_password_page(client: Client, url: str | None = None) -> bool:
    response = client.get(url or reverse("home"))
    return response.status_code == 302 and response["Location"].startswith(reverse("access:password-change"))


def change(client: Client, old: str, new: str, again: str | None = None):
    return client.post(
        reverse("access:password-change"),
        {"old_password": old, "new_password1": new, "new_password2": new if again is None else again},
    )


def test_a_user_created_from_the_console_changes_the_password_at_first_login(world, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    call_command("createuser", "wangwu", "--password-stdin", stdout=io.StringIO())
    client = signed_in("wangwu")
    assert held_at_password_page(client)
    assert held_at_password_page(client, reverse("members:list"))
    page = client.get(reverse("access:password-change"))
    text = page.content.decode()
    assert page.status_code == 200 and "修改密码" in text and "须修改后才能继续使用" in text

    assert "原密码不正确" in change(client, "Wrong-pass-2026", NEW_PASSWORD).content.decode()
    assert "不能与原密码相同" in change(client, PASSWORD, PASSWORD).content.decode()
    assert (
        "两次输入的新密码不一致"
        in change(client, PASSWORD, NEW_PASSWORD, "Fresh-start-2028").content.decode()
    )
    weak = change(client, PASSWORD, "abcdefgh").content.decode()
    assert "至少3类" in weak
    assert held_at_password_page(client)

    done = change(client, PASSWORD, NEW_PASSWORD)
    assert done.status_code == 302
    # The session survives its own password change; the old password no longer works.
    assert client.get(reverse("home")).status_code == 200
    user = get_user_model().objects.get(username="wangwu")
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    assert not PasswordState.objects.get(user=user).must_change
    event = AuditEvent.objects.get(action="user.password_change", outcome="success")
    assert event.actor == user and event.before == {"must_change": True}
    # The one wrong old password above is on record as a failure.
    assert AuditEvent.objects.filter(action="user.password_change", outcome="failure").count() == 1
    assert PASSWORD not in str(event.after) and NEW_PASSWORD not in str(event.after)


def test_the_api_refuses_a_token_while_the_password_must_be_changed(world):
    user = user_create(actor=None, username="wangwu", password=PASSWORD)
    token = Token.objects.create(user=user)
    response = Client().get("/api/orgs/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401 and "修改密码" in response.json()["detail"]
    session_api = signed_in("wangwu").get("/api/orgs/")
    assert session_api.status_code == 403 and "修改密码" in session_api.json()["detail"]


def test_a_password_reset_by_the_system_administrator_must_be_changed_and_only_they_may_reset(world):
    sysadmin = make_user("sys", Role.SYSADMIN, world.county)
    security = make_user("sec", Role.SECURITY_ADMIN, world.county)
    target = world.users["secretary_a1"]
    with pytest.raises(PermissionDenied):
        user_password_set(actor=security, user=target, password=NEW_PASSWORD)
    with pytest.raises(PermissionDenied):
        user_password_set(actor=world.users["county_admin"], user=target, password=NEW_PASSWORD)
    user_password_set(actor=sysadmin, user=target, password=NEW_PASSWORD)
    assert held_at_password_page(signed_in("secretary_a1", NEW_PASSWORD))
    event = AuditEvent.objects.get(action="user.password_set")
    # Filed under the user's branch, so the auditors over it can find it.
    assert event.actor == sysadmin and event.organization == world.branch_a1


def test_under_dengbao_a_password_lasts_ninety_days(world):
    # secretary_a1 was made without the services: the age counts from date_joined.
    joined = world.users["secretary_a1"].date_joined
    with time_machine.travel(joined + dt.timedelta(days=89, hours=23), tick=False):
        assert signed_in("secretary_a1").get(reverse("home")).status_code == 200
    with time_machine.travel(joined + dt.timedelta(days=90, minutes=1), tick=False):
        client = signed_in("secretary_a1")
        assert held_at_password_page(client)
        assert change(client, PASSWORD, NEW_PASSWORD).status_code == 302
        assert client.get(reverse("home")).status_code == 200
        changed_at = PasswordState.objects.get(user=world.users["secretary_a1"]).changed_at
        assert changed_at == timezone.now()
    with time_machine.travel(changed_at + dt.timedelta(days=89), tick=False):
        assert signed_in("secretary_a1", NEW_PASSWORD).get(reverse("home")).status_code == 200
    with time_machine.travel(changed_at + dt.timedelta(days=91), tick=False):
        assert held_at_password_page(signed_in("secretary_a1", NEW_PASSWORD))


def test_a_session_that_outlives_the_password_is_held_too(world, settings):
    settings.SESSION_COOKIE_AGE = 200 * 24 * 3600
    joined = world.users["secretary_a1"].date_joined
    with time_machine.travel(joined + dt.timedelta(days=89, hours=23), tick=False):
        client = signed_in("secretary_a1")
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(joined + dt.timedelta(days=90, hours=1), tick=False):
        assert held_at_password_page(client)


def test_under_asvs_passwords_never_expire_but_the_first_login_change_stays(world, settings):
    settings.PASSWORD_POLICY = "asvs"
    settings.AUTH_PASSWORD_VALIDATORS = password_validators("asvs")
    long_password = "correct horse battery staple"
    user_create(actor=None, username="wangwu", password=long_password)
    joined = world.users["secretary_a1"].date_joined
    with time_machine.travel(joined + dt.timedelta(days=400), tick=False):
        assert signed_in("secretary_a1").get(reverse("home")).status_code == 200
        client = signed_in("wangwu", long_password)
        assert held_at_password_page(client)
        assert change(client, long_password, "a much longer passphrase of mine").status_code == 302
        assert client.get(reverse("home")).status_code == 200


def test_the_demo_logins_are_not_forced_to_change_their_published_password(db):
    from dangjian.core.testing.world import build_world
    from dangjian.demo.logins import ensure_demo_logins

    build_world()
    ensure_demo_logins()
    assert not PasswordState.objects.get(user__username="secretary").must_change
