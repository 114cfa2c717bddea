import datetime as dt

import pytest

from dangjian.orgs.rules import SOURCE_POSTPONE, SOURCE_TERMS, OrgFigures, org_warnings
from dangjian.terms import rules as terms_rules

TODAY = dt.date(2026, 11, 23)


def codes(**kw):
    defaults = dict(
        kind="branch", full_members=5, probationary_members=0, has_committee=False, term_ends_on=None
    )
    defaults.update(kw)
    return [w.code for w in org_warnings(OrgFigures(**defaults), TODAY)]


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        ({"full_members": 50}, ["committee_missing"]),
        ({"full_members": 50, "has_committee": True}, []),
        ({"full_members": 50, "probationary_members": 1, "has_committee": True}, ["branch_too_large"]),
        ({"full_members": 6}, []),
        ({"full_members": 7}, ["committee_missing"]),
        ({"full_members": 7, "has_committee": True}, []),
        ({"full_members": 3}, []),
        ({"full_members": 2, "probationary_members": 4}, ["too_few_full_members"]),
        ({"kind": "joint_branch", "full_members": 2}, []),
        ({"kind": "committee", "full_members": 0}, []),
        ({"term_ends_on": TODAY + dt.timedelta(days=91)}, []),
        ({"term_ends_on": TODAY + dt.timedelta(days=90)}, ["term_ending"]),
        ({"term_ends_on": TODAY}, ["term_ending"]),
        ({"term_ends_on": TODAY - dt.timedelta(days=1)}, ["term_ended"]),
        ({"kind": "group", "full_members": 0, "term_ends_on": TODAY - dt.timedelta(days=1)}, []),
        ({"full_members": 0, "is_active": False}, []),
    ],
)
def test_warnings_at_each_boundary(figures, expected):
    assert codes(**figures) == expected


ENDED = TODAY - dt.timedelta(days=30)


@pytest.mark.parametrize(
    ("term_ends_on", "postponed_to", "code", "severity", "source", "words"),
    [
        # No postponement: the term's end is the due day.
        (ENDED, None, "term_ended", "danger", SOURCE_TERMS, ["任期已于", "应按期换届"]),
        (TODAY + dt.timedelta(days=10), None, "term_ending", "warning", SOURCE_TERMS, ["还有10天"]),
        # Postponed and not yet due, the day itself included.
        (
            ENDED,
            TODAY + dt.timedelta(days=10),
            "term_postponed",
            "warning",
            SOURCE_POSTPONE,
            [
                f"任期已于{ENDED:%Y-%m-%d}届满",
                f"经批准延期至{TODAY + dt.timedelta(days=10):%Y-%m-%d}换届",
                "还有10天",
            ],
        ),
        (ENDED, TODAY, "term_postponed", "warning", SOURCE_POSTPONE, ["还有0天"]),
        # Postponed before the term ended: the usual reminder, naming the postponement.
        (
            TODAY + dt.timedelta(days=10),
            TODAY + dt.timedelta(days=200),
            "term_ending",
            "warning",
            SOURCE_POSTPONE,
            ["还有10天", f"经批准延期至{TODAY + dt.timedelta(days=200):%Y-%m-%d}"],
        ),
        # The postponed day has passed: overdue, both dates named.
        (
            ENDED,
            TODAY - dt.timedelta(days=1),
            "term_ended",
            "danger",
            SOURCE_POSTPONE,
            [f"{ENDED:%Y-%m-%d}届满", f"延期至{TODAY - dt.timedelta(days=1):%Y-%m-%d}", "应立即换届"],
        ),
        # A day not later than the term's end postpones nothing (terms.rules.due_date).
        (ENDED, ENDED, "term_ended", "danger", SOURCE_TERMS, ["应按期换届"]),
    ],
)
def test_term_warning_with_postponement(term_ends_on, postponed_to, code, severity, source, words):
    figures = OrgFigures(
        kind="branch",
        full_members=5,
        probationary_members=0,
        has_committee=False,
        term_ends_on=term_ends_on,
        term_postponed_to=postponed_to,
    )
    [warning] = org_warnings(figures, TODAY)
    assert (warning.code, warning.severity, warning.source) == (code, severity, source)
    assert all(word in warning.message for word in words), warning.message


@pytest.mark.parametrize("postponed_days", [None, -40, -30, -29, 0, 89, 120])
def test_overdue_exactly_when_terms_due_date_has_passed(postponed_days):
    """orgs repeats the terms rule rather than import it; both must agree on the due day."""
    postponed_to = None if postponed_days is None else TODAY + dt.timedelta(days=postponed_days)
    figures = OrgFigures(
        kind="branch",
        full_members=5,
        probationary_members=0,
        has_committee=False,
        term_ends_on=ENDED,
        term_postponed_to=postponed_to,
    )
    overdue = "term_ended" in [w.code for w in org_warnings(figures, TODAY)]
    assert overdue == (terms_rules.due_date(ENDED, postponed_to) < TODAY)


def test_postponement_source_is_the_terms_one():
    assert SOURCE_POSTPONE == terms_rules.SOURCE_POSTPONE
