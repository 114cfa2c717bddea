import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dangjian.access.roles import Role
from dangjian.access.services import user_disable
from dangjian.core.models import AuditEvent
from dangjian.core.testing.world import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def logged_in_through_the_page(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def stored_session(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_idle_timeout_defaults_to_thirty_minutes():
    assert settings.SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_every_request_pushes_the_idle_deadline_forward(world):
    client = logged_in_through_the_page("inspector_a")
    session = stored_session(client)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    assert client.get(reverse("home")).status_code == 200
    left = stored_session(client).expire_date - timezone.now()
    assert dt.timedelta(minutes=29) < left <= dt.timedelta(minutes=30)


def test_a_session_idle_past_the_deadline_is_over(world):
    client = logged_in_through_the_page("inspector_a")
    Session.objects.filter(pk=stored_session(client).pk).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_session_key_changes_at_login(world):
    client = Client()
    anonymous = client.session
    anonymous["visited"] = True
    anonymous.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = anonymous.session_key
    client.post(reverse("login"), {"username": "inspector_a", "password": PASSWORD})
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != anonymous.session_key
    assert not Session.objects.filter(session_key=anonymous.session_key).exists()
    assert client.get(reverse("home")).status_code == 200


def test_disabling_a_user_ends_all_of_its_sessions_and_tokens(world):
    target = world.users["secretary_a1"]
    on_phone, on_desk = logged_in_through_the_page("secretary_a1"), logged_in_through_the_page("secretary_a1")
    bystander = logged_in_through_the_page("inspector_a")
    Token.objects.create(user=target)
    target_keys = [stored_session(client).session_key for client in (on_phone, on_desk)]
    # Accounts are the system administrator's business (三员分立).
    sysadmin = make_user("sysadmin_a", Role.SYSADMIN, world.township_a)

    user_disable(actor=sysadmin, user=target)

    target.refresh_from_db()
    assert not target.is_active
    # Deleted outright, not merely refused later because the account is inactive.
    assert not Session.objects.filter(session_key__in=target_keys).exists()
    for client in (on_phone, on_desk):
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Token.objects.filter(user=target).exists()
    assert bystander.get(reverse("home")).status_code == 200
    event = AuditEvent.objects.get(action="user.disable")
    assert event.actor == sysadmin
    assert event.after == {"is_active": False, "sessions_ended": 2}


def test_only_a_system_administrator_over_all_of_the_users_grants_may_disable_it(world):
    sysadmin_b = make_user("sysadmin_b", Role.SYSADMIN, world.township_b)
    with pytest.raises(PermissionDenied):
        user_disable(actor=sysadmin_b, user=world.users["secretary_a1"])
    # A business administrator, however high, keeps no accounts.
    with pytest.raises(PermissionDenied):
        user_disable(actor=world.users["county_admin"], user=world.users["secretary_a1"])
    with pytest.raises(PermissionDenied):
        user_disable(actor=world.users["county_admin"], user=world.users["nobody"])
    world.users["secretary_a1"].refresh_from_db()
    assert world.users["secretary_a1"].is_active
