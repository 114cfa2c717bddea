"""A wrong old password on the change-password page is audited (outcome failure), and after
as many wrong ones as the login page allows (5 in 15 minutes) the page refuses, in Chinese and
logged, until the window passes or a security administrator unlocks the account."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.access.roles import Role
from dangjian.access.services import password_change_blocked_until, user_unlock
from dangjian.core.audit import audit_verify
from dangjian.core.models import AuditEvent, Outcome
from dangjian.core.testing.world import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fresh-start-2027"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change(client: Client, old: str, new: str = NEW_PASSWORD):
    return client.post(
        reverse("access:password-change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


def attempts(user, outcome=None):
    rows = AuditEvent.objects.filter(action="user.password_change", actor=user)
    return rows.filter(outcome=outcome) if outcome else rows


def test_a_wrong_old_password_is_audited_as_a_failure(world):
    user = world.users["secretary_a1"]
    response = change(signed_in(user), "Wrong-pass-2026", NEW_PASSWORD)
    assert "原密码不正确" in response.content.decode()
    (row,) = attempts(user)
    assert (row.outcome, row.organization, row.after) == (
        Outcome.FAILURE,
        world.branch_a1,
        {"reason": "原密码不正确"},
    )
    assert "Wrong-pass-2026" not in str(row.after) and NEW_PASSWORD not in str(row.after)
    assert all(report.ok for report in audit_verify())


def test_five_wrong_old_passwords_pause_the_page_even_for_the_right_one(world):
    user = world.users["secretary_a1"]
    client = signed_in(user)
    for _ in range(4):
        assert "原密码不正确" in change(client, "Wrong-pass-2026").content.decode()
    assert password_change_blocked_until(user) is None
    assert "原密码不正确" in change(client, "Wrong-pass-2026").content.decode()
    assert password_change_blocked_until(user) is not None

    refused = change(client, PASSWORD).content.decode()
    assert "原密码已连续输错 5 次，修改密码已暂停，请 15 分钟后再试" in refused
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # not changed
    assert attempts(user, Outcome.FAILURE).count() == 5
    assert attempts(user, Outcome.REFUSED).count() == 1
    assert all(report.ok for report in audit_verify())


def test_the_pause_ends_when_the_window_passes(world):
    user = world.users["secretary_a1"]
    client = signed_in(user)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            change(client, "Wrong-pass-2026")
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert "修改密码已暂停，请 1 分钟后再试" in change(client, PASSWORD).content.decode()
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert change(client, PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_failures_spread_beyond_the_window_do_not_pause(world):
    user = world.users["secretary_a1"]
    client = signed_in(user)
    start = timezone.now()
    for minute in (0, 5, 10, 14, 16):  # never five inside any 15 minutes
        with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
            change(client, "Wrong-pass-2026")
    with time_machine.travel(start + dt.timedelta(minutes=17), tick=False):
        assert password_change_blocked_until(user) is None
        assert change(client, PASSWORD).status_code == 302


def test_a_security_administrator_unlock_lifts_the_pause(world):
    user = world.users["secretary_a1"]
    client = signed_in(user)
    for _ in range(5):
        change(client, "Wrong-pass-2026")
    assert password_change_blocked_until(user) is not None
    security_admin = make_user("security_admin", Role.SECURITY_ADMIN, world.county)
    user_unlock(actor=security_admin, user=user)
    assert password_change_blocked_until(user) is None
    assert change(client, PASSWORD).status_code == 302


def test_one_users_failures_do_not_pause_another(world):
    for _ in range(5):
        change(signed_in(world.users["secretary_a1"]), "Wrong-pass-2026")
    assert password_change_blocked_until(world.users["inspector_a"]) is None
    assert change(signed_in(world.users["inspector_a"]), PASSWORD).status_code == 302
