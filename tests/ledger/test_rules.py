import datetime as dt
from decimal import Decimal as D

import pytest

from dangjian.ledger import rules

DEADLINE = dt.date(2026, 2, 28)


@pytest.mark.parametrize(
    ("today", "done_on", "late"),
    [
        (dt.date(2026, 2, 27), None, False),  # the day before
        (dt.date(2026, 2, 28), None, False),  # the day of: still on time
        (dt.date(2026, 3, 1), None, True),  # the day after, across a month end
        (dt.date(2026, 3, 31), dt.date(2026, 2, 28), False),  # done on the day, looked at later
        (dt.date(2026, 3, 31), dt.date(2026, 3, 1), True),  # done a day late stays late
        (dt.date(2026, 2, 1), dt.date(2026, 1, 15), False),
    ],
)
def test_overdue_around_the_deadline(today, done_on, late):
    assert rules.is_overdue(deadline=DEADLINE, today=today, done_on=done_on) is late


@pytest.mark.parametrize(
    ("deadline", "today", "late"),
    [
        (dt.date(2024, 2, 29), dt.date(2024, 2, 29), False),  # leap day
        (dt.date(2024, 2, 29), dt.date(2024, 3, 1), True),
        (dt.date(2026, 12, 31), dt.date(2027, 1, 1), True),  # year end
        (dt.date(2026, 4, 30), dt.date(2026, 4, 30), False),
    ],
)
def test_overdue_at_month_and_year_ends(deadline, today, late):
    assert rules.is_overdue(deadline=deadline, today=today) is late
    assert rules.days_overdue(deadline=deadline, today=today) == (1 if late else 0)


@pytest.mark.parametrize(
    ("numerator", "denominator", "percent"),
    [(7, 10, D("70.0")), (2, 3, D("66.7")), (1, 3, D("33.3")), (0, 5, D("0.0")), (3, 0, None)],
)
def test_share_percent(numerator, denominator, percent):
    assert rules.share_percent(numerator, denominator) == percent


@pytest.mark.parametrize(
    ("value", "threshold", "comparison", "met"),
    [
        (D("70.0"), D(70), "at_least", True),
        (D("69.9"), D(70), "at_least", False),
        (D("1.9"), D(2), "below", True),
        (D("2.0"), D(2), "below", False),  # "四类 < 2%": exactly 2% misses
        (None, D(70), "at_least", False),
        (None, D(2), "below", False),
    ],
)
def test_target_met_at_its_threshold(value, threshold, comparison, met):
    assert rules.target_met(value=value, threshold=threshold, comparison=comparison) is met


def test_unknown_comparison_is_a_programming_error():
    with pytest.raises(ValueError):
        rules.target_met(value=D(1), threshold=D(1), comparison="about")
