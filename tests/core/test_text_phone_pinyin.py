import pytest

from dangjian.core.phone import PhoneError, mask_phone, parse_phone
from dangjian.core.pinyin import search_keys
from dangjian.core.text import clean_header, clean_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  张  建国 ", "张 建国"),
        ("ＡＢＣ１２３", "ABC123"),
        ("甲　镇", "甲 镇"),
        (None, ""),
        (12, "12"),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [(" 姓 名 ", "姓名"), ("公民身份号码*", "公民身份号码"), ("组织代码＊", "组织代码")]
)
def test_clean_header(raw, expected):
    assert clean_header(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        (13812345678.0, "13812345678"),
        ("0871-1234567", "0871-1234567"),
        ("08711234567", "0871-1234567"),
        ("010-12345678", "010-12345678"),
        ("", ""),
    ],
)
def test_phone_accepted(raw, expected):
    assert parse_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "1234567", "abc"])
def test_phone_rejected(raw):
    with pytest.raises(PhoneError):
        parse_phone(raw)


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [
        ("张建国", "zhangjianguo", "zjg"),
        ("单雄信", "shanxiongxin", "sxx"),
        ("吕小明", "luxiaoming", "lxm"),
    ],
)
def test_search_keys_cover_readings(name, full, initials):
    keys_full, keys_initials = search_keys(name)
    assert full in keys_full.split()
    assert initials in keys_initials.split()


@pytest.mark.parametrize(
    ("number", "masked"),
    [("13812345678", "138****5678"), ("0871-1234567", "087*****4567"), ("", ""), ("12345", "*****")],
)
def test_phone_masking_keeps_the_ends(number, masked):
    assert mask_phone(number) == masked
