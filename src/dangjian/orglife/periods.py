"""Calendar periods of organizational life: month, quarter, half-year and year, with their
Chinese names ("2026年第3季度") and the windows a compliance question asks about."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"

    @property
    def months(self) -> int:
        return _MONTHS[self.value]

    @property
    def label(self) -> str:
        return {"month": "每月", "quarter": "每季度", "half_year": "每半年", "year": "每年"}[self.value]


_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


@dataclass(frozen=True, order=True)
class Period:
    """One period of a kind: month 1–12, quarter 1–4, half 1–2, or the year (index 1).

    Its dates are cached: the dashboards read them for every rule of every branch."""

    year: int
    kind: PeriodKind
    index: int

    @cached_property
    def first_month(self) -> int:
        return (self.index - 1) * self.kind.months + 1

    @cached_property
    def month_numbers(self) -> range:
        return range(self.first_month, self.first_month + self.kind.months)

    @cached_property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @cached_property
    def end(self) -> dt.date:
        last_month = self.first_month + self.kind.months - 1
        return dt.date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.year}年{self.index}月"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.year}年第{self.index}季度"
        if self.kind == PeriodKind.HALF_YEAR:
            return f"{self.year}年{'上' if self.index == 1 else '下'}半年"
        return f"{self.year}年"

    def is_over(self, today: dt.date) -> bool:
        return self.end < today

    def to_json(self) -> dict:
        return {
            "kind": self.kind.value,
            "year": self.year,
            "index": self.index,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "label": self.label,
        }


def period_containing(kind: PeriodKind, day: dt.date) -> Period:
    return Period(day.year, kind, (day.month - 1) // kind.months + 1)


def periods_overlapping(kind: PeriodKind, window: Period) -> list[Period]:
    """The periods of `kind` that share at least one day with `window` (both lie in one year)."""
    first = period_containing(kind, window.start).index
    last = period_containing(kind, window.end).index
    return [Period(window.year, kind, index) for index in range(first, last + 1)]


def window_for(year: int, quarter: int | None = None, month: int | None = None) -> Period:
    """The period a question asks about: a year, a quarter of it or a month of it."""
    if not 1900 <= year <= 9999:
        raise ValueError(f"年份无效：{year}")
    if month is not None:
        if not 1 <= month <= 12:
            raise ValueError(f"月份应为1至12：{month}")
        if quarter is not None and (month - 1) // 3 + 1 != quarter:
            raise ValueError(f"{month}月不在第{quarter}季度")
        return Period(year, PeriodKind.MONTH, month)
    if quarter is not None:
        if not 1 <= quarter <= 4:
            raise ValueError(f"季度应为1至4：{quarter}")
        return Period(year, PeriodKind.QUARTER, quarter)
    return Period(year, PeriodKind.YEAR, 1)


def month_index(day: dt.date) -> int:
    """Months since year 0, so that consecutive months differ by one across year ends."""
    return day.year * 12 + day.month - 1


def month_from_index(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1
