"""Dates as people type them in Chinese offices, parsed strictly: never a guess.

Excel stores dates as serial numbers (days since 1899-12-30, counting Lotus's phantom
1900-02-29); calamine already turns date cells into `date`/`datetime`, but a cell formatted
as a number still carries the serial.
"""

import datetime as dt
import re
from dataclasses import dataclass

from .text import clean_text

EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serials outside this window are far more likely an ID, a phone number or a typo than a date.
_MIN_SERIAL, _MAX_SERIAL = 1, 2958465  # 1900-01-01 .. 9999-12-31


@dataclass(frozen=True)
class ParsedDate:
    value: dt.date
    month_precision: bool = False


class DateParseError(ValueError):
    """The text is not one of the accepted date forms; the message is for people, in Chinese."""


_FULL_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_MONTH_PATTERNS = [
    re.compile(r"^(\d{4})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})-(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月$"),
]
# A time part that Excel or WPS sometimes appends to a date typed as text.
_TRAILING_MIDNIGHT = re.compile(r"[ T]0{1,2}:00(:00(\.0+)?)?$")

ACCEPTED_FORMS = (
    "2001-07-01、2001/7/1、2001.07.01、2001年7月1日、20010701，或精确到月的 2001.07、2001-07、2001年7月"
)


def from_excel_serial(serial: float) -> dt.date:
    # The range test comes first: int() of an infinite or NaN cell would raise its own error.
    if not (_MIN_SERIAL <= serial <= _MAX_SERIAL) or serial != int(serial):
        raise DateParseError("不是有效的 Excel 日期")
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def _build(year: str, month: str, day: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError as exc:
        raise DateParseError(f"日期不存在：{year}年{int(month)}月{int(day)}日") from exc


def parse_date(value: object) -> ParsedDate | None:
    """None for an empty cell; a ParsedDate; or DateParseError naming the accepted forms."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return ParsedDate(value.date())
    if isinstance(value, dt.date):
        return ParsedDate(value)
    if isinstance(value, bool):
        raise DateParseError(f"无法识别的日期，可用格式：{ACCEPTED_FORMS}")
    if isinstance(value, int | float):
        return ParsedDate(from_excel_serial(value))
    text = clean_text(value)
    if not text:
        return None
    text = _TRAILING_MIDNIGHT.sub("", text)
    for pattern in _FULL_PATTERNS:
        if match := pattern.match(text):
            return ParsedDate(_build(*match.groups()))
    for pattern in _MONTH_PATTERNS:
        if match := pattern.match(text):
            year, month = match.groups()
            return ParsedDate(_build(year, month, "1"), month_precision=True)
    # A serial number exported as text ("36708" or "36708.0"). Only five digits (1927 to 2173):
    # a four-digit text is far more likely a bare year, and a year alone is not a date.
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return ParsedDate(from_excel_serial(float(text)))
    raise DateParseError(f"无法识别的日期，可用格式：{ACCEPTED_FORMS}")


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def format_cn(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""
