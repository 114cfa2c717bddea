import pytest

from dangjian.access.roles import Role
from dangjian.access.services import grant_create
from dangjian.core.models import AuditEvent
from dangjian.core.restrict import minimal_prefixes
from dangjian.members.models import Member
from dangjian.orgs.models import Organization


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_minimal_prefixes():
    assert minimal_prefixes(["0001", "00010002", "0002", "00020001", "0003"]) == ["0001", "0002", "0003"]
    assert minimal_prefixes([]) == []


@pytest.mark.parametrize(
    ("user", "action", "expected"),
    [
        ("county_admin", "view", ["C1", "TA", "TA01", "TA01G1", "TA02", "TB", "TB01"]),
        ("township_a_admin", "view", ["TA", "TA01", "TA01G1", "TA02"]),
        ("township_a_admin", "manage_orgs", ["TA", "TA01", "TA01G1", "TA02"]),
        ("secretary_a1", "view", ["TA01", "TA01G1"]),
        ("secretary_a1", "manage_orgs", []),
        ("inspector_a", "view", ["TA", "TA01", "TA01G1", "TA02"]),
        ("inspector_a", "change", []),
        ("auditor", "view", []),
        ("nobody", "view", []),
    ],
)
def test_org_scope_by_role(world, user, action, expected):
    assert codes(Organization.objects.restrict(world.users[user], action)) == expected


def test_member_scope(world):
    visible = Member.objects.restrict(world.users["township_a_admin"], "view")
    assert sorted(m.name for m in visible) == ["张建国", "李秀英", "王小明"]
    assert not Member.objects.restrict(world.users["township_a_admin"], "view").filter(name="赵丽").exists()


def test_auditor_reads_audit_of_subtree_only(world):
    auditor = world.users["auditor"]
    assert AuditEvent.objects.restrict(auditor, "audit").filter(organization__code="TB01").exists()
    assert not AuditEvent.objects.restrict(world.users["township_a_admin"], "audit").exists()


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Organization.objects.restrict(AnonymousUser(), "view").exists()


def test_grant_only_within_own_reach(world):
    from django.core.exceptions import ValidationError

    from dangjian.core.exceptions import ScopeDenied

    township_admin = world.users["township_a_admin"]
    with pytest.raises(ScopeDenied):
        grant_create(
            actor=township_admin,
            user=world.users["nobody"],
            organization=world.township_b,
            role=Role.INSPECTOR,
        )
    with pytest.raises(ValidationError, match="只能授予党支部"):
        grant_create(
            actor=None, user=world.users["nobody"], organization=world.township_a, role=Role.SECRETARY
        )
    grant_create(
        actor=township_admin, user=world.users["nobody"], organization=world.branch_a2, role=Role.SECRETARY
    )
    assert codes(Organization.objects.restrict(world.users["nobody"], "view")) == ["TA02"]
