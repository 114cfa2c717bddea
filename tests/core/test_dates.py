import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.dates import DateParseError, add_years, age_on, parse_date


@pytest.mark.parametrize(
    ("raw", "expected", "month_precision"),
    [
        ("2001-07-01", dt.date(2001, 7, 1), False),
        ("2001/7/1", dt.date(2001, 7, 1), False),
        ("2001.07.01", dt.date(2001, 7, 1), False),
        ("2001.7.1", dt.date(2001, 7, 1), False),
        ("2001年7月1日", dt.date(2001, 7, 1), False),
        ("20010701", dt.date(2001, 7, 1), False),
        ("  2001-07-01 ", dt.date(2001, 7, 1), False),
        ("２００１－０７－０１", dt.date(2001, 7, 1), False),
        ("2001-07-01 00:00:00", dt.date(2001, 7, 1), False),
        ("2001.07", dt.date(2001, 7, 1), True),
        ("2001-07", dt.date(2001, 7, 1), True),
        ("2001年7月", dt.date(2001, 7, 1), True),
        (37073, dt.date(2001, 7, 1), False),  # Excel serial
        (37073.0, dt.date(2001, 7, 1), False),
        ("37073", dt.date(2001, 7, 1), False),
        (dt.date(2001, 7, 1), dt.date(2001, 7, 1), False),
        (dt.datetime(2001, 7, 1, 0, 0), dt.date(2001, 7, 1), False),
    ],
)
def test_accepted_date_forms(raw, expected, month_precision):
    parsed = parse_date(raw)
    assert parsed is not None
    assert parsed.value == expected
    assert parsed.month_precision is month_precision


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_is_none(raw):
    assert parse_date(raw) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("2001-02-30", "日期不存在"),
        ("2001.13", "日期不存在"),
        ("01-07-2001", "无法识别"),
        ("7/1/2001", "无法识别"),
        ("二〇〇一年七月一日", "无法识别"),
        ("2001", "无法识别"),
        ("yesterday", "无法识别"),
        (37073.5, "不是有效的 Excel 日期"),
        (-5, "不是有效的 Excel 日期"),
        (True, "无法识别"),
    ],
)
def test_rejected_date_forms(raw, message):
    with pytest.raises(DateParseError, match=message):
        parse_date(raw)


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)))
def test_every_form_round_trips(day):
    for text in (
        f"{day:%Y-%m-%d}",
        f"{day.year}/{day.month}/{day.day}",
        f"{day:%Y.%m.%d}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y%m%d}",
    ):
        assert parse_date(text).value == day


def test_add_years_on_leap_day():
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)


def test_age_on_birthday_boundary():
    birth = dt.date(2000, 6, 15)
    assert age_on(birth, dt.date(2018, 6, 14)) == 17
    assert age_on(birth, dt.date(2018, 6, 15)) == 18
