import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.core.exceptions import ScopeDenied
from dangjian.core.testing.world import make_member
from dangjian.members.services import member_transfer
from dangjian.orglife.choices import ActivityKind as K
from dangjian.orglife.choices import AttendanceStatus
from dangjian.orglife.compliance import compliance_report
from dangjian.orglife.periods import window_for
from dangjian.orglife.selectors import absence_warnings, meeting_attendance, member_attendance
from dangjian.orglife.services import AttendanceEntry, local_rule_set_create, record_correct, record_create
from dangjian.orgs.services import organization_dissolve

from .conftest import TODAY, hold

Q3 = window_for(2026, quarter=3)
PRESENT, LEAVE, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT


def by_rule(report):
    return {rule["rule"]: rule for rule in report["rules"]}


@pytest.fixture
def q3_records(world):
    """TA01 keeps Q3 except the group's September meeting; TB01 keeps all of Q3; TA02 nothing."""
    a1, b1 = world.branch_a1, world.branch_b1
    hold(a1, dt.date(2026, 7, 5), K.THEME_DAY, K.GENERAL_MEETING, K.PARTY_LECTURE, speaker_name="镇党委书记")
    hold(a1, dt.date(2026, 8, 5), K.THEME_DAY)
    hold(a1, dt.date(2026, 9, 5), K.THEME_DAY)
    hold(a1, dt.date(2026, 7, 12), K.GROUP_MEETING, group=world.group_a1)
    hold(a1, dt.date(2026, 8, 12), K.GROUP_MEETING, group=world.group_a1)
    # A draft never counts.
    record_create(
        actor=None,
        organization=a1,
        kinds=[K.GROUP_MEETING],
        group=world.group_a1,
        held_on=dt.date(2026, 9, 12),
    )
    for month in (7, 8, 9):
        hold(b1, dt.date(2026, month, 1), K.THEME_DAY)
    hold(b1, dt.date(2026, 9, 20), K.GENERAL_MEETING, K.PARTY_LECTURE, speaker_name="赵丽")


def test_branch_report(world, q3_records):
    report = compliance_report(organization=world.branch_a1, window=Q3, today=TODAY)
    rules = by_rule(report)
    assert report["org"] == "TA01" and report["period"]["label"] == "2026年第3季度"
    # The combined sitting of 5 July counts for all three of its kinds.
    assert {
        code: (rules[code]["required"], rules[code]["held"], rules[code]["status"]) for code in rules
    } == {
        "general_meeting": (1, 1, "met"),
        "group_meeting": (3, 2, "missed"),
        "party_lecture": (1, 1, "met"),
        "party_lecture_secretary": (1, 0, "due"),
        "theme_day": (3, 3, "met"),
        "life_meeting": (1, 0, "due"),
        "member_review": (1, 0, "due"),
        "heart_talk": (1, 0, "due"),
    }
    assert "committee_meeting" not in rules  # TA01 has no branch committee
    assert report["status"] == "missed"
    assert report["missing"] == ["2026年9月 东村第一党小组 未召开党小组会"]
    assert "2026年 尚需开展民主评议党员1次（12月31日前）" in report["outstanding"]
    (group,) = report["children"]
    assert group["org"] == "TA01G1" and group["status"] == "missed"
    assert group["rules"] == [
        {
            "rule": "group_meeting",
            "name": group["rules"][0]["name"],
            "required": 3,
            "held": 2,
            "count": 2,
            "status": "missed",
        }
    ]


def test_rollup_over_the_county(world, q3_records):
    report = compliance_report(organization=world.county, window=Q3, today=TODAY)
    assert (report["branches"], report["met_all"], report["due"], report["missed_any"]) == (3, 0, 1, 2)
    theme = by_rule(report)["theme_day"]
    assert (theme["branches"], theme["met"], theme["missed"], theme["required"], theme["held"]) == (
        3,
        2,
        1,
        9,
        6,
    )
    assert theme["share_met"] == round(2 / 3, 4)
    assert [b["org"] for b in report["failing"]] == ["TA01", "TA02"]
    assert "2026年第3季度 未召开党员大会" in report["failing"][1]["missing"]
    children = {child["org"]: child for child in report["children"]}
    assert set(children) == {"TA", "TB"}
    assert (children["TA"]["branches"], children["TA"]["missed_any"]) == (2, 2)
    assert (children["TB"]["branches"], children["TB"]["due"], children["TB"]["missed_any"]) == (1, 1, 0)
    # The county's figures are the sums of its townships'.
    for code, rule in by_rule(report).items():
        parts = [by_rule(child).get(code) for child in report["children"]]
        assert rule["required"] == sum(p["required"] for p in parts if p)
        assert rule["held"] == sum(p["held"] for p in parts if p)
    assert report["sectors"]["rural"]["branches"] == 3


def test_whole_year_seen_after_it_ends(world):
    b1 = world.branch_b1
    for month in range(1, 13):
        hold(b1, dt.date(2026, month, 1), K.THEME_DAY, today=dt.date(2027, 1, 5))
    for quarter_month in (2, 5, 8, 11):
        hold(
            b1,
            dt.date(2026, quarter_month, 10),
            K.GENERAL_MEETING,
            K.PARTY_LECTURE,
            speaker_name="县委党校教师",
            today=dt.date(2027, 1, 5),
        )
    hold(b1, dt.date(2026, 12, 20), K.LIFE_MEETING, K.MEMBER_REVIEW, K.HEART_TALK, today=dt.date(2027, 1, 5))
    report = compliance_report(
        organization=world.branch_b1, window=window_for(2026), today=dt.date(2027, 1, 5)
    )
    statuses = {code: rule["status"] for code, rule in by_rule(report).items()}
    # Everything but the secretary's own 党课 (TB01 has no 书记 on record).
    assert statuses.pop("party_lecture_secretary") == "missed"
    assert set(statuses.values()) == {"met"}
    assert report["missing"] == ["2026年 书记未讲党课"]


def test_only_the_current_version_counts(world):
    record = hold(world.branch_a2, dt.date(2026, 5, 6), K.GENERAL_MEETING, K.THEME_DAY)
    q2 = window_for(2026, quarter=2)
    assert (
        by_rule(compliance_report(organization=world.branch_a2, window=q2, today=TODAY))["general_meeting"][
            "status"
        ]
        == "met"
    )
    record_correct(actor=None, activity=record, reason="实为主题党日", kinds=[K.THEME_DAY], today=TODAY)
    rules = by_rule(compliance_report(organization=world.branch_a2, window=q2, today=TODAY))
    assert rules["general_meeting"]["status"] == "missed"
    assert rules["theme_day"]["count"] == 1  # not two: the old version no longer counts


def test_local_rule_set_stored_for_the_county(world):
    local_rule_set_create(
        actor=world.users["county_admin"],
        organization=world.county,
        name="示范县主题党日规定",
        effective_from=dt.date(2026, 8, 1),
        rules_data=[
            {
                "code": "theme_day_5th",
                "replaces": "theme_day",
                "kind": "theme_day",
                "period": "month",
                "minimum": 1,
                "day_of_month": 5,
                "source": "示范县委组织部通知",
            }
        ],
    )
    for day in (dt.date(2026, 7, 10), dt.date(2026, 8, 10), dt.date(2026, 9, 5)):
        hold(world.branch_a2, day, K.THEME_DAY)
    rules = by_rule(compliance_report(organization=world.branch_a2, window=Q3, today=TODAY))
    # July is judged by the statutory rule (any day); from August only the 5th counts.
    assert (rules["theme_day"]["required"], rules["theme_day"]["status"]) == (1, "met")
    assert (rules["theme_day_5th"]["required"], rules["theme_day_5th"]["held"]) == (2, 1)
    assert rules["theme_day_5th"]["missing"] == ["2026年8月 未在5日开展主题党日"]
    # Another county's branches are not bound by it: TB01 is in the same county here, so check
    # the rule reaches it too, and that a township-only set would not.
    assert "theme_day_5th" in by_rule(compliance_report(organization=world.branch_b1, window=Q3, today=TODAY))


def test_township_rule_set_stays_in_its_subtree(world):
    local_rule_set_create(
        actor=world.users["township_a_admin"],
        organization=world.township_a,
        name="甲镇农忙规定",
        effective_from=dt.date(2026, 1, 1),
        rules_data=[
            {
                "code": "extra_lecture",
                "kind": "party_lecture",
                "period": "month",
                "minimum": 1,
                "sectors": ["rural"],
            }
        ],
    )
    assert "extra_lecture" in by_rule(compliance_report(organization=world.branch_a1, window=Q3, today=TODAY))
    assert "extra_lecture" not in by_rule(
        compliance_report(organization=world.branch_b1, window=Q3, today=TODAY)
    )
    county = compliance_report(organization=world.county, window=Q3, today=TODAY)
    assert by_rule(county)["extra_lecture"]["branches"] == 2


@pytest.mark.parametrize(
    ("user", "org"),
    [
        ("secretary_a1", "branch_a2"),
        ("township_a_admin", "branch_b1"),
        ("township_b_admin", "county"),
        ("nobody", "branch_a1"),
    ],
)
def test_report_is_scoped(world, user, org):
    with pytest.raises(ScopeDenied):
        compliance_report(organization=getattr(world, org), window=Q3, today=TODAY, user=world.users[user])


def test_report_within_scope(world):
    report = compliance_report(
        organization=world.township_a, window=Q3, today=TODAY, user=world.users["inspector_a"]
    )
    assert report["branches"] == 2


# --- attendance and absence ------------------------------------------------------------------


@pytest.fixture
def absent_months(world):
    zhang, li = world.members["zhang"], world.members["li"]
    a1 = world.branch_a1
    hold(
        a1,
        dt.date(2026, 6, 5),
        K.THEME_DAY,
        attendance=[AttendanceEntry(zhang, PRESENT), AttendanceEntry(li, PRESENT)],
    )
    hold(
        a1,
        dt.date(2026, 7, 5),
        K.THEME_DAY,
        attendance=[AttendanceEntry(zhang, ABSENT), AttendanceEntry(li, LEAVE, "外出务工")],
    )
    for month in (8, 9, 10):
        hold(
            a1,
            dt.date(2026, month, 5),
            K.THEME_DAY,
            attendance=[AttendanceEntry(zhang, ABSENT), AttendanceEntry(li, ABSENT)],
        )


def test_absence_warning_after_three_whole_months(world, absent_months):
    warnings = {w.name: w for w in absence_warnings(world.branch_a1, TODAY)}
    assert set(warnings) == {"张建国", "李秀英"}
    zhang, li = warnings["张建国"], warnings["李秀英"]
    assert (zhang.months, zhang.since, zhang.last_attended, zhang.critical) == (
        4,
        "2026年7月",
        dt.date(2026, 6, 5),
        False,
    )
    # Leave with a reason in July is a good reason: Li's streak starts in August.
    assert (li.months, li.since) == (3, "2026年8月")
    assert zhang.text() == "张建国自2026年7月起连续4个月未参加组织生活"
    # Before the end of September the streaks are still short of three months.
    assert absence_warnings(world.branch_a1, dt.date(2026, 9, 30)) == []


def test_absence_streak_runs_across_the_year_end_to_the_six_month_line(world, absent_months):
    (zhang,) = [w for w in absence_warnings(world.branch_a1, dt.date(2027, 2, 10)) if w.name == "张建国"]
    assert (zhang.months, zhang.critical) == (7, True)
    assert "已达党章第九条规定的6个月" in zhang.text()
    # Asked about the past (up to September), the warning reads as it did then.
    (then,) = [
        w
        for w in absence_warnings(world.branch_a1, dt.date(2027, 2, 10), up_to=dt.date(2026, 9, 30))
        if w.name == "张建国"
    ]
    assert then.months == 3


def test_absence_counts_from_the_first_whole_month_in_the_branch(world, absent_months):
    newcomer = make_member(
        world.branch_a2, name="孙新", joined_on=dt.date(2010, 7, 1), converted_on=dt.date(2011, 7, 1)
    )
    member_transfer(actor=None, member=newcomer, to_organization=world.branch_a1, on=dt.date(2026, 8, 15))
    names = {w.name for w in absence_warnings(world.branch_a1, TODAY)}
    assert "孙新" not in names  # September and October only
    names = {w.name for w in absence_warnings(world.branch_a1, dt.date(2026, 12, 1))}
    assert "孙新" in names  # September to November


def test_attendance_rates(world, absent_months):
    meetings = meeting_attendance(world.branch_a1, Q3)
    assert [(m["held_on"], m["present"], m["leave"], m["absent"], m["rate"]) for m in meetings] == [
        ("2026-07-05", 0, 1, 1, 0.0),
        ("2026-08-05", 0, 0, 2, 0.0),
        ("2026-09-05", 0, 0, 2, 0.0),
    ]
    half = window_for(2026)
    members = {m["name"]: m for m in member_attendance(world.branch_a1, half)}
    assert (members["张建国"]["recorded"], members["张建国"]["present"], members["张建国"]["rate"]) == (
        5,
        1,
        0.2,
    )
    assert (members["李秀英"]["leave"], members["李秀英"]["absent"]) == (1, 3)
    with pytest.raises(ScopeDenied):
        meeting_attendance(world.branch_a1, Q3, user=world.users["township_b_admin"])


# --- command line --------------------------------------------------------------------------


def run(*args):
    out = io.StringIO()
    call_command("compliance", *args, stdout=out)
    return out.getvalue()


def test_cli_json(world, q3_records):
    data = json.loads(
        run("--org", "C1", "--year", "2026", "--quarter", "3", "--today", "2026-11-23", "--format", "json")
    )
    assert data["org"] == "C1" and data["period"]["label"] == "2026年第3季度"
    assert {"rule", "required", "held", "status"} <= set(data["rules"][0])
    assert [child["org"] for child in data["children"]] == ["TA", "TB"]
    month = json.loads(
        run("--org", "TA01", "--year", "2026", "--month", "9", "--today", "2026-11-23", "--format", "json")
    )
    assert month["period"]["label"] == "2026年9月"
    assert by_rule(month)["group_meeting"]["status"] == "missed"


def test_cli_table(world, q3_records):
    text = run("--org", "TA", "--year", "2026", "--quarter", "3", "--today", "2026-11-23")
    assert "甲镇党委（TA） 2026年第3季度" in text
    assert "党支部2个：全部达标0个，进行中0个，未完成2个，达标率0.0%" in text
    assert "2026年第3季度 未召开党员大会" in text
    branch = run("--org", "TA01", "--year", "2026", "--quarter", "3", "--today", "2026-11-23")
    assert "未完成：\n  2026年9月 东村第一党小组 未召开党小组会" in branch


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "NOPE", "--year", "2026"], "党组织代码“NOPE”不存在"),
        (["--org", "C1", "--year", "2026", "--quarter", "1", "--month", "9"], "9月不在第1季度"),
        (["--org", "C1", "--year", "2026", "--today", "2026/11/23"], "--today 日期无效：2026/11/23"),
    ],
)
def test_cli_errors(world, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_branch_report_carries_attendance_and_warnings(world, absent_months):
    report = compliance_report(organization=world.branch_a1, window=Q3, today=TODAY)
    # Judged up to the end of the quarter asked about: Zhang Jul–Sep, Li only Aug–Sep.
    assert [w["text"] for w in report["absence_warnings"]] == ["张建国自2026年7月起连续3个月未参加组织生活"]
    assert [m["held_on"] for m in report["attendance"]] == ["2026-07-05", "2026-08-05", "2026-09-05"]
    assert {m["name"] for m in report["member_attendance"]} == {"张建国", "李秀英"}
    text = run("--org", "TA01", "--year", "2026", "--today", "2026-11-23")
    assert "连续未参加组织生活的党员：\n  张建国自2026年7月起连续4个月未参加组织生活" in text


def test_dissolved_branch_owes_nothing(world):
    member_transfer(
        actor=None, member=world.members["wang"], to_organization=world.branch_a1, on=dt.date(2026, 6, 30)
    )
    organization_dissolve(actor=None, organization=world.branch_a2, dissolved_on=dt.date(2026, 6, 30))
    world.branch_a2.refresh_from_db()
    report = compliance_report(organization=world.branch_a2, window=Q3, today=TODAY)
    assert report["rules"] == [] and report["status"] == "met"
    assert "甲镇西村党支部" in run(
        "--org", "TA02", "--year", "2026", "--quarter", "3", "--today", "2026-11-23"
    )
