"""The terms rules at their boundaries: term lengths by kind and sector, the 20% surplus of
candidates, the four-fifths quorum, the half of the votes to be elected, and postponements of
at most one year (leap days included)."""

import datetime as dt

import pytest

from dangjian.terms import rules

D = dt.date
TODAY = D(2026, 11, 23)


@pytest.mark.parametrize(
    ("kind", "sector", "years", "ok"),
    [
        ("committee", "government", 5, True),
        ("committee", "government", 3, False),
        ("branch", "rural", 5, True),
        ("branch", "rural", 3, False),
        ("branch", "community", 3, False),
        ("branch", "government", 3, True),
        ("branch", "school", 5, True),
        ("general_branch", "soe", 3, True),
        ("branch", "soe", 4, False),
        ("branch", "soe", None, False),
    ],
)
def test_term_years_by_kind_and_sector(kind, sector, years, ok):
    assert (rules.term_years_errors(kind, sector, years) == []) is ok


@pytest.mark.parametrize(
    ("seats", "fewest"), [(1, 2), (3, 4), (4, 5), (5, 6), (6, 8), (7, 9), (9, 11), (10, 12), (15, 18)]
)
def test_min_candidates_is_twenty_percent_more_rounded_up(seats, fewest):
    assert rules.min_candidates(seats) == fewest
    assert fewest * 5 >= seats * 6 and (fewest - 1) * 5 < seats * 6


@pytest.mark.parametrize(
    ("entitled", "present", "valid"),
    [
        (5, 5, True),
        (5, 4, False),
        (10, 9, True),
        (10, 8, False),
        (11, 9, True),
        (20, 17, True),
        (20, 16, False),
    ],
)
def test_quorum_is_more_than_four_fifths(entitled, present, valid):
    assert rules.quorum_met(entitled, present) is valid


def ballot(**kw):
    values = dict(
        held_on=TODAY,
        seats=3,
        candidates=["甲", "乙", "丙", "丁"],
        voters_entitled=10,
        voters_present=9,
        elected=[("甲", 9), ("乙", 8), ("丙", 5)],
    )
    values.update(kw)
    return rules.Ballot(**values)


def fields(**kw):
    started = kw.pop("term_started_on", D(2021, 11, 23))
    return [name for name, _ in rules.election_errors(ballot(**kw), term_started_on=started, today=TODAY)]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"held_on": TODAY + dt.timedelta(days=1)}, ["held_on"]),
        ({"term_started_on": TODAY}, ["held_on"]),
        ({"candidates": ["甲", "乙", "丙"]}, ["candidates"]),
        ({"candidates": ["甲", "乙", "丙", "丙"]}, ["candidates", "candidates"]),
        ({"voters_present": 8, "elected": [("甲", 8), ("乙", 8), ("丙", 5)]}, ["voters_present"]),
        ({"voters_present": 11, "elected": [("甲", 9), ("乙", 8), ("丙", 6)]}, ["voters_present"]),
        ({"elected": [("甲", 9), ("乙", 8), ("丙", 4)]}, ["elected"]),
        ({"elected": [("甲", 9), ("乙", 8), ("戊", 7)]}, ["elected"]),
        ({"elected": [("甲", 9), ("乙", 8), ("丙", 7), ("丁", 6)]}, ["elected"]),
        ({"elected": [("甲", 10)]}, ["elected"]),
        ({"elected": []}, ["elected"]),
        ({"seats": 5, "candidates": list("甲乙丙丁戊己"), "elected": [("甲", 9)]}, []),
        ({"seats": 5, "candidates": list("甲乙丙丁戊"), "elected": [("甲", 9)]}, ["candidates"]),
    ],
)
def test_election_errors_at_each_boundary(changes, expected):
    assert fields(**changes) == expected


def postpone(
    term_ends_on, postponed_to, reason="村“两委”换届统一安排", approved_by="甲镇党委", approved_on=TODAY
):
    return [
        name
        for name, _ in rules.postponement_errors(
            term_ends_on=term_ends_on,
            postponed_to=postponed_to,
            reason=reason,
            approved_by=approved_by,
            approved_on=approved_on,
            today=TODAY,
        )
    ]


@pytest.mark.parametrize(
    ("ends", "to", "expected"),
    [
        (D(2026, 12, 31), D(2026, 12, 31), ["postponed_to"]),  # the day itself is no postponement
        (D(2026, 12, 31), D(2027, 1, 1), []),
        (D(2026, 12, 31), D(2027, 12, 31), []),  # exactly one year
        (D(2026, 12, 31), D(2028, 1, 1), ["postponed_to"]),  # a day more
        (D(2028, 2, 29), D(2029, 2, 28), []),  # a leap day's anniversary is 28 February
        (D(2028, 2, 29), D(2029, 3, 1), ["postponed_to"]),
        (None, D(2027, 1, 1), ["postponed_to"]),
    ],
)
def test_postponement_at_most_one_year(ends, to, expected):
    assert postpone(ends, to) == expected


def test_postponement_needs_reason_approver_and_a_past_approval():
    ends = D(2026, 12, 31)
    assert postpone(ends, D(2027, 6, 30), reason=" ", approved_by="") == ["reason", "approved_by"]
    assert postpone(ends, D(2027, 6, 30), approved_on=TODAY + dt.timedelta(days=1)) == ["approved_on"]


@pytest.mark.parametrize(
    ("ends", "postponed", "due"),
    [(D(2026, 5, 1), None, D(2026, 5, 1)), (D(2026, 5, 1), D(2026, 11, 1), D(2026, 11, 1))],
)
def test_due_date_follows_the_postponement(ends, postponed, due):
    assert rules.due_date(ends, postponed) == due


@pytest.mark.parametrize(
    ("today", "horizon"),
    [(D(2026, 11, 23), D(2027, 5, 23)), (D(2026, 8, 31), D(2027, 2, 28)), (D(2027, 8, 31), D(2028, 2, 29))],
)
def test_horizon_is_six_months_at_month_ends(today, horizon):
    assert rules.horizon(today) == horizon


def test_parsing_names_and_elected_lines():
    assert rules.parse_names("张三、李四，王五\n赵六") == ["张三", "李四", "王五", "赵六"]
    assert rules.parse_elected("张三 9\n李四：8票\n\n王五") == (
        [("张三", 9), ("李四", 8)],
        ["第4行“王五”应写成“姓名 得票数”"],
    )
