import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.access.signals import LOCKOUT, LOGIN, LOGIN_FAILED
from dangjian.core.audit import audit_verify
from dangjian.core.models import AuditEvent
from dangjian.core.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def post_login(client: Client, username: str, password: str, addr: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=addr)


def fail(client: Client, username: str, times: int, addr: str = "10.0.0.1"):
    response = None
    for _ in range(times):
        response = post_login(client, username, "Wrong-pass-2026", addr)
    return response


def test_four_failures_still_let_the_right_password_in(world):
    client = Client()
    assert fail(client, "secretary_a1", 4).status_code == 200
    response = post_login(client, "secretary_a1", PASSWORD)
    assert response.status_code == 302
    # A success clears the count, so the next mistakes start again from zero.
    assert not AccessAttempt.objects.filter(username="secretary_a1").exists()


def test_the_fifth_failure_locks_and_the_lock_is_shown_in_chinese(world):
    client = Client()
    fail(client, "secretary_a1", 4)
    locked = fail(client, "secretary_a1", 1)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "已暂时锁定" in page
    assert "15 分钟后再试" in page
    # While locked even the right password is refused, with the same page.
    again = post_login(client, "secretary_a1", PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_lifts_after_fifteen_minutes(world):
    client = Client()
    fail(client, "secretary_a1", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert post_login(client, "secretary_a1", PASSWORD).status_code == 302


def test_the_lock_holds_one_name_from_one_address_only(world):
    fail(Client(), "secretary_a1", 5, addr="10.0.0.1")
    # The same user from another address, and another user from the locked address, still log in.
    assert post_login(Client(), "secretary_a1", PASSWORD, addr="10.0.0.2").status_code == 302
    assert post_login(Client(), "inspector_a", PASSWORD, addr="10.0.0.1").status_code == 302


def test_logins_failures_and_lockouts_are_audited_in_the_chain(world):
    client = Client()
    fail(client, "secretary_a1", 5, addr="10.0.0.9")
    fail(client, "no_such_user", 1, addr="10.0.0.9")
    post_login(Client(), "inspector_a", PASSWORD, addr="10.0.0.7")

    failures = AuditEvent.objects.filter(action=LOGIN_FAILED, actor_name="secretary_a1")
    assert failures.count() == 5
    assert {e.remote_addr for e in failures} == {"10.0.0.9"}
    assert failures.first().organization == world.branch_a1
    lockout = AuditEvent.objects.get(action=LOCKOUT)
    assert lockout.actor == world.users["secretary_a1"]
    unknown = AuditEvent.objects.get(action=LOGIN_FAILED, actor_name="no_such_user")
    assert unknown.actor is None and unknown.organization is None
    login = AuditEvent.objects.get(action=LOGIN)
    assert login.actor == world.users["inspector_a"] and login.remote_addr == "10.0.0.7"
    # No password, right or wrong, is ever written down.
    for event in AuditEvent.objects.filter(action__startswith="auth."):
        assert "pass" not in repr(event.after).lower()
    assert all(report.ok for report in audit_verify())


def test_test_client_login_still_works_with_lockouts_on(world, settings):
    assert settings.AXES_ENABLED
    client = Client()
    assert client.login(username="county_admin", password=PASSWORD)
    assert not Client().login(username="county_admin", password="Wrong-pass-2026")
    # Logins made by code on a bare request are no sign-ins by a person and leave no entry.
    Client().force_login(world.users["auditor"])
    assert not AuditEvent.objects.filter(action__startswith="auth.").exists()
