"""Deadlines and targets as small pure functions. The dates are local calendar dates (the
county's own day, `timezone.localdate()`), so a deadline never moves with the server's clock."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from .choices import Comparison

# 挂账销号: an item is closed only on evidence of the rectification and the superior's
# confirmation (local practice in domain.md, "Work ledgers and task lists closed item by item").
CLOSE_NEEDS_EVIDENCE = True

# A deadline is the last day on which the work may still be done: overdue from the next day.
OVERDUE_FROM_DAYS_AFTER = 1


def is_overdue(*, deadline: dt.date, today: dt.date, done_on: dt.date | None = None) -> bool:
    """Late if not done by the end of the deadline day; an item done late stays late."""
    day = done_on if done_on is not None else today
    return (day - deadline).days >= OVERDUE_FROM_DAYS_AFTER


def days_overdue(*, deadline: dt.date, today: dt.date) -> int:
    return max(0, (today - deadline).days)


def share_percent(numerator: int, denominator: int) -> Decimal | None:
    """A share in percent with one decimal; None when there is nothing to count."""
    if denominator <= 0:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def target_met(*, value: Decimal | None, threshold: Decimal, comparison: str) -> bool:
    """ "一二类 ≥ 70%" is at_least 70; "四类 < 2%" is below 2 (strictly)."""
    if value is None:
        return False
    if comparison == Comparison.AT_LEAST:
        return value >= threshold
    if comparison == Comparison.BELOW:
        return value < threshold
    raise ValueError(f"unknown comparison {comparison!r}")
