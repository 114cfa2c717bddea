"""A password set for someone in the Django admin is changed by its owner at the next login."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from dangjian.access.models import PasswordState
from dangjian.core.models import AuditEvent
from dangjian.core.testing.world import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(db):
    root = make_user("root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    return client


def test_a_user_added_in_the_admin_must_change_the_password(superuser_client):
    response = superuser_client.post(
        reverse("admin:auth_user_add"),
        {"username": "lisi", "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = get_user_model().objects.get(username="lisi")
    assert PasswordState.objects.get(user=user).must_change
    assert AuditEvent.objects.get(action="user.create", object_id=str(user.pk)).actor_name == "root"
    client = Client()
    client.post(reverse("login"), {"username": "lisi", "password": PASSWORD})
    assert client.get(reverse("home"))["Location"].startswith(reverse("access:password-change"))


def test_a_password_set_in_the_admin_must_be_changed(superuser_client):
    target = make_user("wangwu")
    new = "Given-by-admin-2027"
    response = superuser_client.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PasswordState.objects.get(user=target).must_change
    assert AuditEvent.objects.filter(action="user.password_set", object_id=str(target.pk)).exists()
