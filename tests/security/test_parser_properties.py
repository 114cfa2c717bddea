"""Every parser of typed-in data, fed anything a person or a spreadsheet can produce, either
returns a value or raises its own documented validation error (whose message people read);
where a value can be written back out, writing and reading again gives the same value.

Bounded in `make test`; `make fuzz` (HYPOTHESIS_PROFILE=fuzz) draws 2,000 examples each."""

import datetime as dt
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.dates import DateParseError, format_cn, from_excel_serial, parse_date
from dangjian.core.idnumber import (
    IdNumberError,
    build_id_number,
    check_char,
    mask_id_number,
    parse_id_number,
)
from dangjian.core.phone import PhoneError, parse_phone
from dangjian.io import rules
from dangjian.io.rules import CellError

# What calamine hands over for a cell: text, numbers (floats, including the odd NaN or infinity
# from a damaged file), booleans, dates, date-times, times and durations, or nothing.
cells = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet=string.digits + "-/.年月日 Xx+()（）０１２３４５６７８９", max_size=24),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
)
TODAY = dt.date(2026, 11, 23)
# Province codes the number rules accept, with a county part: enough to build valid numbers.
regions = st.sampled_from(["110101", "310104", "530121", "532927", "650102"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)


# --- dates --------------------------------------------------------------------------------


@given(cells)
def test_parse_date_returns_a_date_or_its_own_error(cell):
    try:
        parsed = parse_date(cell)
    except DateParseError as error:
        assert str(error)
        return
    assert parsed is None or isinstance(parsed.value, dt.date)


@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers(min_value=-(10**20), max_value=10**20))
def test_excel_serial_returns_a_date_or_its_own_error(serial):
    try:
        day = from_excel_serial(serial)
    except DateParseError:
        return
    assert dt.date(1900, 1, 1) <= day <= dt.date(9999, 12, 31)


@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_the_chinese_display_form_reads_back(day):
    assert parse_date(format_cn(day)).value == day


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_an_excel_serial_reads_back(day):
    serial = (day - dt.date(1899, 12, 30)).days
    assert parse_date(float(serial)).value == day
    if 10000 <= serial <= 99999:
        assert parse_date(str(serial)).value == day


@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_month_precision_forms_read_back_as_the_first(day):
    for text in (f"{day:%Y.%m}", f"{day:%Y-%m}", f"{day.year}年{day.month}月"):
        parsed = parse_date(text)
        assert (parsed.value, parsed.month_precision) == (day.replace(day=1), True)


# --- ID numbers ---------------------------------------------------------------------------


@given(cells)
def test_parse_id_number_returns_a_number_or_its_own_error(cell):
    try:
        number = parse_id_number(cell, today=TODAY)
    except IdNumberError as error:
        assert str(error)
        return
    # Whatever was accepted is the canonical form: 18 ASCII characters with a right check digit.
    assert len(number.value) == 18 and number.value.isascii()
    assert number.value[17] == check_char(number.value[:17])


@given(regions, births, st.integers(0, 999), st.sampled_from(["", " ", "  "]))
def test_a_valid_number_reads_back_however_it_is_typed(region, birth, sequence, gap):
    number = build_id_number(region, birth, sequence)
    typed = gap.join([number[:6], number[6:14], number[14:]]).lower()
    assert parse_id_number(typed, today=TODAY).value == number
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert parse_id_number(full_width, today=TODAY).value == number
    assert parse_id_number(parse_id_number(number, today=TODAY).value, today=TODAY).value == number
    masked = mask_id_number(number)
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:] and birth.strftime("%Y%m%d") not in masked


# --- phone numbers ------------------------------------------------------------------------


@given(cells)
def test_parse_phone_returns_a_number_or_its_own_error(cell):
    try:
        number = parse_phone(cell)
    except PhoneError as error:
        assert str(error)
        return
    assert number == "" or number.isascii()
    # The normal form is a fixed point: reading it again changes nothing.
    assert parse_phone(number) == number


mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text(alphabet=string.digits, min_size=9, max_size=9),
)


LAYOUTS = [
    lambda n: n,
    lambda n: f"+86 {n}",
    lambda n: f"0086{n}",
    lambda n: f"{n[:3]} {n[3:7]} {n[7:]}",
    lambda n: f"{n[:3]}-{n[3:7]}-{n[7:]}",
]


@given(mobiles, st.sampled_from(LAYOUTS))
def test_a_mobile_number_reads_back_however_it_is_typed(number, layout):
    typed = layout(number)
    assert parse_phone(typed) == number
    assert parse_phone(float(number)) == number
    assert parse_phone("".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in typed)) == number


area_codes = st.one_of(
    st.sampled_from(["010", *(f"02{d}" for d in string.digits)]),
    st.builds(
        lambda first, rest: f"0{first}{rest}",
        st.sampled_from("3456789"),
        st.text(string.digits, min_size=2, max_size=2),
    ),
)


@given(area_codes, st.text(alphabet=string.digits, min_size=7, max_size=8))
def test_a_landline_reads_back_however_it_is_typed(area, local):
    expected = f"{area}-{local}"
    for typed in (expected, f"{area}{local}", f"({area}){local}", f"（{area}）{local}", f"{area} {local}"):
        assert parse_phone(typed) == expected


# --- Excel cells (io/rules.py) ------------------------------------------------------------

CELL_READERS = {
    "text": rules.text,
    "text_max_10": lambda cell: rules.text(cell, max_length=10),
    "date_value": rules.date_value,
    "org_code": rules.org_code,
    "term_years": rules.term_years,
    "kind": lambda cell: rules.choice(cell, rules.KIND_LABELS, "组织类别"),
    "sector": lambda cell: rules.choice(cell, rules.SECTOR_LABELS, "领域"),
    "sex": rules.sex,
    "ethnicity": rules.ethnicity,
    "education": rules.education,
    "category": rules.category,
    "id_number": lambda cell: rules.id_number(cell, TODAY),
    "phone": rules.phone,
    "display": rules.display,
}


@pytest.mark.parametrize("reader", CELL_READERS.values(), ids=CELL_READERS.keys())
@given(cell=cells)
def test_every_cell_reader_returns_a_value_or_a_cell_error(reader, cell):
    try:
        reader(cell)
    except CellError as error:
        assert str(error)


@given(st.sampled_from(sorted(rules.EDUCATION_LABELS)), st.sampled_from(["", " ", "\u3000"]))
def test_choice_labels_and_stored_values_both_read(label, padding):
    value = rules.education(f"{padding}{label}{padding}")
    assert rules.education(value) == value


@given(st.dates(min_value=dt.date(1900, 1, 1)) | st.datetimes(min_value=dt.datetime(1900, 1, 1)))
def test_a_date_cell_shown_in_a_problem_report_reads_back(cell):
    day = cell.date() if isinstance(cell, dt.datetime) else cell
    if isinstance(cell, dt.datetime) and cell.time() != dt.time():
        return  # shown with its time of day, which is no date form
    assert rules.date_value(rules.display(cell)) == (day, False)


@given(st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=32))
def test_an_org_code_reads_back(code):
    assert rules.org_code(code) == code
    assert rules.org_code(f" {code} ") == code
