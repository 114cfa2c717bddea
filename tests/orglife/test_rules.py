"""Table-driven tests of the rules as data, judged by the pure functions of compliance.py
over figures built by hand (the database path is covered in test_compliance.py)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.orglife import rules
from dangjian.orglife.choices import ActivityKind as K
from dangjian.orglife.compliance import DUE, MET, MISSED, Counts, Unit, judge_branch, make_resolver
from dangjian.orglife.periods import Period, PeriodKind, periods_overlapping, window_for
from dangjian.orglife.rules import PLAIN, Condition, LocalSets, RuleSet

BRANCH = Unit(1, "B1", "东村党支部", "00010001", "branch", "rural", True, None)
PLAIN_BRANCH = Unit(2, "B2", "西村党支部", "00010002", "branch", "rural", False, None)
GROUP_1 = Unit(11, "B1G1", "第一党小组", "000100010001", "group")
GROUP_2 = Unit(12, "B1G2", "第二党小组", "000100010002", "group")
STATUTORY = rules.STATUTORY_RULE_SETS


def counts_of(records, conditions=()):
    """records: (unit id, group id or None, kinds, date, secretary spoke)."""
    counts = Counts()
    for unit_id, group_id, kinds, day, secretary in records:
        for kind in kinds:
            for condition in {PLAIN, *conditions}:
                if condition.secretary_speaker and not secretary:
                    continue
                if condition.day_of_month and day.day != condition.day_of_month:
                    continue
                counts.add(unit_id, kind, day.month, condition, 1)
                if group_id:
                    counts.add(group_id, kind, day.month, condition, 1)
    return counts


def judge(records, window, today, branch=BRANCH, groups=(), statutory=STATUTORY, local=None):
    local = local or LocalSets()
    conditions = {r.condition for s in statutory for r in s.rules} | {
        r.condition for sets in local.by_path.values() for s in sets for r in s.rules
    }
    resolve = make_resolver(statutory, local)
    return judge_branch(branch, list(groups), counts_of(records, conditions), window, today, resolve)


def test_statutory_set_has_every_rule_of_domain_md_with_a_source():
    (current,) = STATUTORY
    shape = {(r.code, r.kind, r.period, r.minimum, r.applies_to, r.secretary_speaker) for r in current.rules}
    assert shape == {
        ("general_meeting", K.GENERAL_MEETING, PeriodKind.QUARTER, 1, "all", False),
        ("committee_meeting", K.COMMITTEE_MEETING, PeriodKind.MONTH, 1, "committee", False),
        ("group_meeting", K.GROUP_MEETING, PeriodKind.MONTH, 1, "group", False),
        ("party_lecture", K.PARTY_LECTURE, PeriodKind.QUARTER, 1, "all", False),
        ("party_lecture_secretary", K.PARTY_LECTURE, PeriodKind.YEAR, 1, "all", True),
        ("theme_day", K.THEME_DAY, PeriodKind.MONTH, 1, "all", False),
        ("life_meeting", K.LIFE_MEETING, PeriodKind.YEAR, 1, "all", False),
        ("member_review", K.MEMBER_REVIEW, PeriodKind.YEAR, 1, "all", False),
        ("heart_talk", K.HEART_TALK, PeriodKind.YEAR, 1, "all", False),
    }
    assert all("支部工作条例" in r.source for r in current.rules)


Q3 = window_for(2026, quarter=3)
YEAR = window_for(2026)
AFTER_Q3 = dt.date(2026, 10, 1)
IN_Q3 = dt.date(2026, 8, 15)
d = dt.date


# (rule, records, window, today, required, held, status)
CASES = [
    # 党员大会: once a quarter.
    ("general_meeting", [(1, None, [K.GENERAL_MEETING], d(2026, 7, 3), False)], Q3, AFTER_Q3, 1, 1, MET),
    ("general_meeting", [], Q3, AFTER_Q3, 1, 0, MISSED),
    ("general_meeting", [], Q3, IN_Q3, 1, 0, DUE),
    ("general_meeting", [(1, None, [K.GENERAL_MEETING], d(2026, 6, 30), False)], Q3, AFTER_Q3, 1, 0, MISSED),
    ("general_meeting", [(1, None, [K.GENERAL_MEETING], d(2026, 9, 30), False)], Q3, AFTER_Q3, 1, 1, MET),
    # two in one quarter do not make up for another quarter
    (
        "general_meeting",
        [
            (1, None, [K.GENERAL_MEETING], d(2026, 1, 5), False),
            (1, None, [K.GENERAL_MEETING], d(2026, 2, 5), False),
        ],
        window_for(2026, quarter=2),
        d(2026, 7, 1),
        1,
        0,
        MISSED,
    ),
    # 支部委员会: every month of the quarter.
    (
        "committee_meeting",
        [(1, None, [K.COMMITTEE_MEETING], d(2026, m, 10), False) for m in (7, 8, 9)],
        Q3,
        AFTER_Q3,
        3,
        3,
        MET,
    ),
    (
        "committee_meeting",
        [(1, None, [K.COMMITTEE_MEETING], d(2026, m, 10), False) for m in (7, 9)],
        Q3,
        AFTER_Q3,
        3,
        2,
        MISSED,
    ),
    # 党课: once a quarter; the secretary's 党课 once a year (judged over the whole year).
    ("party_lecture", [(1, None, [K.PARTY_LECTURE], d(2026, 8, 1), False)], Q3, AFTER_Q3, 1, 1, MET),
    (
        "party_lecture_secretary",
        [(1, None, [K.PARTY_LECTURE], d(2026, 8, 1), False)],
        Q3,
        AFTER_Q3,
        1,
        0,
        DUE,
    ),
    ("party_lecture_secretary", [(1, None, [K.PARTY_LECTURE], d(2026, 3, 1), True)], Q3, AFTER_Q3, 1, 1, MET),
    (
        "party_lecture_secretary",
        [(1, None, [K.PARTY_LECTURE], d(2026, 3, 1), False)],
        YEAR,
        d(2027, 1, 1),
        1,
        0,
        MISSED,
    ),
    # 主题党日: every month.
    (
        "theme_day",
        [(1, None, [K.THEME_DAY], d(2026, m, 5), False) for m in range(1, 13)],
        YEAR,
        d(2027, 1, 1),
        12,
        12,
        MET,
    ),
    (
        "theme_day",
        [(1, None, [K.THEME_DAY], d(2026, m, 5), False) for m in range(1, 11)],
        YEAR,
        d(2026, 11, 23),
        12,
        10,
        DUE,
    ),
    # 组织生活会, 民主评议党员, 谈心谈话: once a year.
    ("life_meeting", [(1, None, [K.LIFE_MEETING], d(2026, 12, 28), False)], YEAR, d(2027, 1, 1), 1, 1, MET),
    ("life_meeting", [], YEAR, d(2026, 12, 31), 1, 0, DUE),
    ("life_meeting", [], YEAR, d(2027, 1, 1), 1, 0, MISSED),
    ("member_review", [(1, None, [K.MEMBER_REVIEW], d(2026, 1, 20), False)], Q3, AFTER_Q3, 1, 1, MET),
    ("heart_talk", [], Q3, AFTER_Q3, 1, 0, DUE),
]


@pytest.mark.parametrize(("code", "records", "window", "today", "required", "held", "status"), CASES)
def test_statutory_rule(code, records, window, today, required, held, status):
    result = judge(records, window, today).rules[code]
    assert (result.tally.required, result.tally.held, result.status) == (required, held, status)


def test_missing_items_are_named_in_chinese():
    result = judge([], Q3, AFTER_Q3).rules["general_meeting"]
    assert result.missing == ["2026年第3季度 未召开党员大会"]
    due = judge([], Q3, IN_Q3).rules["general_meeting"]
    assert due.missing == [] and due.outstanding == ["2026年第3季度 尚需召开党员大会1次（9月30日前）"]
    secretary = judge([], YEAR, d(2027, 1, 2)).rules["party_lecture_secretary"]
    assert secretary.missing == ["2026年 书记未讲党课"]


def test_combined_sitting_counts_for_each_of_its_kinds():
    sitting = (1, None, [K.THEME_DAY, K.GENERAL_MEETING, K.PARTY_LECTURE], d(2026, 7, 5), False)
    result = judge([sitting], window_for(2026, month=7), d(2026, 8, 1))
    assert {
        code: result.rules[code].status for code in ("theme_day", "general_meeting", "party_lecture")
    } == {
        "theme_day": MET,
        "general_meeting": MET,
        "party_lecture": MET,
    }


def test_branch_without_committee_has_no_committee_rule():
    with_committee = judge([], Q3, AFTER_Q3, branch=BRANCH)
    without = judge([], Q3, AFTER_Q3, branch=PLAIN_BRANCH)
    assert "committee_meeting" in with_committee.rules
    assert "committee_meeting" not in without.rules
    assert set(with_committee.rules) - set(without.rules) == {"committee_meeting"}


def test_group_rule_binds_each_group_and_only_branches_with_groups():
    records = [(1, 11, [K.GROUP_MEETING], d(2026, m, 8), False) for m in (7, 8, 9)]
    records.append((1, 12, [K.GROUP_MEETING], d(2026, 7, 8), False))
    result = judge(records, Q3, AFTER_Q3, groups=[GROUP_1, GROUP_2]).rules["group_meeting"]
    assert (result.tally.required, result.tally.held, result.status) == (6, 4, MISSED)
    assert result.by_unit[11].status == MET and result.by_unit[12].status == MISSED
    assert result.missing == ["2026年8月 第二党小组 未召开党小组会", "2026年9月 第二党小组 未召开党小组会"]
    assert "group_meeting" not in judge(records, Q3, AFTER_Q3, groups=[]).rules


@pytest.mark.parametrize(
    ("window", "kinds"),
    [
        # A month asked about: the quarter, half-year and year rules around it are judged whole.
        (window_for(2026, month=3), {"month": [3], "quarter": [1], "half_year": [1], "year": [1]}),
        (window_for(2026, quarter=3), {"month": [7, 8, 9], "quarter": [3], "half_year": [2], "year": [1]}),
        (
            window_for(2026),
            {"month": list(range(1, 13)), "quarter": [1, 2, 3, 4], "half_year": [1, 2], "year": [1]},
        ),
    ],
)
def test_periods_overlapping_the_window(window, kinds):
    for kind, indexes in kinds.items():
        assert [p.index for p in periods_overlapping(PeriodKind(kind), window)] == indexes


def test_periods_straddling_quarter_and_year_ends():
    q4 = Period(2026, PeriodKind.QUARTER, 4)
    assert (q4.start, q4.end, q4.label) == (d(2026, 10, 1), d(2026, 12, 31), "2026年第4季度")
    assert not q4.is_over(d(2026, 12, 31)) and q4.is_over(d(2027, 1, 1))
    h2 = Period(2026, PeriodKind.HALF_YEAR, 2)
    assert (h2.start, h2.end, h2.label) == (d(2026, 7, 1), d(2026, 12, 31), "2026年下半年")
    feb = Period(2028, PeriodKind.MONTH, 2)
    assert feb.end == d(2028, 2, 29)
    # A 党员大会 on 31 December counts for Q4 of that year, one on 1 January for Q1 of the next.
    records = [(1, None, [K.GENERAL_MEETING], d(2026, 12, 31), False)]
    assert judge(records, window_for(2026, quarter=4), d(2027, 1, 1)).rules["general_meeting"].status == MET
    next_q1 = judge(records, window_for(2027, quarter=1), d(2027, 4, 1)).rules["general_meeting"]
    assert next_q1.status == MISSED
    # The same meeting on the last day of Q3 is not a Q4 meeting.
    records = [(1, None, [K.GENERAL_MEETING], d(2026, 9, 30), False)]
    assert (
        judge(records, window_for(2026, quarter=4), d(2027, 1, 1)).rules["general_meeting"].status == MISSED
    )


def test_branch_established_mid_year_owes_nothing_for_earlier_periods():
    young = Unit(3, "B3", "新建党支部", "00010003", "branch", "rural", False, d(2026, 8, 10))
    result = judge([], YEAR, d(2027, 1, 1), branch=young).rules["theme_day"]
    assert result.tally.required == 5  # August to December


# --- rule-set versions and local rules ------------------------------------------------------

LOCAL_SLACK = RuleSet(
    d(2026, 7, 1),
    rules.parse_rules(
        [
            {
                "code": "rural_general_meeting",
                "replaces": "general_meeting",
                "kind": "general_meeting",
                "period": "month",
                "minimum": 1,
                "sectors": ["rural"],
                "months": [7, 8, 12],
                "source": "示范县2026年实施方案",
            },
            {
                "code": "theme_day_5th",
                "replaces": "theme_day",
                "kind": "theme_day",
                "period": "month",
                "minimum": 1,
                "day_of_month": 5,
            },
        ]
    ),
    "示范县组织生活规定",
)


def test_local_set_applies_from_its_date_to_periods_that_begin_then():
    local = LocalSets({"0001": (LOCAL_SLACK,)})
    records = [(1, None, [K.THEME_DAY], d(2026, m, 10), False) for m in range(1, 13)]
    result = judge(records, YEAR, d(2027, 1, 1), local=local)
    # January to June: statutory theme day, any day; July on: only the 5th counts.
    assert result.rules["theme_day"].tally.required == 6 and result.rules["theme_day"].status == MET
    assert result.rules["theme_day_5th"].tally.required == 6 and result.rules["theme_day_5th"].tally.held == 0
    assert result.rules["theme_day_5th"].missing[0] == "2026年7月 未在5日开展主题党日"
    # The quarterly 党员大会 holds for Q1 and Q2; from Q3 rural branches meet in July, August, December.
    assert result.rules["general_meeting"].tally.required == 2
    assert result.rules["rural_general_meeting"].tally.required == 3


def test_local_set_with_sector_leaves_other_sectors_on_the_statutory_rule():
    local = LocalSets({"0001": (LOCAL_SLACK,)})
    school = Unit(4, "S1", "中学党支部", "00010004", "branch", "school", False, None)
    result = judge([], window_for(2026, quarter=3), AFTER_Q3, branch=school, local=local)
    assert "general_meeting" in result.rules and "rural_general_meeting" not in result.rules


def test_a_newer_local_version_replaces_the_older_one_and_a_deeper_org_has_the_last_word():
    stricter = RuleSet(
        d(2027, 1, 1),
        rules.parse_rules(
            [{"code": "general_meeting", "kind": "general_meeting", "period": "month", "minimum": 1}]
        ),
    )
    township = RuleSet(
        d(2026, 1, 1),
        rules.parse_rules(
            [{"code": "party_lecture", "kind": "party_lecture", "period": "quarter", "minimum": 2}]
        ),
    )
    local = LocalSets({"0001": (LOCAL_SLACK, stricter), "00010001": (township,)})
    result_2026 = judge([], YEAR, d(2027, 1, 1), local=local)
    result_2027 = judge([], window_for(2027), d(2028, 1, 1), local=local)
    assert "rural_general_meeting" in result_2026.rules and "rural_general_meeting" not in result_2027.rules
    assert result_2027.rules["general_meeting"].tally.required == 12
    assert result_2027.rules["theme_day"].tally.required == 12  # the old local theme-day rule is gone
    assert result_2026.rules["party_lecture"].tally.required == 8


def test_statutory_versions_judge_each_period_by_the_set_in_force_on_its_first_day():
    tighter = RuleSet(
        d(2026, 4, 1),
        (rules.Rule("general_meeting", K.GENERAL_MEETING, PeriodKind.MONTH, 1, source="假设的新条例"),),
    )
    statutory = (*STATUTORY, tighter)
    records = [
        (1, None, [K.GENERAL_MEETING], d(2026, 2, 1), False),
        (1, None, [K.GENERAL_MEETING], d(2026, 4, 1), False),
    ]
    q1 = judge(records, window_for(2026, quarter=1), d(2026, 4, 1), statutory=statutory).rules
    q2 = judge(records, window_for(2026, quarter=2), d(2026, 7, 1), statutory=statutory).rules
    assert q1["general_meeting"].rule.period == PeriodKind.QUARTER and q1["general_meeting"].status == MET
    assert q2["general_meeting"].rule.period == PeriodKind.MONTH
    assert (q2["general_meeting"].tally.required, q2["general_meeting"].tally.held) == (3, 1)
    assert "theme_day" not in q2  # the new set has only its own rules
    # Before the first set took effect nothing was required.
    assert judge([], window_for(2018, quarter=3), d(2018, 10, 1)).rules == {}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("x", "第1条规则：应为对象"),
        ({"kind": "general_meeting", "period": "month", "minimum": 1}, "缺少规则代码"),
        ({"code": "a", "kind": "dance", "period": "month", "minimum": 1}, "活动类型 kind"),
        ({"code": "a", "kind": "theme_day", "period": "week", "minimum": 1}, "周期 period"),
        ({"code": "a", "kind": "theme_day", "period": "month", "minimum": 0}, "最少次数"),
        ({"code": "a", "kind": "theme_day", "period": "month", "minimum": True}, "最少次数"),
        ({"code": "a", "kind": "theme_day", "period": "month", "minimum": 1, "day_of_month": 31}, "固定日期"),
        ({"code": "a", "kind": "theme_day", "period": "month", "minimum": 1, "months": [13]}, "月份 months"),
        (
            {"code": "a", "kind": "theme_day", "period": "month", "minimum": 1, "sectors": ["farm"]},
            "单位属性",
        ),
        ({"code": "a", "kind": "theme_day", "period": "month", "minimum": 1, "applies_to": "x"}, "适用范围"),
        (
            {"code": "a", "kind": "theme_day", "period": "month", "minimum": 1, "colour": "red"},
            "未知字段“colour”",
        ),
    ],
)
def test_local_rules_are_validated_with_messages_naming_the_rule(item, message):
    with pytest.raises(ValidationError) as info:
        rules.parse_rules([item])
    assert any(message in text for text in info.value.message_dict["rules"])


def test_duplicate_codes_in_a_local_set_are_rejected():
    item = {"code": "a", "kind": "theme_day", "period": "month", "minimum": 1}
    with pytest.raises(ValidationError, match="代码“a”重复"):
        rules.parse_rules([item, item])


def test_rule_round_trips_through_json():
    for rule in LOCAL_SLACK.rules:
        assert rules.parse_rules([rule.to_json()]) == (rule,)
    assert Condition(True, None) == rules.STATUTORY_RULE_SETS[0].rules[4].condition
