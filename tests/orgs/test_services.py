import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.exceptions import ScopeDenied
from dangjian.core.models import AuditEvent
from dangjian.orgs.choices import OrgKind, OrgStatus, Sector
from dangjian.orgs.models import Organization
from dangjian.orgs.services import (
    organization_create,
    organization_dissolve,
    organization_move,
    organization_rename,
    organization_update,
)


def assert_tree_sound():
    assert all(not problems for problems in Organization.objects.find_problems())


def test_create_child_is_audited(world):
    admin = world.users["township_a_admin"]
    branch = organization_create(
        actor=admin,
        parent=world.township_a,
        code="TA03",
        name="甲镇北村党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.RURAL,
    )
    assert Organization.objects.get_parent(branch) == world.township_a
    event = AuditEvent.objects.get(action="organization.create", object_id=str(branch.pk))
    assert event.actor == admin and event.after["parent"] == "TA"
    assert_tree_sound()


def test_cannot_create_outside_own_subtree(world):
    with pytest.raises(ScopeDenied):
        organization_create(
            actor=world.users["township_a_admin"],
            parent=world.township_b,
            code="TB09",
            name="乙镇某支部",
            kind=OrgKind.BRANCH,
            sector=Sector.RURAL,
        )
    assert not Organization.objects.filter(code="TB09").exists()


def test_secretary_cannot_create_organizations(world):
    with pytest.raises(ScopeDenied):
        organization_create(
            actor=world.users["secretary_a1"],
            parent=world.branch_a1,
            code="G2",
            name="第二党小组",
            kind=OrgKind.GROUP,
            sector=Sector.RURAL,
        )


@pytest.mark.parametrize(
    ("parent_attr", "kind", "message"),
    [
        ("group_a1", OrgKind.GROUP, "党小组下不能再设下级组织"),
        ("group_a1", OrgKind.BRANCH, "党小组下不能再设下级组织"),
        ("township_a", OrgKind.GROUP, "党小组只能设在党支部"),
        ("county", OrgKind.GROUP, "党小组只能设在党支部"),
    ],
)
def test_placement_rules(world, parent_attr, kind, message):
    with pytest.raises(ValidationError, match=message):
        organization_create(
            actor=None,
            parent=getattr(world, parent_attr),
            code="X1",
            name="X",
            kind=kind,
            sector=Sector.RURAL,
        )


def test_duplicate_code_rejected(world):
    with pytest.raises(ValidationError, match="组织代码"):
        organization_create(
            actor=None,
            parent=world.township_a,
            code="TA01",
            name="重复",
            kind=OrgKind.BRANCH,
            sector=Sector.RURAL,
        )


def test_term_years_must_be_3_or_5(world):
    with pytest.raises(ValidationError, match="3年或5年"):
        organization_update(actor=None, organization=world.branch_a1, term_years=4)


def test_rename_keeps_old_name_in_audit(world):
    organization_rename(
        actor=world.users["secretary_a1"], organization=world.branch_a1, name="甲镇东村新党支部"
    )
    event = AuditEvent.objects.get(action="organization.rename")
    assert event.before == {"name": "甲镇东村党支部"} and event.after == {"name": "甲镇东村新党支部"}


def test_move_subtree_keeps_tree_sound(world):
    admin = world.users["county_admin"]
    moved = organization_move(actor=admin, organization=world.branch_a1, new_parent=world.township_b)
    assert Organization.objects.get_parent(moved) == world.township_b
    group = Organization.objects.get(code="TA01G1")
    assert Organization.objects.get_parent(group).code == "TA01"
    assert group.path.startswith(moved.path)
    assert_tree_sound()
    # Members follow their branch: township B's admin now reaches them.
    assert world.members["zhang"].organization.code == "TA01"


def test_move_many_times_keeps_tree_sound(world):
    admin = world.users["county_admin"]
    for i in range(5):
        organization_create(
            actor=admin,
            parent=world.township_a,
            code=f"N{i}",
            name=f"新支部{i}",
            kind=OrgKind.BRANCH,
            sector=Sector.RURAL,
        )
    for i in range(5):
        target = world.township_b if i % 2 == 0 else world.township_a
        organization_move(actor=admin, organization=Organization.objects.get(code=f"N{i}"), new_parent=target)
    organization_move(actor=admin, organization=world.township_a, new_parent=world.township_b)
    assert_tree_sound()
    assert Organization.objects.get(code="TA01G1").path.startswith(Organization.objects.get(code="TB").path)


def test_move_into_own_descendant_refused(world):
    with pytest.raises(ValidationError, match="自身或自己的下级"):
        organization_move(actor=None, organization=world.township_a, new_parent=world.branch_a1)


def test_move_across_scopes_refused(world):
    with pytest.raises(ScopeDenied):
        organization_move(
            actor=world.users["township_a_admin"], organization=world.branch_a2, new_parent=world.township_b
        )
    assert Organization.objects.get_parent(Organization.objects.get(code="TA02")).code == "TA"


def test_move_group_with_members_refused(world):
    with pytest.raises(ValidationError, match="党小组内仍有党员"):
        organization_move(actor=None, organization=world.group_a1, new_parent=world.branch_a2)


def test_dissolve_requires_empty_organization(world):
    with pytest.raises(ValidationError, match="仍有党员"):
        organization_dissolve(actor=None, organization=world.branch_a2, dissolved_on=dt.date(2026, 1, 1))
    empty = organization_create(
        actor=None,
        parent=world.township_a,
        code="TA09",
        name="空支部",
        kind=OrgKind.BRANCH,
        sector=Sector.RURAL,
    )
    organization_dissolve(actor=None, organization=empty, dissolved_on=dt.date(2026, 1, 1), reason="单位注销")
    empty.refresh_from_db()
    assert empty.status == OrgStatus.DISSOLVED and empty.dissolved_on == dt.date(2026, 1, 1)
    with pytest.raises(ValidationError, match="已撤销"):
        organization_create(
            actor=None, parent=empty, code="TA09G", name="小组", kind=OrgKind.GROUP, sector=Sector.RURAL
        )


def test_kind_change_to_group_refused_with_children(world):
    with pytest.raises(ValidationError, match="不能改为党小组"):
        organization_update(actor=None, organization=world.township_a, kind=OrgKind.GROUP)


def test_term_end_computed(world):
    org = organization_update(
        actor=None, organization=world.branch_a1, term_started_on=dt.date(2024, 2, 29), term_years=5
    )
    assert org.term_ends_on == dt.date(2029, 2, 28)
