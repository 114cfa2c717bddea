"""Reading a roster from .xlsx, .xls, .ods or .csv into numbered rows keyed by field.

`open_table` streams: the rows under the header come one at a time, so an importer can work
in chunks without holding the file's rows. An .xlsx/.xlsm is read by io.xlsxreader, which
parses the sheet XML as it inflates (flat memory, the same values as python-calamine); .xls
and .ods go through python-calamine, which decodes the whole sheet first; a CSV is decoded
whole to find its encoding.

Offices add title rows, blank rows and their own extra columns, and type headers with
full-width characters or a required-marker `*`. The header row is the first row in which
at least two cells are known headers; everything above it is skipped but still counted, so
row numbers are the ones Excel shows."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from python_calamine import CalamineWorkbook

from dangjian.core.text import clean_header

from .xlsxreader import XlsxError, XlsxWorkbook

SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
OPEN_XML_EXTENSIONS = (".xlsx", ".xlsm")
ACCEPTED_EXTENSIONS = (*SPREADSHEET_EXTENSIONS, ".csv")
# A header row found this far down is a data row that happens to contain header words.
MAX_HEADER_SEARCH_ROWS = 50


class UnreadableFile(Exception):
    """The file cannot be read as a table; the message is for people, in Chinese."""


@dataclass
class Column:
    index: int
    field: str
    header: str  # as typed in the file, cleaned, so messages name the column the user sees


@dataclass
class Table:
    header_row: int
    columns: list[Column]
    unknown_headers: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # The streamed data rows (open_table); read_table lists them into `rows`.
    stream: Iterator[tuple[int, dict[str, Any]]] = field(default_factory=lambda: iter(()))
    # Rows of the sheet below the header, blank ones included: a progress bar's total.
    estimated_rows: int = 0

    def header_for(self, field_name: str) -> str | None:
        for column in self.columns:
            if column.field == field_name:
                return column.header
        return None

    @property
    def fields(self) -> set[str]:
        return {column.field for column in self.columns}


def extension_of(filename: str) -> str:
    return PurePath(filename).suffix.lower()


def _decode_csv(data: bytes) -> str:
    # Excel on Chinese Windows saves CSV in GBK; gb18030 is its superset and never loses a name.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("无法读取文件：CSV 文件既不是 UTF-8 也不是 GBK 编码")


def iter_raw_rows(stream: IO[bytes], filename: str) -> tuple[Iterator[list[Any]], int]:
    """(every row of the first sheet from A1, blank rows included so index + 1 is the row
    number; the number of rows), read lazily from a spreadsheet."""
    rows, height = open_raw_rows(stream, filename)
    return rows, height()


def open_raw_rows(stream: IO[bytes], filename: str) -> tuple[Iterator[list[Any]], Callable[[], int]]:
    """As iter_raw_rows, with the row count as a function: a streamed .xlsx knows it better
    once some rows are read."""
    extension = extension_of(filename)
    if extension not in ACCEPTED_EXTENSIONS:
        raise UnreadableFile(
            f"无法读取文件：不支持“{extension or '无扩展名'}”格式，请上传 .xlsx、.xls、.ods 或 .csv 文件"
        )
    damaged = f"无法读取文件：文件已损坏，或内容不是“{extension}”格式的表格（可用 Excel 或 WPS 另存后重试）"
    if extension in OPEN_XML_EXTENSIONS and _is_open_xml_package(stream):
        try:
            workbook = XlsxWorkbook(stream, max_held_bytes=settings.IMPORT_MAX_UNCOMPRESSED_BYTES)
        except XlsxError as exc:
            raise UnreadableFile(damaged) from exc
        return _checked_rows(workbook.rows(), damaged), workbook.estimated_height
    data = stream.read()
    if extension == ".csv":
        text = _decode_csv(data)
        try:
            rows = [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
        except csv.Error as exc:
            raise UnreadableFile(f"无法读取文件：CSV 格式有误（{exc}）") from exc
        return iter(rows), lambda: len(rows)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        del data
        sheet = workbook.get_sheet_by_index(0)
        start = sheet.start
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise UnreadableFile(damaged) from exc
    if start is None:
        return iter(()), lambda: 0
    # iter_rows starts at row 1 but at the first used column: pad the columns before it.
    first_row, first_column = start
    pad = [""] * first_column
    rows = sheet.iter_rows() if not first_column else ([*pad, *row] for row in sheet.iter_rows())
    height = first_row + sheet.height
    return rows, lambda: height


def _is_open_xml_package(stream: IO[bytes]) -> bool:
    """A zip holding [Content_Types].xml: an .xlsx proper. An old .xls or an .ods saved under
    the name .xlsx is left to python-calamine, which recognizes either by its content."""
    start = stream.tell()
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return False
    else:
        with archive:
            return "[Content_Types].xml" in archive.NameToInfo
    finally:
        stream.seek(start)


def _checked_rows(rows: Iterator[list[Any]], damaged: str) -> Iterator[list[Any]]:
    """The rows, a damaged part found midway (bad XML, bad CRC) told as UnreadableFile."""
    try:
        yield from rows
    except XlsxError as exc:
        raise UnreadableFile(damaged) from exc


def raw_rows(stream: IO[bytes], filename: str) -> list[list[Any]]:
    """Every row of the first sheet from A1, blank rows included, so index + 1 is the row number."""
    return list(iter_raw_rows(stream, filename)[0])


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(stream: IO[bytes], filename: str, headers: Mapping[str, str]) -> Table:
    """The rows under the header row, each a {field: raw value} dict; blank rows dropped.

    `headers` maps every accepted header text (already passed through clean_header) to its field."""
    table = open_table(stream, filename, headers)
    table.rows = list(table.stream)
    return table


def open_table(stream: IO[bytes], filename: str, headers: Mapping[str, str]) -> Table:
    """As read_table, but the data rows are left in `table.stream`, read as they are consumed."""
    rows, height = open_raw_rows(stream, filename)
    head = list(islice(rows, MAX_HEADER_SEARCH_ROWS))
    header_index = None
    for index, row in enumerate(head):
        matches = {headers[clean_header(cell)] for cell in row if clean_header(cell) in headers}
        if len(matches) >= min(2, len(set(headers.values()))):
            header_index = index
            break
    if header_index is None:
        raise UnreadableFile("无法读取文件：没有找到表头行，请使用导入模板的列名（如“姓名”“公民身份号码”）")
    columns: list[Column] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(head[header_index]):
        header = clean_header(cell)
        if not header:
            continue
        field_name = headers.get(header)
        if field_name is None or field_name in seen:
            # A repeated column would make one cell silently win over the other.
            unknown.append(header)
            continue
        seen.add(field_name)
        columns.append(Column(index, field_name, header))
    table = Table(header_row=header_index + 1, columns=columns, unknown_headers=unknown)
    below = head[header_index + 1 :]
    # A spreadsheet's cell past the end of its row is empty text (""), as calamine pads it;
    # a short CSV line has no cell there (None).
    missing = None if extension_of(filename) == ".csv" else ""
    table.stream = _data_rows(_chain(below, rows), header_index + 2, columns, missing)
    table.estimated_rows = max(height() - header_index - 1, 0)
    return table


def _chain(first: list[list[Any]], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield from first
    yield from rest


def _data_rows(
    rows: Iterable[list[Any]], first_number: int, columns: list[Column], missing: Any = None
) -> Iterator[tuple[int, dict]]:
    fields = [(col.field, col.index) for col in columns]
    for number, row in enumerate(rows, start=first_number):
        width = len(row)
        values = {name: (row[index] if index < width else missing) for name, index in fields}
        if all(_is_blank(value) for value in values.values()):
            continue
        yield number, values
