"""Rules on a member's dates, as pure functions returning (field, message) pairs in Chinese.
The forms, the API, the services and the Excel importer all judge a member by these."""

import datetime as dt
from dataclasses import dataclass

from dangjian.core.dates import add_years, age_on

SOURCE_RECRUITMENT = "《中国共产党发展党员工作细则》（2014年）"
SOURCE_CONSTITUTION_PROBATION = "《中国共产党章程》第七条：预备期为一年，可以延长预备期，但不能超过一年"

MIN_JOIN_AGE = 18
PROBATION_YEARS = 1
# Probation may be extended by at most one year, so conversion falls 1 to 2 years after joining.
MAX_PROBATION_YEARS = 2


@dataclass(frozen=True)
class MemberDates:
    category: str  # "full" or "probationary"
    birth_date: dt.date
    joined_on: dt.date
    converted_on: dt.date | None


def date_errors(dates: MemberDates, today: dt.date) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if dates.joined_on > today:
        errors.append(("joined_on", "入党日期不能晚于今天"))
    if age_on(dates.birth_date, dates.joined_on) < MIN_JOIN_AGE:
        errors.append(("joined_on", f"入党时未满{MIN_JOIN_AGE}周岁（出生日期{dates.birth_date:%Y-%m-%d}）"))
    if dates.category == "full":
        if dates.converted_on is None:
            errors.append(("converted_on", "正式党员须填写转正日期"))
        else:
            errors.extend(_conversion_errors(dates.joined_on, dates.converted_on, today))
    elif dates.converted_on is not None:
        errors.append(("converted_on", "预备党员不应有转正日期"))
    return errors


def _conversion_errors(joined_on: dt.date, converted_on: dt.date, today: dt.date) -> list[tuple[str, str]]:
    earliest = add_years(joined_on, PROBATION_YEARS)
    latest = add_years(joined_on, MAX_PROBATION_YEARS)
    if converted_on > today:
        return [("converted_on", "转正日期不能晚于今天")]
    if not earliest <= converted_on <= latest:
        return [
            (
                "converted_on",
                f"转正日期应在入党日期后1至2年内（{earliest:%Y-%m-%d} 至 {latest:%Y-%m-%d}）",
            )
        ]
    return []


def conversion_errors(joined_on: dt.date, converted_on: dt.date, today: dt.date) -> list[tuple[str, str]]:
    return _conversion_errors(joined_on, converted_on, today)


def probation_overdue(category: str, joined_on: dt.date, today: dt.date) -> bool:
    """A probationary member whose probation, even extended, should already have ended."""
    return category == "probationary" and add_years(joined_on, MAX_PROBATION_YEARS) < today
