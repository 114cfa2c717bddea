"""三员分立: the system administrator keeps accounts, the security administrator keeps
grants and login security, the auditor reads the logs; none can do another's work or read
business data, one account holds at most one of the three, and nobody edits the audit log."""

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.access.models import Grant
from dangjian.access.roles import ACTIONS, Role
from dangjian.access.services import (
    grant_create,
    grant_revoke,
    otp_reset,
    user_create,
    user_disable,
    user_password_set,
    user_unlock,
)
from dangjian.core.models import AccessLog, AuditEvent
from dangjian.core.restrict import path_in_scope
from dangjian.core.testing.world import PASSWORD, make_user

pytestmark = pytest.mark.django_db

Y, N = True, False
# What each role may do at the organization of its grant. Written out in full so a change to
# ROLE_ACTIONS has to be made here too, on purpose.
TABLE = {
    #                     view change manage_orgs import export reveal_id grant audit manage_users security
    Role.SYSADMIN: (N, N, N, N, N, N, N, N, Y, N),
    Role.SECURITY_ADMIN: (N, N, N, N, N, N, Y, N, N, Y),
    Role.AUDITOR: (N, N, N, N, N, N, N, Y, N, N),
    Role.ORG_ADMIN: (Y, Y, Y, Y, Y, Y, Y, N, N, N),
    Role.INSPECTOR: (Y, N, N, N, Y, N, N, N, N, N),
    Role.SECRETARY: (Y, Y, N, Y, Y, N, N, N, N, N),
}


@pytest.fixture
def three(world):
    return {
        "sysadmin": make_user("sys", Role.SYSADMIN, world.county),
        "security": make_user("sec", Role.SECURITY_ADMIN, world.county),
        "auditor": world.users["auditor"],
    }


def test_every_role_is_in_the_table():
    assert set(TABLE) == set(Role.values)


@pytest.mark.parametrize("role", list(TABLE))
def test_role_by_action_table(world, role):
    place = world.branch_a1 if role == Role.SECRETARY else world.township_a
    user = make_user(f"u_{role}", role, place)
    for action, allowed in zip(ACTIONS, TABLE[role], strict=True):
        assert path_in_scope(user, action, world.group_a1.path) is allowed, (role, action)
        # Never outside the grant's subtree.
        assert not path_in_scope(user, action, world.branch_b1.path), (role, action)


def test_the_three_read_no_business_data_and_only_the_auditor_reads_logs(world, three):
    member = world.members["zhang"]
    pages = [
        reverse("members:detail", args=[member.pk]),
        reverse("orgs:detail", args=[world.branch_a1.pk]),
        reverse("io:export-members"),
    ]
    for name, user in three.items():
        client = Client()
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code in (403, 404), (name, url)
        reveal = client.post(reverse("members:reveal-id", args=[member.pk]))
        assert reveal.status_code in (403, 404), name
        audit_page = client.get(reverse("core:audit"))
        assert audit_page.status_code == (200 if name == "auditor" else 403), name
    assert AccessLog.objects.filter(kind=AccessLog.Kind.REVEAL_ID).count() == 0


def test_the_three_land_on_a_home_page_without_business_sections(world, three):
    for name, user in three.items():
        client = Client()
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert 'href="/members/"' not in html and 'href="/orgs/"' not in html, name
        assert ('href="/audit/"' in html) is (name == "auditor"), name
        assert f'href="{reverse("access:password-change")}"' in html


def test_only_the_system_administrator_creates_disables_and_resets_passwords(world, three):
    target = world.users["secretary_a1"]
    for name in ("security", "auditor"):
        actor = three[name]
        with pytest.raises(PermissionDenied, match="系统管理员"):
            user_create(actor=actor, username=f"new_{name}", password=PASSWORD)
        with pytest.raises(PermissionDenied):
            user_disable(actor=actor, user=target)
        with pytest.raises(PermissionDenied):
            user_password_set(actor=actor, user=target, password="Other-pass-2027")
    with pytest.raises(PermissionDenied):
        user_create(actor=world.users["county_admin"], username="new_admin", password=PASSWORD)
    created = user_create(actor=three["sysadmin"], username="new_user", password=PASSWORD)
    assert AuditEvent.objects.get(action="user.create", object_id=str(created.pk)).actor == three["sysadmin"]
    user_disable(actor=three["sysadmin"], user=target)
    target.refresh_from_db()
    assert not target.is_active


def test_only_the_security_administrator_hands_out_the_three_roles(world, three):
    newcomer = make_user("newcomer")
    for actor in (three["sysadmin"], three["auditor"], world.users["county_admin"]):
        for role in (Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDITOR):
            with pytest.raises((ValidationError, PermissionDenied)):
                grant_create(actor=actor, user=newcomer, organization=world.county, role=role)
    assert not Grant.objects.filter(user=newcomer).exists()

    grant = grant_create(
        actor=three["security"], user=newcomer, organization=world.township_a, role=Role.AUDITOR
    )
    event = AuditEvent.objects.get(action="grant.create", object_id=str(grant.pk))
    assert event.actor == three["security"]
    # Nor can a business administrator remove the auditor who reads its changes.
    with pytest.raises(PermissionDenied, match="只能由安全管理员撤销"):
        grant_revoke(actor=world.users["county_admin"], grant=grant)
    grant_revoke(actor=three["security"], grant=grant)
    assert AuditEvent.objects.filter(action="grant.revoke", actor=three["security"]).exists()


def test_the_security_administrator_hands_out_no_business_role_and_the_sysadmin_no_grant(world, three):
    newcomer = make_user("newcomer")
    with pytest.raises(ValidationError, match="没有授予"):
        grant_create(
            actor=three["security"], user=newcomer, organization=world.branch_a1, role=Role.SECRETARY
        )
    with pytest.raises(PermissionDenied):
        grant_create(
            actor=three["sysadmin"], user=newcomer, organization=world.branch_a1, role=Role.SECRETARY
        )
    # The business roles stay with the 组织部管理员 inside the own subtree.
    grant_create(
        actor=world.users["township_a_admin"],
        user=newcomer,
        organization=world.branch_a1,
        role=Role.SECRETARY,
    )


@pytest.mark.parametrize(
    ("held", "wanted"),
    [
        (Role.SYSADMIN, Role.AUDITOR),
        (Role.AUDITOR, Role.SECURITY_ADMIN),
        (Role.SECURITY_ADMIN, Role.SYSADMIN),
        (Role.AUDITOR, Role.ORG_ADMIN),
        (Role.ORG_ADMIN, Role.AUDITOR),
        (Role.INSPECTOR, Role.SYSADMIN),
    ],
)
def test_one_account_holds_one_of_the_three_and_nothing_besides(world, three, held, wanted):
    user = make_user("dual", held, world.township_a)
    with pytest.raises(ValidationError) as error:
        grant_create(actor=None, user=user, organization=world.township_b, role=wanted)
    message = " ".join(error.value.messages)
    assert "须由不同账号分别担任" in message and "dual" in message
    assert list(Grant.objects.filter(user=user).values_list("role", flat=True)) == [held]


def test_the_same_administrative_role_over_a_second_subtree_is_allowed(world, three):
    grant_create(actor=None, user=three["auditor"], organization=world.township_b, role=Role.AUDITOR)
    assert three["auditor"].grants.count() == 2


def test_the_security_administrator_resets_second_factors_and_lifts_lockouts(world, three):
    target = world.users["secretary_a1"]
    AccessAttempt.objects.create(
        username="secretary_a1", ip_address="10.0.0.1", failures_since_start=5, attempt_time=timezone.now()
    )
    for name in ("sysadmin", "auditor"):
        with pytest.raises(PermissionDenied, match="安全管理员"):
            user_unlock(actor=three[name], user=target)
        with pytest.raises(PermissionDenied, match="安全管理员"):
            otp_reset(actor=three[name], user=target)
    assert user_unlock(actor=three["security"], user=target) == 1
    assert not AccessAttempt.objects.filter(username="secretary_a1").exists()
    event = AuditEvent.objects.get(action="user.unlock")
    assert event.actor == three["security"] and event.after == {"attempts_cleared": 1}
    # Only over the subtrees of the own grant.
    security_b = make_user("sec_b", Role.SECURITY_ADMIN, world.township_b)
    with pytest.raises(PermissionDenied, match="甲镇东村党支部"):
        otp_reset(actor=security_b, user=target)


def test_nobody_can_edit_or_erase_the_audit_log_through_the_application(world, three):
    before = list(AuditEvent.objects.order_by("pk").values_list("pk", "entry_hash"))
    assert AuditEvent not in admin.site._registry and AccessLog not in admin.site._registry
    for user in [*three.values(), make_user("root", is_superuser=True)]:
        client = Client()
        client.force_login(user)
        for method in (client.post, client.put, client.delete, client.patch):
            assert method(reverse("core:audit")).status_code in (403, 405)
    after = list(AuditEvent.objects.order_by("pk").values_list("pk", "entry_hash"))
    assert after[: len(before)] == before
