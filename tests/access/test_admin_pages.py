"""The administrators' web pages (三员分立): the system administrator keeps accounts, the
security administrator grants, second factors and lockouts; each page is for its role only
(a 403, logged as refused), confined to the administrator's subtree, and audited."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.access.models import Grant, PasswordState
from dangjian.access.roles import Role
from dangjian.core.audit import audit_verify
from dangjian.core.models import AccessLog, AuditEvent, Outcome
from dangjian.core.testing.world import PASSWORD, make_user

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Given-by-admin-2027"


@pytest.fixture
def admins(world):
    return {
        "sysadmin_a": make_user("sysadmin_a", Role.SYSADMIN, world.township_a),
        "secadmin_a": make_user("secadmin_a", Role.SECURITY_ADMIN, world.township_a),
    }


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refused_rows(user):
    return AccessLog.objects.filter(kind=AccessLog.Kind.REQUEST, actor=user, outcome=Outcome.REFUSED)


USER_PAGES = [
    ("get", "access:users", False),
    ("get", "access:user-create", False),
    ("post", "access:user-disable", True),
    ("get", "access:user-password", True),
]
SECURITY_PAGES = [
    ("get", "access:security", False),
    ("post", "access:user-unlock", True),
    ("post", "access:user-otp-reset", True),
]


def _call(client, method, name, needs_pk, pk):
    url = reverse(name, args=[pk] if needs_pk else [])
    return client.post(url) if method == "post" else client.get(url)


@pytest.mark.parametrize("username", ["secadmin_a", "auditor", "township_a_admin", "nobody"])
def test_only_a_system_administrator_opens_the_user_pages(world, admins, username):
    user = admins.get(username) or world.users[username]
    client = as_user(user)
    target = world.users["secretary_a1"]
    for method, name, needs_pk in USER_PAGES:
        assert _call(client, method, name, needs_pk, target.pk).status_code == 403, name
    assert refused_rows(user).count() == len(USER_PAGES)
    target.refresh_from_db()
    assert target.is_active


@pytest.mark.parametrize("username", ["sysadmin_a", "auditor", "township_a_admin", "nobody"])
def test_only_a_security_administrator_opens_the_security_pages(world, admins, username):
    user = admins.get(username) or world.users[username]
    client = as_user(user)
    target = world.users["secretary_a1"]
    for method, name, needs_pk in SECURITY_PAGES:
        assert _call(client, method, name, needs_pk, target.pk).status_code == 403, name
    grant = Grant.objects.get(user=target)
    assert client.post(reverse("access:grant-revoke", args=[grant.pk])).status_code == 403
    assert (
        client.post(
            reverse("access:security"), {"username": "nobody", "org": "TA01", "role": "auditor"}
        ).status_code
        == 403
    )
    assert refused_rows(user).count() == len(SECURITY_PAGES) + 2
    assert Grant.objects.filter(pk=grant.pk).exists()
    assert not Grant.objects.filter(user=world.users["nobody"]).exists()


def test_the_system_administrator_lists_only_accounts_of_the_own_subtree(world, admins):
    page = as_user(admins["sysadmin_a"]).get(reverse("access:users"))
    listed = {account.username for account in page.context["accounts"]}
    assert {"township_a_admin", "secretary_a1", "inspector_a", "nobody", "sysadmin_a"} <= listed
    assert not listed & {"township_b_admin", "county_admin", "auditor"}
    assert "用户管理" in page.content.decode()


def test_the_system_administrator_creates_an_account_under_the_password_policy(world, admins):
    client = as_user(admins["sysadmin_a"])
    url = reverse("access:user-create")
    weak = client.post(
        url, {"username": "lisi", "full_name": "李四", "password1": "abcdefgh", "password2": "abcdefgh"}
    )
    assert weak.status_code == 200 and "至少3类" in weak.content.decode()
    mismatch = client.post(
        url, {"username": "lisi", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD + "x"}
    )
    assert "两次输入的密码不一致" in mismatch.content.decode()
    assert not get_user_model().objects.filter(username="lisi").exists()
    done = client.post(
        url, {"username": "lisi", "full_name": "李四", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert done.status_code == 302
    lisi = get_user_model().objects.get(username="lisi")
    assert lisi.check_password(GOOD_PASSWORD) and PasswordState.objects.get(user=lisi).must_change
    event = AuditEvent.objects.get(action="user.create", object_id=str(lisi.pk))
    assert event.actor_name == "sysadmin_a" and GOOD_PASSWORD not in str(event.after)
    duplicate = client.post(url, {"username": "lisi", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert "用户名“lisi”已存在" in duplicate.content.decode()


def test_the_system_administrator_resets_a_password_and_disables_inside_the_subtree_only(world, admins):
    sysadmin = admins["sysadmin_a"]
    client = as_user(sysadmin)
    own, other = world.users["secretary_a1"], world.users["township_b_admin"]
    url = reverse("access:user-password", args=[own.pk])
    assert "至少3类" in client.post(url, {"password1": "abcdefgh", "password2": "abcdefgh"}).content.decode()
    assert client.post(url, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}).status_code == 302
    own.refresh_from_db()
    assert own.check_password(GOOD_PASSWORD) and PasswordState.objects.get(user=own).must_change
    assert AuditEvent.objects.filter(
        action="user.password_set", object_id=str(own.pk), actor=sysadmin
    ).exists()

    outside = reverse("access:user-password", args=[other.pk])
    assert client.get(outside).status_code == 403
    assert client.post(outside, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}).status_code == 403
    assert client.post(reverse("access:user-disable", args=[other.pk])).status_code == 403
    other.refresh_from_db()
    assert other.check_password(PASSWORD) and other.is_active
    assert refused_rows(sysadmin).count() == 3

    assert client.post(reverse("access:user-disable", args=[own.pk])).status_code == 302
    own.refresh_from_db()
    assert not own.is_active
    assert AuditEvent.objects.filter(action="user.disable", object_id=str(own.pk), actor=sysadmin).exists()
    assert client.get(reverse("access:user-password", args=[999999])).status_code == 404
    assert all(report.ok for report in audit_verify())


def test_the_security_administrator_grants_and_revokes_inside_the_subtree_only(world, admins):
    secadmin = admins["secadmin_a"]
    client = as_user(secadmin)
    newcomer = make_user("newcomer")
    url = reverse("access:security")
    page = client.get(url)
    listed = {grant.user.username for grant in page.context["grants"]}
    assert "township_a_admin" in listed and "township_b_admin" not in listed

    outside = client.post(url, {"username": "newcomer", "org": "TB", "role": Role.AUDITOR})
    assert "党组织代码“TB”不存在或不在您的授权范围内" in outside.content.decode()
    business = client.post(url, {"username": "newcomer", "org": "TA01", "role": Role.SECRETARY})
    assert "没有授予“书记/组织委员”的权限" in business.content.decode()
    unknown = client.post(url, {"username": "ghost", "org": "TA01", "role": Role.AUDITOR})
    assert "用户“ghost”不存在" in unknown.content.decode()
    assert not Grant.objects.filter(user=newcomer).exists()

    assert client.post(url, {"username": "newcomer", "org": "TA01", "role": Role.AUDITOR}).status_code == 302
    grant = Grant.objects.get(user=newcomer, organization=world.branch_a1, role=Role.AUDITOR)
    assert AuditEvent.objects.filter(action="grant.create", object_id=str(grant.pk), actor=secadmin).exists()
    clash = client.post(url, {"username": "newcomer", "org": "TA01", "role": Role.SYSADMIN})
    assert "须由不同账号分别担任" in clash.content.decode()

    foreign = Grant.objects.get(user=world.users["township_b_admin"])
    assert client.post(reverse("access:grant-revoke", args=[foreign.pk])).status_code == 403
    assert Grant.objects.filter(pk=foreign.pk).exists()
    assert refused_rows(secadmin).count() == 1
    assert client.post(reverse("access:grant-revoke", args=[grant.pk])).status_code == 302
    assert not Grant.objects.filter(pk=grant.pk).exists()
    assert AuditEvent.objects.filter(action="grant.revoke", object_id=str(grant.pk), actor=secadmin).exists()
    assert all(report.ok for report in audit_verify())


def test_the_security_administrator_unlocks_and_resets_second_factors_inside_the_subtree_only(world, admins):
    secadmin = admins["secadmin_a"]
    client = as_user(secadmin)
    own, other = world.users["secretary_a1"], world.users["township_b_admin"]
    for user in (own, other):
        TOTPDevice.objects.create(user=user, name="动态口令", confirmed=True)
    assert client.post(reverse("access:user-otp-reset", args=[other.pk])).status_code == 403
    assert client.post(reverse("access:user-unlock", args=[other.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=other).exists()
    assert client.post(reverse("access:user-otp-reset", args=[own.pk])).status_code == 302
    assert not TOTPDevice.objects.filter(user=own).exists()
    assert client.post(reverse("access:user-unlock", args=[own.pk])).status_code == 302
    actions = set(
        AuditEvent.objects.filter(actor=secadmin, object_id=str(own.pk)).values_list("action", flat=True)
    )
    assert {"otp.reset", "user.unlock"} <= actions
    assert refused_rows(secadmin).count() == 2
    listed = {account.username for account in client.get(reverse("access:security")).context["accounts"]}
    assert "secretary_a1" in listed and "township_b_admin" not in listed


def test_the_navigation_shows_each_administrator_its_own_page(world, admins):
    sysadmin_home = as_user(admins["sysadmin_a"]).get(reverse("home")).content.decode()
    security_home = as_user(admins["secadmin_a"]).get(reverse("home")).content.decode()
    assert reverse("access:users") in sysadmin_home and reverse("access:security") not in sysadmin_home
    assert reverse("access:security") in security_home and reverse("access:users") not in security_home
