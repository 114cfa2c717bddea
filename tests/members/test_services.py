import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.exceptions import ScopeDenied
from dangjian.core.models import AuditEvent
from dangjian.core.testing.world import make_member, new_id_number
from dangjian.members.choices import Category, EventKind, MemberStatus, PartyRole
from dangjian.members.models import Member, MemberRole
from dangjian.members.services import (
    member_convert,
    member_create,
    member_exit,
    member_role_assign,
    member_transfer,
    member_update,
    members_upsert,
)


def test_create_derives_birth_and_sex_and_pinyin(world):
    number = new_id_number(dt.date(1975, 3, 2), "F")
    member = member_create(
        actor=world.users["secretary_a1"],
        organization=world.branch_a1,
        name="单丽华",
        id_number=number.lower(),
        category=Category.FULL,
        joined_on=dt.date(2000, 7, 1),
        converted_on=dt.date(2001, 7, 1),
    )
    assert member.birth_date == dt.date(1975, 3, 2) and member.sex == "F"
    assert "slh" in member.name_initials.split() and "shanlihua" in member.name_pinyin.split()
    assert [e.kind for e in member.events.all()] == [EventKind.JOINED, EventKind.CONVERTED]
    event = AuditEvent.objects.get(action="member.create", object_id=str(member.pk))
    assert event.after["id_number"] == number[:6] + "********" + number[-4:]


def test_create_rejects_mismatched_sex_and_birth(world):
    number = new_id_number(dt.date(1975, 3, 2), "F")
    with pytest.raises(ValidationError) as info:
        member_create(
            actor=None,
            organization=world.branch_a1,
            name="甲",
            id_number=number,
            sex="M",
            birth_date=dt.date(1975, 3, 3),
            category=Category.PROBATIONARY,
            joined_on=dt.date(2026, 1, 1),
        )
    assert set(info.value.message_dict) == {"sex", "birth_date"}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"joined_on": dt.date(1996, 5, 16), "converted_on": dt.date(1997, 5, 16)},
            "joined_on",
            "未满18周岁",
        ),
        (
            {"joined_on": dt.date(2005, 1, 1), "converted_on": dt.date(2005, 12, 31)},
            "converted_on",
            "1至2年内",
        ),
        ({"joined_on": dt.date(2005, 1, 1), "converted_on": dt.date(2007, 1, 2)}, "converted_on", "1至2年内"),
        ({"joined_on": dt.date(2005, 1, 1), "converted_on": None}, "converted_on", "须填写转正日期"),
        (
            {"category": Category.PROBATIONARY, "converted_on": dt.date(2007, 1, 1)},
            "converted_on",
            "不应有转正日期",
        ),
    ],
)
def test_date_rules(world, fields, field, message):
    with pytest.raises(ValidationError) as info:
        make_member(world.branch_a1, birth_date=dt.date(1978, 5, 17), **fields)
    assert any(message in text for text in info.value.message_dict[field])


def test_join_at_exactly_18_allowed(world):
    make_member(
        world.branch_a1,
        birth_date=dt.date(1978, 5, 17),
        joined_on=dt.date(1996, 5, 17),
        converted_on=dt.date(1997, 5, 17),
    )


def test_members_only_in_branches(world):
    with pytest.raises(ValidationError, match="不是党支部"):
        make_member(world.township_a)
    with pytest.raises(ValidationError, match="不是“甲镇西村党支部”下设的党小组"):
        make_member(world.branch_a2, group=world.group_a1)


def test_duplicate_id_number_rejected(world):
    with pytest.raises(ValidationError, match="公民身份号码"):
        make_member(world.branch_a2, id_number=world.members["zhang"].id_number)


def test_secretary_cannot_write_other_branch(world):
    with pytest.raises(ScopeDenied):
        make_member(world.branch_a2, actor=world.users["secretary_a1"])
    with pytest.raises(ScopeDenied):
        member_update(actor=world.users["secretary_a1"], member=world.members["wang"], job="会计")


def test_transfer_moves_member_with_trail(world):
    admin = world.users["county_admin"]
    zhang = world.members["zhang"]
    member_role_assign(
        actor=admin,
        member=zhang,
        organization=world.branch_a1,
        role=PartyRole.SECRETARY,
        started_on=dt.date(2021, 1, 1),
    )
    member_transfer(
        actor=admin, member=zhang, to_organization=world.branch_b1, on=dt.date(2026, 3, 1), note="工作调动"
    )
    zhang.refresh_from_db()
    assert zhang.organization == world.branch_b1 and zhang.group is None
    kinds = [
        (e.kind, e.organization.code, e.counterpart.code)
        for e in zhang.events.filter(counterpart__isnull=False)
    ]
    assert kinds == [(EventKind.TRANSFERRED_OUT, "TA01", "TB01"), (EventKind.TRANSFERRED_IN, "TB01", "TA01")]
    assert MemberRole.objects.get(member=zhang).ended_on == dt.date(2026, 3, 1)
    assert AuditEvent.objects.filter(action="member.transfer", object_id=str(zhang.pk)).count() == 1


def test_transfer_across_scopes_refused(world):
    with pytest.raises(ScopeDenied):
        member_transfer(
            actor=world.users["township_a_admin"],
            member=world.members["zhang"],
            to_organization=world.branch_b1,
            on=dt.date(2026, 3, 1),
        )
    assert Member.objects.get(pk=world.members["zhang"].pk).organization == world.branch_a1


def test_transfer_to_non_branch_refused(world):
    with pytest.raises(ValidationError, match="不是党支部"):
        member_transfer(
            actor=None,
            member=world.members["zhang"],
            to_organization=world.township_b,
            on=dt.date(2026, 3, 1),
        )


def test_convert_probationary(world):
    zhao = world.members["zhao"]
    with pytest.raises(ValidationError, match="1至2年内"):
        member_convert(actor=None, member=zhao, converted_on=dt.date(2026, 6, 1))
    old = make_member(world.branch_b1, category=Category.PROBATIONARY, joined_on=dt.date(2024, 9, 1))
    member_convert(actor=world.users["township_b_admin"], member=old, converted_on=dt.date(2025, 9, 1))
    old.refresh_from_db()
    assert old.category == Category.FULL and old.converted_on == dt.date(2025, 9, 1)
    with pytest.raises(ValidationError, match="已是正式党员"):
        member_convert(actor=None, member=old, converted_on=dt.date(2025, 9, 2))


def test_exit_records_status(world):
    wang = world.members["wang"]
    member_exit(actor=None, member=wang, kind=EventKind.DIED, on=dt.date(2026, 2, 1))
    wang.refresh_from_db()
    assert wang.status == MemberStatus.DIED
    with pytest.raises(ValidationError, match="已不在册"):
        member_transfer(actor=None, member=wang, to_organization=world.branch_a1, on=dt.date(2026, 3, 1))


def test_secretary_role_single_holder(world):
    zhang, li = world.members["zhang"], world.members["li"]
    member_role_assign(
        actor=None,
        member=zhang,
        organization=world.branch_a1,
        role=PartyRole.SECRETARY,
        started_on=dt.date(2020, 1, 1),
    )
    member_role_assign(
        actor=None,
        member=li,
        organization=world.branch_a1,
        role=PartyRole.SECRETARY,
        started_on=dt.date(2023, 1, 1),
    )
    current = MemberRole.objects.get(
        organization=world.branch_a1, role=PartyRole.SECRETARY, ended_on__isnull=True
    )
    assert current.member == li


def test_upsert_is_idempotent(world):
    zhang = world.members["zhang"]
    same = Member(
        **{f.attname: getattr(zhang, f.attname) for f in Member._meta.concrete_fields if f.name != "id"}
    )
    result = members_upsert(actor=world.users["county_admin"], members=[same])
    assert result.written == 0 and result.unchanged == 1
    same.job = "村会计"
    result = members_upsert(actor=world.users["county_admin"], members=[same])
    assert [m.pk for m in result.updated] == [zhang.pk]
    zhang.refresh_from_db()
    assert zhang.job == "村会计"
