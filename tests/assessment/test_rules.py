import datetime as dt
from decimal import Decimal as D

import pytest

from dangjian.assessment import rules
from dangjian.assessment.choices import GradeChange, ScoringMethod
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.rules import OrgFigures

BANDS = (D(90), D(75), D(60))


@pytest.mark.parametrize(
    ("percent", "grade"),
    [
        (D(100), 1),
        (D(90), 1),
        (D("89.99"), 2),
        (D(75), 2),
        (D("74.99"), 3),
        (D(60), 3),
        (D("59.99"), 4),
        (D(0), 4),
    ],
)
def test_grade_at_band_edges(percent, grade):
    assert rules.grade_for(percent, BANDS) == grade


def test_grade_follows_a_county_own_bands():
    assert rules.grade_for(D(85), (D(85), D(70), D(50))) == 1
    assert rules.grade_for(D(85), BANDS) == 2


@pytest.mark.parametrize(
    ("bands", "ok"),
    [
        ((D(90), D(75), D(60)), True),
        ((D(100), D(99), D(1)), True),
        ((D(101), D(75), D(60)), False),
        ((D(90), D(90), D(60)), False),
        ((D(90), D(75), D(0)), False),
        ((D(60), D(75), D(90)), False),
    ],
)
def test_bands_must_descend_within_0_to_100(bands, ok):
    assert (rules.bands_error(bands) is None) is ok


@pytest.mark.parametrize(
    ("total", "maximum", "percent"),
    [
        (D(90), D(100), D("90.00")),
        (D("17.5"), D(20), D("87.50")),
        (D(2), D(3), D("66.67")),
        (D(5), D(0), D(0)),
    ],
)
def test_percent_of(total, maximum, percent):
    assert rules.percent_of(total, maximum) == percent


@pytest.mark.parametrize(
    ("previous", "current", "change"),
    [
        (None, 2, GradeChange.NEW),
        (3, 2, GradeChange.UP),
        (4, 1, GradeChange.UP),
        (2, 2, GradeChange.SAME),
        (1, 2, GradeChange.DOWN),
    ],
)
def test_year_over_year_change(previous, current, change):
    assert rules.grade_change(previous, current) == change


@pytest.mark.parametrize(
    ("awarded", "evidence_required", "evidence", "ok"),
    [
        (D(5), True, "会议记录", True),
        (D(5), True, "", False),
        (D(5), True, "   ", False),
        (D(0), True, "", True),  # no points needs no evidence
        (D(5), False, "", True),
        (D("5.1"), False, "x", False),
        (D(-1), False, "x", False),
        (D(0), False, "", True),
    ],
)
def test_manual_score_within_points_and_evidence(awarded, evidence_required, evidence, ok):
    error = rules.manual_score_error(
        number=3, points=D(5), awarded=awarded, evidence_required=evidence_required, evidence=evidence
    )
    assert (error is None) is ok
    if not ok:
        assert "第3项" in error


def figures(full=10, probationary=0, committee=True, term_ends_on=None, postponed_to=None):
    return OrgFigures(
        kind=OrgKind.BRANCH,
        full_members=full,
        probationary_members=probationary,
        has_committee=committee,
        term_ends_on=term_ends_on,
        term_postponed_to=postponed_to,
    )


TODAY = dt.date(2026, 12, 20)


@pytest.mark.parametrize(
    ("method", "org", "met"),
    [
        (ScoringMethod.AUTO_COMMITTEE, figures(full=7, committee=False), False),
        (ScoringMethod.AUTO_COMMITTEE, figures(full=6, committee=False), True),
        (ScoringMethod.AUTO_COMMITTEE, figures(full=7, committee=True), True),
        (ScoringMethod.AUTO_TERM, figures(term_ends_on=TODAY), True),
        (ScoringMethod.AUTO_TERM, figures(term_ends_on=TODAY - dt.timedelta(days=1)), False),
        # An approved postponement (选举条例第三条) keeps the item met until its day has passed.
        (
            ScoringMethod.AUTO_TERM,
            figures(term_ends_on=TODAY - dt.timedelta(days=30), postponed_to=TODAY),
            True,
        ),
        (
            ScoringMethod.AUTO_TERM,
            figures(term_ends_on=TODAY - dt.timedelta(days=30), postponed_to=TODAY - dt.timedelta(days=1)),
            False,
        ),
        (ScoringMethod.AUTO_MEMBER_COUNT, figures(full=50), True),
        (ScoringMethod.AUTO_MEMBER_COUNT, figures(full=50, probationary=1), False),
        (ScoringMethod.AUTO_MEMBER_COUNT, figures(full=3, committee=False), True),
        (ScoringMethod.AUTO_MEMBER_COUNT, figures(full=2, committee=False), False),
    ],
)
def test_automatic_items_from_the_statutory_setting_rules(method, org, met):
    assert rules.auto_item_met(method, org, TODAY) is met


@pytest.mark.parametrize(
    ("grade", "categories", "weak"),
    [(4, [], True), (3, [], False), (None, [], False), (1, ["leader"], True), (2, ["unknown"], False)],
)
def test_weak_screening(grade, categories, weak):
    assert rules.is_weak(grade=grade, categories=categories) is weak
