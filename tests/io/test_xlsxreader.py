"""The streaming .xlsx reader gives exactly python-calamine's values, in flat memory, and
guards itself against parts that would inflate without bound."""

import datetime as dt
import io
import math
import tracemalloc
import zipfile

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from dangjian.io.readers import UnreadableFile, iter_raw_rows, read_table
from dangjian.io.rules import MEMBER_COLUMNS, header_map
from dangjian.io.xlsxreader import (
    DATE_TIME,
    OTHER,
    TIME_DELTA,
    XlsxError,
    XlsxWorkbook,
    number_format_kind,
)
from dangjian.io.xlsxstream import RosterSheet

from . import files


def calamine_rows(data: bytes) -> list[list]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    if sheet.start is None:
        return []
    first_column = sheet.start[1]
    return [[""] * first_column + list(row) for row in sheet.iter_rows()]


def streamed_rows(data: bytes, *, fast: bool = True) -> list[list]:
    return list(XlsxWorkbook(io.BytesIO(data), max_held_bytes=10**8).rows(fast=fast))


def trimmed(rows: list[list]) -> list[list]:
    """Rows without trailing empty cells and the sheet without trailing empty rows: calamine pads
    every row to the sheet's width, the streaming reader stops at each row's last cell."""
    result = []
    for row in rows:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        result.append(row)
    while result and not result[-1]:
        result.pop()
    return result


def typed(rows: list[list]) -> list[list]:
    # 5.0 == 5 == True and date == datetime would hide a wrong type; NaN is never equal to itself.
    return [
        [(type(v).__name__, "nan" if isinstance(v, float) and math.isnan(v) else v) for v in r] for r in rows
    ]


def assert_same_as_calamine(data: bytes) -> None:
    """Both ways of reading the sheet (regular expressions and the XML parser) give calamine's."""
    expected = typed(trimmed(calamine_rows(data)))
    assert typed(trimmed(streamed_rows(data))) == expected
    assert typed(trimmed(streamed_rows(data, fast=False))) == expected


# --- generated workbooks -------------------------------------------------------------------


def _legal_text(text: str) -> str:
    # Characters XML 1.0 cannot carry: openpyxl refuses them, XlsxWriter escapes them as _xHHHH_
    # in strings but not in a formula's cached text.
    return "".join(ch for ch in text if (ch in "\t\n\r" or ord(ch) >= 32) and ch not in "\ufffe\uffff")


texts = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(
        ["陈志强", "某某村党支部", "53292719800101001X", "013812345678", "  前后空格 ", "a&b<c>"]
    ),
    st.from_regex(r"[0-9]{15,18}", fullmatch=True),  # ID numbers typed as text
)
dates = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31))
datetimes = st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)).map(
    lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000)
)
numbers = st.one_of(
    st.integers(-(10**15), 10**15), st.floats(allow_nan=False, allow_infinity=False, width=32)
)
cells = st.one_of(
    st.none(),
    texts,
    numbers,
    dates,
    datetimes,
    st.booleans(),
    # XlsxWriter writes a formula's cached text unescaped: only text XML can carry.
    st.tuples(st.just("formula"), st.one_of(numbers, texts.map(lambda text: _legal_text(text) or "x"))),
)
sheets = st.lists(st.lists(cells, max_size=8), max_size=12)
# Each example writes and reads a workbook twice: fewer examples than the default, more in `make fuzz`.
SOME_EXAMPLES = settings(max_examples=40, deadline=None) if settings().max_examples < 1000 else settings()


def by_xlsxwriter(rows: list[list]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    moment_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, tuple):
                sheet.write_formula(r, c, "=1+1", None, value[1])
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, moment_format)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, date_format)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    return buffer.getvalue()


def by_openpyxl(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None or isinstance(value, tuple):
                continue  # openpyxl writes no cached value for a formula
            cell = sheet.cell(r, c)
            cell.value = _legal_text(value) if isinstance(value, str) else value
            if isinstance(value, dt.datetime):
                cell.number_format = "yyyy/m/d h:mm"
            elif isinstance(value, dt.date):
                cell.number_format = 'yyyy"年"m"月"d"日"'
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def by_roster_sheet(rows: list[list]) -> bytes:
    buffer = io.BytesIO()
    sheet = RosterSheet(buffer, "党员", [10] * 8)
    for row in rows:
        sheet.row([value if isinstance(value, str | dt.date) else None for value in row])
    sheet.close()
    return buffer.getvalue()


@SOME_EXAMPLES
@given(sheets)
def test_xlsxwriter_workbooks_read_as_calamine_reads_them(rows):
    assert_same_as_calamine(by_xlsxwriter(rows))


@SOME_EXAMPLES
@given(sheets)
def test_openpyxl_workbooks_read_as_calamine_reads_them(rows):
    assert_same_as_calamine(by_openpyxl(rows))


@SOME_EXAMPLES
@given(sheets)
def test_exported_rosters_read_as_calamine_reads_them(rows):
    assert_same_as_calamine(by_roster_sheet(rows))


def test_the_import_files_of_the_other_tests_read_the_same():
    rows = [
        ["2026年党员花名册"],
        [],
        ["姓名", "公民身份号码", "入党日期", "人员类别", "", "备注"],
        ["陈志强", "53292719800101001X", dt.date(2010, 7, 1), "正式党员", None, 3],
        [None, None, "2012年5月4日", 2.5],
    ]
    assert_same_as_calamine(files.xlsx(rows))


# --- hand-written sheets: what the writers above never produce -----------------------------

STYLES = (
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="[h]:mm"/></numFmts>'
    '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/>'
    '<xf numFmtId="14"/><xf numFmtId="49"/></cellXfs></styleSheet>'
)
SHARED = (
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<si><t>甲</t></si>"
    '<si><r><t>富</t></r><r><rPr/><t>文本</t></r><rPh sb="0" eb="1"><t>フ</t></rPh></si>'
    '<si><t xml:space="preserve">  x_x000D_y </t></si></sst>'
)


def hand_written(
    sheet_data: str,
    *,
    workbook_properties: str = "",
    shared: str = SHARED,
    styles: str = STYLES,
    prefix: str = "",
) -> bytes:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationship = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
        f'Type="{relationship}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{relationship}">{workbook_properties}'
        '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{package}">'
        f'<Relationship Id="rId1" Type="{relationship}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{relationship}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId3" Type="{relationship}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/styles.xml": styles,
        "xl/sharedStrings.xml": shared,
        "xl/worksheets/sheet1.xml": f'<{prefix}worksheet xmlns{":" if prefix else ""}{prefix[:-1]}="{main}">'
        f"<{prefix}sheetData>{sheet_data}</{prefix}sheetData></{prefix}worksheet>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


SHEETS = {
    "errors and booleans": '<row r="1"><c r="A1" t="e"><v>#DIV/0!</v></c><c r="B1" t="b"><v>1</v></c>'
    '<c r="C1" t="b"><v>0</v></c></row>',
    "ISO dates": '<row r="1"><c r="A1" t="d"><v>2020-01-02T03:04:05</v></c><c r="B1" t="d"><v>2020-01-02</v></c></row>',
    "formula text, inline runs, phonetic guides": '<row r="1"><c r="A1" t="str"><f>A</f><v>a &amp; c</v></c>'
    '<c r="B1" t="inlineStr"><is><t>x_x0041_y</t></is></c><c r="C1" t="inlineStr"><is><r><t>ab</t></r>'
    '<r><t xml:space="preserve"> c </t></r><rPh><t>zz</t></rPh></is></c></row>',
    "shared strings with gaps": '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="D1" t="s"><v>2</v></c></row>',
    "date, time and duration formats": '<row r="2"><c r="A2" s="1"><v>0.5</v></c><c r="B2" s="1"><v>1</v></c>'
    '<c r="C2" s="1"><v>59</v></c><c r="D2" s="1"><v>60</v></c><c r="E2" s="1"><v>61</v></c>'
    '<c r="F2" s="1"><v>45000.123456789</v></c><c r="G2" s="2"><v>1.5</v></c><c r="H2" s="3"><v>45000</v></c>'
    '<c r="I2" s="9"><v>45000</v></c><c r="J2" s="4"><v>45000</v></c><c r="K2" s="1"><v>-1</v></c>'
    '<c r="L2" s="1"><v>3000000</v></c><c r="M2" s="x"><v>5</v></c></row>',
    "numbers and text in <v>": '<row r="1"><c r="A1"><v>1E3</v></c><c r="B1"><v>abc</v></c><c r="C1" t="n"><v></v></c>'
    '<c r="D1"><v>12345678901234567890</v></c><c r="E1"><v> 5</v></c><c r="F1"><v>1_0</v></c></row>',
    "cells and rows without references": '<row><c><v>1</v></c><c><v>2</v></c></row><row><c r="C2"><v>3</v></c>'
    '<c><v>4</v></c></row><row r="5"><c r="B5"/><c r="C5" t="s"><v>0</v></c></row>',
    "attributes in another order, single quotes": '<row r="1"><c t="s" r="A1"><v>1</v></c>'
    '<c s=\'1\' r=\'B1\'><v>45000</v></c><c r="C1" t="str"><f t="shared" si="0"/><v>x</v></c></row>',
    "a comment after some rows": '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2" t="inlineStr">'
    '<is><t>二</t></is></c></row><!-- 注释 --><row r="3"><c r="A3" s="1"><v>45000</v></c></row>'
    '<row r="4"><c r="B4"><v>7</v></c></row><row r="5"><c r="A5"><v>5</v></c></row>',
    "sparse rows and columns": '<row r="3"><c r="Z3"><v>1</v></c></row><row r="1000"><c r="AA1000"><v>2</v></c></row>',
}


@pytest.mark.parametrize("sheet_data", SHEETS.values(), ids=SHEETS.keys())
@pytest.mark.parametrize("properties", ["", '<workbookPr date1904="1"/>'], ids=["1900", "1904"])
def test_hand_written_sheets_read_as_calamine_reads_them(sheet_data, properties):
    assert_same_as_calamine(hand_written(sheet_data, workbook_properties=properties))


def test_a_sheet_with_a_namespace_prefix_reads_as_calamine_reads_it():
    cells = '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="C1" t="inlineStr"><x:is><x:t>内联</x:t>'
    cells += '</x:is></x:c><x:c r="D1" s="1"><x:v>45000</x:v></x:c></x:row>'
    data = hand_written(cells, prefix="x:")
    assert_same_as_calamine(data)
    assert trimmed(streamed_rows(data)) == [["甲", "", "内联", dt.date(2023, 3, 15)]]


def test_sparse_cells_land_in_their_columns_and_rows():
    rows = streamed_rows(hand_written(SHEETS["sparse rows and columns"]))
    assert len(rows) == 1000 and rows[2][25] == 1.0 and rows[999][26] == 2.0
    assert rows[2][:25] == [""] * 25 and rows[0] == [] and rows[3] == []


FORMAT_CODES = [
    "yyyy-mm-dd",
    'yyyy"年"m"月"d"日"',
    "[$-804]aaaa",
    "[$-F800]dddd, mmmm dd, yyyy",
    "h:mm AM/PM",
    "[h]:mm:ss",
    "[mm]:ss",
    "0.00",
    '#,##0" 元"',
    "[Red]0;[Blue]-0",
    "\\Y000000",
    "#,##0*y",
    "@",
    "General",
]


@pytest.mark.parametrize("code", FORMAT_CODES)
def test_custom_number_formats_are_told_apart_as_calamine_does(code):
    escaped = code.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    styles = STYLES.replace('formatCode="[h]:mm"', f'formatCode="{escaped}"')
    cells = '<row r="1"><c r="A1" s="2"><v>45000.25</v></c><c r="B1" s="2"><v>45000</v></c>'
    cells += '<c r="C1" s="2"><v>0.75</v></c></row>'
    data = hand_written(cells, styles=styles)
    assert_same_as_calamine(data)


def test_number_format_kinds():
    assert [number_format_kind(code) for code in ("yyyy-mm-dd", "[h]:mm", "0.00")] == [
        DATE_TIME,
        TIME_DELTA,
        OTHER,
    ]


# --- memory and hostile files --------------------------------------------------------------


def _roster(rows: int) -> bytes:
    buffer = io.BytesIO()
    sheet = RosterSheet(buffer, "党员", [10] * 3)
    for number in range(rows):
        sheet.row([f"党员{number}", dt.date(2001, 7, 1), f"53292719800101{number:04d}"])
    sheet.close()
    return buffer.getvalue()


def _peak_reading(data: bytes) -> int:
    workbook = XlsxWorkbook(io.BytesIO(data), max_held_bytes=10**8)
    tracemalloc.start()
    try:
        count = sum(1 for _ in workbook.rows())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        assert count > 0


def test_memory_does_not_grow_with_the_rows_read():
    """Ten times the rows, about the same peak: read rows and their parsed elements are
    dropped as the sheet is read (python-calamine's peak grows with the sheet)."""
    small, large = _peak_reading(_roster(2_000)), _peak_reading(_roster(20_000))
    assert large < 1.5 * small


def test_shared_strings_declaring_more_than_the_limit_are_refused_before_inflating():
    data = hand_written(SHEETS["shared strings with gaps"], shared=SHARED + " " * 5000)
    with pytest.raises(XlsxError):
        XlsxWorkbook(io.BytesIO(data), max_held_bytes=4000)


def test_a_sheet_damaged_midway_is_an_unreadable_file_not_a_crash():
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>党员{n}</t></is></c></row>' for n in range(1, 3000)
    )
    data = hand_written(rows)
    # Corrupt the stored sheet: its CRC no longer matches once it is inflated.
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    damaged = bytearray(data)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    damaged[start] ^= 0xFF
    with pytest.raises(UnreadableFile):
        list(iter_raw_rows(io.BytesIO(bytes(damaged)), "a.xlsx")[0])


def test_an_old_xls_named_xlsx_is_still_read():
    rows = [["姓名", "公民身份号码", "人员类别"], ["陈志强", "53292719800101001X", "正式党员"]]
    table = read_table(io.BytesIO(files.xls(rows)), "renamed.xlsx", header_map(MEMBER_COLUMNS))
    assert table.rows == [(2, {"name": "陈志强", "id_number": "53292719800101001X", "category": "正式党员"})]


def test_cells_missing_past_a_rows_end_read_as_empty_text_as_before():
    rows = [["姓名", "公民身份号码", "人员类别", "民族"], ["陈志强", "53292719800101001X"]]
    table = read_table(io.BytesIO(files.xlsx(rows)), "a.xlsx", header_map(MEMBER_COLUMNS))
    assert table.rows[0][1]["category"] == "" and table.rows[0][1]["ethnicity"] == ""
