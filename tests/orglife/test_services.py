import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.core.exceptions import ScopeDenied
from dangjian.core.models import AuditEvent
from dangjian.core.testing.world import make_member
from dangjian.members.choices import PartyRole
from dangjian.members.services import member_exit, member_role_assign, member_transfer
from dangjian.orglife.choices import ActivityKind as K
from dangjian.orglife.choices import ActivityStatus, AttendanceStatus
from dangjian.orglife.models import Activity, Attachment
from dangjian.orglife.services import (
    AttendanceEntry,
    attachment_add,
    attendance_set,
    local_rule_set_create,
    record_correct,
    record_create,
    record_submit,
    record_update,
)
from dangjian.orgs.services import organization_update

from .conftest import TODAY, hold

PRESENT, LEAVE, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64


def draft(world, *kinds, actor=None, **fields):
    fields.setdefault("topic", "主题党日")
    return record_create(
        actor=actor,
        organization=world.branch_a1,
        kinds=kinds or [K.THEME_DAY],
        held_on=dt.date(2026, 11, 5),
        **fields,
    )


def test_create_update_submit_and_lock(world):
    secretary = world.users["secretary_a1"]
    activity = draft(
        world, K.THEME_DAY, K.PARTY_LECTURE, actor=secretary, place="村党员活动室", speaker_name="张书记"
    )
    assert activity.status == ActivityStatus.DRAFT and activity.kinds == [K.PARTY_LECTURE, K.THEME_DAY]
    activity = record_update(
        actor=secretary, activity=activity, topic="学习新修订的条例", kinds=[K.THEME_DAY]
    )
    assert activity.kinds == [K.THEME_DAY] and activity.topic == "学习新修订的条例"
    record_submit(actor=secretary, activity=activity, today=TODAY)
    activity.refresh_from_db()
    assert activity.is_locked and activity.submitted_by == secretary
    with pytest.raises(ValidationError) as info:
        record_update(actor=secretary, activity=activity, topic="改")
    assert "不能修改" in info.value.message_dict["status"][0]
    with pytest.raises(ValidationError):
        attendance_set(actor=secretary, activity=activity, entries=[])
    actions = list(
        AuditEvent.objects.filter(object_type="activity", object_id=str(activity.pk)).values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["orglife.create", "orglife.submit", "orglife.update"]


@pytest.mark.parametrize(
    ("kinds", "fields", "field", "message"),
    [
        ([], {}, "kinds", "请至少选择一种活动类型"),
        ([K.GROUP_MEETING], {}, "group", "党小组会须选择召开会议的党小组"),
        ([K.COMMITTEE_MEETING], {}, "kinds", "未设支部委员会"),
        (["dance"], {}, "kinds", "未知的活动类型"),
    ],
)
def test_draft_validation_names_the_field(world, kinds, fields, field, message):
    with pytest.raises(ValidationError) as info:
        record_create(
            actor=None, organization=world.branch_a1, kinds=kinds, held_on=dt.date(2026, 3, 1), **fields
        )
    assert message in " ".join(info.value.message_dict[field])


def test_group_must_belong_to_the_branch(world):
    with pytest.raises(ValidationError) as info:
        record_create(
            actor=None,
            organization=world.branch_a2,
            kinds=[K.GROUP_MEETING],
            held_on=dt.date(2026, 3, 1),
            group=world.group_a1,
        )
    assert "不是“甲镇西村党支部”下设的党小组" in info.value.message_dict["group"][0]
    ok = record_create(
        actor=None,
        organization=world.branch_a1,
        kinds=[K.GROUP_MEETING],
        held_on=dt.date(2026, 3, 1),
        group=world.group_a1,
    )
    assert ok.group == world.group_a1


def test_records_only_in_branches(world):
    with pytest.raises(ValidationError) as info:
        record_create(
            actor=None, organization=world.township_a, kinds=[K.THEME_DAY], held_on=dt.date(2026, 3, 1)
        )
    assert "不是党支部" in info.value.message_dict["organization"][0]


def test_committee_meeting_allowed_once_the_branch_has_a_committee(world):
    organization_update(actor=None, organization=world.branch_a1, has_committee=True)
    world.branch_a1.refresh_from_db()
    assert draft(world, K.COMMITTEE_MEETING).kinds == [K.COMMITTEE_MEETING]


def test_submission_rules(world):
    future = record_create(
        actor=None,
        organization=world.branch_a1,
        kinds=[K.PARTY_LECTURE],
        held_on=TODAY + dt.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as info:
        record_submit(actor=None, activity=future, today=TODAY)
    errors = info.value.message_dict
    assert "晚于今天" in errors["held_on"][0]
    assert errors["topic"] == ["请填写主题"]
    assert errors["speaker_name"] == ["党课须填写主讲人"]
    assert Activity.objects.get(pk=future.pk).status == ActivityStatus.DRAFT


def test_secretary_spoke_follows_the_post_in_force_on_the_day(world):
    zhang, li = world.members["zhang"], world.members["li"]
    member_role_assign(
        actor=None,
        member=zhang,
        organization=world.branch_a1,
        role=PartyRole.SECRETARY,
        started_on=dt.date(2021, 1, 1),
    )
    member_role_assign(
        actor=None,
        member=li,
        organization=world.branch_a1,
        role=PartyRole.SECRETARY,
        started_on=dt.date(2026, 6, 1),
    )
    before = hold(world.branch_a1, dt.date(2026, 5, 31), K.PARTY_LECTURE, speaker_member=zhang)
    handover = hold(world.branch_a1, dt.date(2026, 6, 1), K.PARTY_LECTURE, speaker_member=zhang)
    after = hold(world.branch_a1, dt.date(2026, 6, 2), K.PARTY_LECTURE, speaker_member=li)
    theme_only = hold(world.branch_a1, dt.date(2026, 6, 3), K.THEME_DAY, speaker_member=li)
    assert (before.secretary_spoke, handover.secretary_spoke, after.secretary_spoke) == (True, False, True)
    assert before.speaker_name == "张建国"
    assert theme_only.secretary_spoke is False  # only a 党课 is a secretary's 党课


def test_minutes_are_sanitized_on_save(world):
    activity = draft(
        world,
        minutes='<p onclick="x()">议程<script>alert(1)</script><a href="javascript:alert(1)">链接</a></p>',
    )
    assert activity.minutes == '<p>议程<a rel="noopener noreferrer nofollow">链接</a></p>'


# --- attendance -----------------------------------------------------------------------------


def test_attendance_per_member(world):
    activity = draft(world)
    zhang, li = world.members["zhang"], world.members["li"]
    rows = attendance_set(
        actor=None,
        activity=activity,
        entries=[AttendanceEntry(zhang, PRESENT), AttendanceEntry(li, LEAVE, "外出务工")],
    )
    assert {(r.member.name, r.status, r.leave_reason) for r in rows} == {
        ("张建国", PRESENT, ""),
        ("李秀英", LEAVE, "外出务工"),
    }
    # Setting again replaces, it does not add.
    attendance_set(actor=None, activity=activity, entries=[AttendanceEntry(zhang, ABSENT)])
    assert list(activity.attendance.values_list("status", flat=True)) == [ABSENT]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            lambda w: [AttendanceEntry(w.members["wang"], PRESENT)],
            "王小明在2026-11-05不是“甲镇东村党支部”的党员",
        ),
        (lambda w: [AttendanceEntry(w.members["zhang"], LEAVE)], "张建国：请假须填写事由"),
        (lambda w: [AttendanceEntry(w.members["zhang"], PRESENT)] * 2, "张建国重复登记"),
        (lambda w: [AttendanceEntry(w.members["zhang"], "late")], "张建国：出勤状态应为出席、请假或缺席"),
    ],
)
def test_attendance_errors(world, entries, message):
    with pytest.raises(ValidationError) as info:
        attendance_set(actor=None, activity=draft(world), entries=entries(world))
    assert message in info.value.message_dict["attendance"]


def test_attendance_judged_by_membership_on_the_day_of_the_sitting(world):
    newcomer = make_member(
        world.branch_a2, name="孙新", joined_on=dt.date(2010, 7, 1), converted_on=dt.date(2011, 7, 1)
    )
    member_transfer(actor=None, member=newcomer, to_organization=world.branch_a1, on=dt.date(2026, 6, 15))
    leaver = world.members["li"]
    member_exit(actor=None, member=leaver, kind="died", on=dt.date(2026, 9, 1))

    def entries_on(day):
        activity = record_create(actor=None, organization=world.branch_a1, kinds=[K.THEME_DAY], held_on=day)
        return activity

    spring = entries_on(dt.date(2026, 5, 10))
    with pytest.raises(ValidationError, match="孙新在2026-05-10不是"):
        attendance_set(actor=None, activity=spring, entries=[AttendanceEntry(newcomer, PRESENT)])
    # Li was still a member in May, though no longer on the roster today.
    attendance_set(actor=None, activity=spring, entries=[AttendanceEntry(leaver, PRESENT)])
    transfer_day = entries_on(dt.date(2026, 6, 15))
    attendance_set(actor=None, activity=transfer_day, entries=[AttendanceEntry(newcomer, PRESENT)])
    autumn = entries_on(dt.date(2026, 10, 5))
    with pytest.raises(ValidationError, match="李秀英在2026-10-05不是"):
        attendance_set(actor=None, activity=autumn, entries=[AttendanceEntry(leaver, PRESENT)])


def test_moving_a_draft_to_another_day_rechecks_attendance_on_submit(world):
    newcomer = make_member(
        world.branch_a2, name="孙新", joined_on=dt.date(2010, 7, 1), converted_on=dt.date(2011, 7, 1)
    )
    member_transfer(actor=None, member=newcomer, to_organization=world.branch_a1, on=dt.date(2026, 6, 15))
    activity = record_create(
        actor=None,
        organization=world.branch_a1,
        kinds=[K.THEME_DAY],
        held_on=dt.date(2026, 7, 1),
        topic="七一",
    )
    attendance_set(actor=None, activity=activity, entries=[AttendanceEntry(newcomer, PRESENT)])
    record_update(actor=None, activity=activity, held_on=dt.date(2026, 6, 1))
    with pytest.raises(ValidationError) as info:
        record_submit(actor=None, activity=activity, today=TODAY)
    assert "孙新在2026-06-01不是" in info.value.message_dict["attendance"][0]


# --- corrections ---------------------------------------------------------------------------


def test_correction_is_a_new_version_and_keeps_history(world):
    secretary = world.users["secretary_a1"]
    zhang = world.members["zhang"]
    first = draft(world, K.THEME_DAY, actor=secretary)
    attendance_set(actor=secretary, activity=first, entries=[AttendanceEntry(zhang, PRESENT)])
    photo = attachment_add(
        actor=secretary, activity=first, kind="photo", upload=SimpleUploadedFile("会场.png", PNG, "image/png")
    )
    record_submit(actor=secretary, activity=first, today=TODAY)
    second = record_correct(
        actor=secretary,
        activity=first,
        reason="漏记党员大会",
        kinds=[K.THEME_DAY, K.GENERAL_MEETING],
        today=TODAY,
    )
    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert (second.version, second.previous_id, second.status) == (2, first.pk, ActivityStatus.SUBMITTED)
    assert second.kinds == [K.GENERAL_MEETING, K.THEME_DAY] and first.kinds == [K.THEME_DAY]
    assert list(second.attendance.values_list("member__name", "status")) == [("张建国", PRESENT)]
    # The same stored file serves both versions: evidence is uploaded once.
    assert list(second.attachments.values_list("file", "original_name")) == [(photo.file.name, "会场.png")]
    assert second.created_by == secretary and second.correction_reason == "漏记党员大会"
    event = AuditEvent.objects.get(action="orglife.correct")
    assert event.before == {"kinds": [K.THEME_DAY], "version": 1}
    assert (
        event.after["kinds"] == [K.GENERAL_MEETING, K.THEME_DAY] and event.after["reason"] == "漏记党员大会"
    )
    assert list(Activity.objects.current().values_list("pk", flat=True)) == [second.pk]
    with pytest.raises(ValidationError, match="第2版更正"):
        record_correct(actor=secretary, activity=first, reason="再改", today=TODAY)
    third = record_correct(actor=secretary, activity=second, reason="改地点", place="村委会", today=TODAY)
    assert third.version == 3 and third.previous == second


def test_correction_needs_a_reason_and_a_submitted_record(world):
    activity = draft(world)
    with pytest.raises(ValidationError, match="无需更正"):
        record_correct(actor=None, activity=activity, reason="x", today=TODAY)
    record_submit(actor=None, activity=activity, today=TODAY)
    with pytest.raises(ValidationError, match="请填写更正原因"):
        record_correct(actor=None, activity=activity, reason="  ", today=TODAY)
    with pytest.raises(ValidationError) as info:
        record_correct(
            actor=None, activity=activity, reason="改日期", held_on=TODAY + dt.timedelta(days=3), today=TODAY
        )
    assert "held_on" in info.value.message_dict
    assert Activity.objects.get(pk=activity.pk).is_current


# --- attachments ---------------------------------------------------------------------------


def test_attachments_accepted_by_content(world):
    activity = draft(world)
    photo = attachment_add(
        actor=None, activity=activity, kind="photo", upload=SimpleUploadedFile("会场.JPG", JPEG, "image/jpeg")
    )
    sheet = attachment_add(
        actor=None,
        activity=activity,
        kind="sign_in",
        upload=SimpleUploadedFile("签到.pdf", PDF, "application/pdf"),
    )
    assert (photo.content_type, photo.size) == ("image/jpeg", len(JPEG))
    assert sheet.content_type == "application/pdf" and sheet.file.read() == PDF


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("photo", "a.pdf", PDF, "不是可接受的照片文件"),
        ("photo", "a.jpg", b"<script>alert(1)</script>", "不是可接受的照片文件"),
        ("sign_in", "a.exe", b"MZ\x90\x00" + b"\x00" * 20, "不是可接受的签到表文件"),
        ("photo", "a.png", JPEG, "扩展名与文件内容（JPG）不符"),
        ("photo", "a.jpg", b"", "是空文件"),
        ("photo", "big.jpg", JPEG + b"\x00" * 2048, "超过上限"),
        ("video", "a.jpg", JPEG, "附件类型"),
    ],
)
def test_attachment_checks(world, settings, kind, name, content, message):
    settings.ORGLIFE_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as info:
        attachment_add(
            actor=None,
            activity=draft(world),
            kind=kind,
            upload=SimpleUploadedFile(name, content, "image/jpeg"),
        )
    assert message in " ".join(info.value.messages)
    assert not Attachment.objects.exists()


def test_attachments_only_on_drafts(world):
    activity = hold(world.branch_a1, dt.date(2026, 11, 1), K.THEME_DAY)
    with pytest.raises(ValidationError, match="不能修改"):
        attachment_add(actor=None, activity=activity, kind="photo", upload=SimpleUploadedFile("a.png", PNG))


# --- scope ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "branch"),
    [
        ("township_a_admin", "branch_b1"),
        ("secretary_a1", "branch_a2"),
        ("inspector_a", "branch_a1"),
        ("nobody", "branch_a1"),
    ],
)
def test_cannot_record_outside_scope(world, user, branch):
    actor = world.users[user]
    with pytest.raises(ScopeDenied):
        record_create(
            actor=actor, organization=getattr(world, branch), kinds=[K.THEME_DAY], held_on=dt.date(2026, 3, 1)
        )


def test_cannot_touch_records_of_another_branch(world):
    other = hold(
        world.branch_a2,
        dt.date(2026, 11, 2),
        K.THEME_DAY,
        attendance=[AttendanceEntry(world.members["wang"], PRESENT)],
    )
    secretary = world.users["secretary_a1"]
    with pytest.raises(ScopeDenied):
        record_correct(actor=secretary, activity=other, reason="x", today=TODAY)
    draft_b = record_create(
        actor=None, organization=world.branch_b1, kinds=[K.THEME_DAY], held_on=dt.date(2026, 3, 1)
    )
    for call in (
        lambda: record_update(actor=world.users["township_a_admin"], activity=draft_b, topic="x"),
        lambda: record_submit(actor=world.users["township_a_admin"], activity=draft_b),
        lambda: attendance_set(actor=world.users["township_a_admin"], activity=draft_b, entries=[]),
        lambda: attachment_add(
            actor=world.users["township_a_admin"],
            activity=draft_b,
            kind="photo",
            upload=SimpleUploadedFile("a.png", PNG),
        ),
    ):
        with pytest.raises(ScopeDenied):
            call()
    assert (
        record_update(actor=world.users["township_b_admin"], activity=draft_b, topic="乙镇").topic == "乙镇"
    )


def test_local_rule_sets_need_manage_orgs(world):
    rules_data = [
        {
            "code": "theme_day_5",
            "replaces": "theme_day",
            "kind": "theme_day",
            "period": "month",
            "minimum": 1,
            "day_of_month": 5,
        }
    ]
    with pytest.raises(ScopeDenied):
        local_rule_set_create(
            actor=world.users["secretary_a1"],
            organization=world.branch_a1,
            name="x",
            effective_from=dt.date(2026, 1, 1),
            rules_data=rules_data,
        )
    rule_set = local_rule_set_create(
        actor=world.users["county_admin"],
        organization=world.county,
        name="示范县规定",
        effective_from=dt.date(2026, 1, 1),
        rules_data=rules_data,
    )
    assert rule_set.rules[0]["day_of_month"] == 5
    with pytest.raises(ValidationError) as info:
        local_rule_set_create(
            actor=None,
            organization=world.county,
            name="重复",
            effective_from=dt.date(2026, 1, 1),
            rules_data=rules_data,
        )
    assert "effective_from" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        local_rule_set_create(
            actor=None,
            organization=world.county,
            name="坏",
            effective_from=dt.date(2027, 1, 1),
            rules_data=[{}],
        )
    assert info.value.message_dict["rules"][0].startswith("第1条规则：")
