import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.idnumber import (
    IdNumberError,
    build_id_number,
    check_char,
    mask_id_number,
    parse_id_number,
    upgrade_15,
)

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),  # the example of GB 11643-1999
        ("11010519491231002x", "11010519491231002X"),  # lower-case x accepted
        (" 1101 0519 4912 3100 2X ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width
        ("110105491231002", "11010519491231002X"),  # 15-digit upgrade
        (110105491231002.0, "11010519491231002X"),  # a number cell
    ],
)
def test_accepted_forms(raw, expected):
    assert parse_id_number(raw, today=TODAY).value == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "不能为空"),
        ("110105194912310021", "校验码错误：最后一位应为“X”"),
        ("1101051949123100", "应为18位（或旧版15位），实际16位"),
        ("11010519491231A02X", "含有无效字符"),
        ("99010519491231002X", "不是有效的省级代码"),
        ("110105194902300028", "出生日期不存在"),
        ("110105203001010015", "不合理"),
    ],
)
def test_rejected_with_reason(raw, message):
    with pytest.raises(IdNumberError, match=message):
        parse_id_number(raw, today=TODAY)


def test_encoded_birth_and_sex():
    number = parse_id_number("11010519491231002X", today=TODAY)
    assert number.birth_date == dt.date(1949, 12, 31)
    assert number.sex == "F"
    assert parse_id_number("110105491231002", today=TODAY).upgraded_from_15


def test_mask_keeps_region_and_last_four():
    assert mask_id_number("53292719800517203X") == "532927********203X"
    assert mask_id_number("") == ""


births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2008, 12, 31))


@given(birth=births, sequence=st.integers(0, 999))
def test_built_numbers_parse_and_round_trip(birth, sequence):
    value = build_id_number("530121", birth, sequence)
    number = parse_id_number(value, today=TODAY)
    assert number.value == value
    assert number.birth_date == birth
    assert number.sex == ("M" if sequence % 2 else "F")


@given(birth=births, sequence=st.integers(0, 999), position=st.integers(0, 16), delta=st.integers(1, 9))
def test_any_single_digit_change_is_caught(birth, sequence, position, delta):
    value = build_id_number("530121", birth, sequence)
    digits = list(value)
    digits[position] = str((int(digits[position]) + delta) % 10)
    tampered = "".join(digits)
    with pytest.raises(IdNumberError):
        parse_id_number(tampered, today=TODAY)


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)),
    sequence=st.integers(0, 999),
)
def test_fifteen_digit_upgrade_matches_eighteen(birth, sequence):
    eighteen = build_id_number("530121", birth, sequence)
    fifteen = eighteen[:6] + eighteen[8:17]
    assert upgrade_15(fifteen) == eighteen


@given(value=st.text(alphabet="0123456789X", min_size=11, max_size=18))
def test_mask_never_reveals_the_middle(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert masked[:6] == value[:6] and masked[-4:] == value[-4:]
    assert set(masked[6:-4]) <= {"*"}


def test_check_char_weights():
    assert check_char("11010519491231002") == "X"
