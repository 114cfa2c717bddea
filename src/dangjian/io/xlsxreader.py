"""A streaming .xlsx reader: the first sheet's rows, one at a time, in flat memory.

python-calamine decodes a whole sheet into its own structure before yielding the first row,
so a 1,000,000-row roster costs about 1.4 GB however the importer streams. Here the sheet XML
is inflated from the zip as it is parsed (ElementTree's C pull parser), each row is turned into
a list of values as soon as its closing tag arrives, and the parsed elements are dropped.
What must be held is the shared-strings table (one Python str per distinct text; measured in
bench/README.md) and the date flag of each cell style.

Values are exactly what python-calamine gives for the same cell, because the importer's rules
were written against it: text as str (shared, inline or a formula's cached text), numbers as
float, booleans as bool, a number in a date format as date (whole days), datetime, or time
(under one day), a number in a duration format ([h]:mm) as timedelta, errors and empty cells
as "". tests/io/test_xlsxreader.py compares the two on generated workbooks.

Hostile files are refused earlier by io.uploads.check_upload; the reader still guards itself.
zipfile stops every entry at its declared size (and checks its CRC), the sheet is streamed so
its size costs time, not memory, and the parts held in memory (workbook, relationships,
styles, shared strings) may together declare at most `max_held_bytes`
(IMPORT_MAX_UNCOMPRESSED_BYTES) before anything is inflated."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any
from xml.etree import ElementTree

MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # "Strict Open XML" saves
)
RELATIONSHIP_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
READ_CHUNK = 64 * 1024
# Parsed rows handed over between feeds of the parser; bounds the elements alive at once.
ROWS_PER_CLEAR = 256

# Cell formats, as calamine classifies them.
OTHER, DATE_TIME, TIME_DELTA = 0, 1, 2
BUILTIN_DATE_FORMATS = {
    **dict.fromkeys((14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 47), DATE_TIME),
    46: TIME_DELTA,
}
_EPOCH = dt.datetime(1899, 12, 30)
_COLUMN_LETTERS = re.compile(r"[A-Za-z]+")
_ESCAPED_CHARACTER = re.compile(r"_x([0-9A-Fa-f]{4})_")


class XlsxError(ValueError):
    """The file is not a readable .xlsx workbook (damaged, or not what its name says)."""


def number_format_kind(code: str) -> int:
    """Whether a custom number format shows a date/time, a duration, or anything else.

    The same scan as calamine's `detect_custom_number_format`: literals (quoted, escaped with
    a backslash, or after `_` and `*`) and bracketed parts ([Red], [$-804]) do not count,
    [h] [mm] [ss] make a duration, only the first section counts."""
    escaped = quoted = ap = hms = False
    brackets = 0
    previous = " "
    for char in code:
        if escaped:
            escaped = False
        elif char in "_\\*":
            escaped = True
        elif quoted:
            if char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == ";":
            return OTHER
        elif char == "[":
            brackets += 1
        elif char == "]" and brackets == 1 and hms:
            return TIME_DELTA
        elif char == "]":
            brackets = max(brackets - 1, 0)
        elif char in "aA" and not ap and brackets == 0:
            ap = True
        elif brackets == 0 and ((ap and char in "pmPM/") or (not ap and char in "dmhysDMHYS")):
            return DATE_TIME
        elif not (hms and char.lower() == previous.lower()):
            hms = previous == "[" and char in "mhsMHS"
        previous = char
    return OTHER


def excel_serial_value(serial: float, kind: int, is_1904: bool) -> Any:
    """A number in a date or duration format as python-calamine converts it."""
    if kind == TIME_DELTA:
        return dt.timedelta(milliseconds=round(serial * 86_400_000))
    days = serial + 1462 if is_1904 else serial
    # Excel's 1900 calendar has a 29 February 1900 (serial 60); calamine shifts what is before it.
    if days < 60:
        days += 1
    try:
        moment = _EPOCH + dt.timedelta(milliseconds=round(days * 86_400_000))
    except OverflowError:
        return serial
    if serial < 1:
        return moment.time()
    if serial == int(serial):
        return moment.date()
    return moment


def _iso_value(text: str) -> Any:
    """A `t="d"` cell (ISO 8601 text), as python-calamine converts it."""
    try:
        if "T" in text:
            return dt.datetime.fromisoformat(text)
        if ":" in text:
            return dt.time.fromisoformat(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


class _Names:
    """Tag names of one namespace, precomputed so each comparison is one string equality."""

    def __init__(self, namespace: str) -> None:
        prefix = f"{{{namespace}}}" if namespace else ""
        self.row, self.cell, self.value = prefix + "row", prefix + "c", prefix + "v"
        self.inline, self.text, self.run = prefix + "is", prefix + "t", prefix + "r"
        self.sheet_data, self.dimension = prefix + "sheetData", prefix + "dimension"
        self.shared_item, self.number_format = prefix + "si", prefix + "numFmt"
        self.cell_xfs, self.xf = prefix + "cellXfs", prefix + "xf"
        self.workbook_pr, self.sheet = prefix + "workbookPr", prefix + "sheet"


def _namespace_of(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


class XlsxWorkbook:
    """The first worksheet of an .xlsx file, read as a stream."""

    def __init__(self, stream: IO[bytes], *, max_held_bytes: int) -> None:
        try:
            self.zip = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
            raise XlsxError(str(error)) from error
        self.held_bytes_left = max_held_bytes
        self.entries = {info.filename: info for info in self.zip.infolist()}
        workbook_path = self._office_document()
        sheet_path, self.is_1904 = self._first_sheet(workbook_path)
        folder = posixpath.dirname(workbook_path)
        related = self._relationships(workbook_path)
        self.sheet_path = sheet_path
        self.sheet_bytes = self.entries[sheet_path].file_size if sheet_path in self.entries else 0
        # For estimated_height: the sheet's own <dimension>, else what was read so far.
        self.dimension_rows: int | None = None
        self.rows_read = 0
        self.bytes_read = 0
        self.finished = False
        self.formats = self._cell_formats(related.get("styles", posixpath.join(folder, "styles.xml")))
        self.strings = self._shared_strings(
            related.get("sharedStrings", posixpath.join(folder, "sharedStrings.xml"))
        )

    # --- the package -------------------------------------------------------------------------

    def _open(self, name: str, *, held: bool = True) -> IO[bytes]:
        info = self.entries.get(name)
        if info is None:
            raise XlsxError(f"missing part {name}")
        if held:
            self.held_bytes_left -= info.file_size
            if self.held_bytes_left < 0:
                raise XlsxError("the workbook's parts inflate past the allowed size")
        try:
            # zipfile stops at the declared size and checks the CRC, so the declared size is
            # all this entry can inflate to.
            return self.zip.open(info)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as error:
            raise XlsxError(str(error)) from error

    def _parse_small(self, name: str) -> ElementTree.Element:
        with self._open(name) as member:
            try:
                return ElementTree.fromstring(member.read())
            except (ElementTree.ParseError, zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
                raise XlsxError(f"{name}: {error}") from error

    def _relationships(self, part: str) -> dict[str, str]:
        """The relationship type (last path segment) → target part of `part`."""
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", f"{base}.rels")
        if rels_name not in self.entries:
            return {}
        found: dict[str, str] = {}
        by_id: dict[str, str] = {}
        for relation in self._parse_small(rels_name).iter(PACKAGE_RELS):
            target = relation.get("Target", "")
            if relation.get("TargetMode") == "External":
                continue
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            kind = relation.get("Type", "").rsplit("/", 1)[-1]
            found.setdefault(kind, path)
            by_id[relation.get("Id", "")] = path
        self._ids = by_id
        return found

    def _office_document(self) -> str:
        return self._relationships("").get("officeDocument", "xl/workbook.xml")

    def _first_sheet(self, workbook_path: str) -> tuple[str, bool]:
        workbook = self._parse_small(workbook_path)
        names = _Names(_namespace_of(workbook.tag))
        properties = workbook.find(f".//{names.workbook_pr}")
        is_1904 = properties is not None and properties.get("date1904", "0").lower() in ("1", "true")
        self._relationships(workbook_path)
        ids = self._ids
        for sheet in workbook.iter(names.sheet):
            for namespace in RELATIONSHIP_NAMESPACES:
                target = ids.get(sheet.get(f"{{{namespace}}}id", ""))
                if target:
                    return target, is_1904
            raise XlsxError("the first sheet has no part")
        raise XlsxError("the workbook has no sheet")

    def _cell_formats(self, styles_path: str) -> list[int]:
        if styles_path not in self.entries:
            return []
        styles = self._parse_small(styles_path)
        names = _Names(_namespace_of(styles.tag))
        custom: dict[int, int] = {}
        for number_format in styles.iter(names.number_format):
            try:
                custom[int(number_format.get("numFmtId", ""))] = number_format_kind(
                    number_format.get("formatCode", "")
                )
            except ValueError:
                continue
        kinds: list[int] = []
        cell_xfs = styles.find(names.cell_xfs)
        for xf in cell_xfs.iter(names.xf) if cell_xfs is not None else ():
            try:
                format_id = int(xf.get("numFmtId", "0"))
            except ValueError:
                format_id = 0
            kind = custom.get(format_id)
            kinds.append(kind if kind is not None else BUILTIN_DATE_FORMATS.get(format_id, OTHER))
        return kinds

    def _shared_strings(self, path: str) -> list[str]:
        if path not in self.entries:
            return []
        strings: list[str] = []
        names: _Names | None = None
        parser = ElementTree.XMLPullParser(events=("start", "end"))
        root = None
        with self._open(path) as member:
            for events in self._feed(parser, member):
                for event, element in events:
                    if event == "start":
                        if root is None:
                            root = element
                            names = _Names(_namespace_of(element.tag))
                        continue
                    assert names is not None and root is not None
                    if element.tag == names.shared_item:
                        strings.append(_rich_text(element, names))
                        root.clear()
        return strings

    def _feed(self, parser: ElementTree.XMLPullParser, member: IO[bytes]) -> Iterator[list[Any]]:
        """The parser's events, a list per chunk of inflated XML (XMLPullParser reports a syntax
        error when its events are read, so they are read here, inside the try)."""
        try:
            while chunk := member.read(READ_CHUNK):
                self.bytes_read += len(chunk)
                parser.feed(chunk)
                yield list(parser.read_events())
            parser.close()
            yield list(parser.read_events())
        except ElementTree.ParseError as error:
            raise XlsxError(str(error)) from error
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
            raise XlsxError(str(error)) from error

    # --- the sheet ---------------------------------------------------------------------------

    def estimated_height(self) -> int:
        """The sheet's rows (a progress bar's total): its <dimension> when it has one (Excel,
        XlsxWriter and openpyxl write it), else extrapolated from the share of XML read."""
        if self.dimension_rows is not None:
            return self.dimension_rows
        if self.finished or not self.bytes_read:
            return self.rows_read
        return round(self.rows_read * self.sheet_bytes / self.bytes_read)

    def rows(self) -> Iterator[list[Any]]:
        """Every row from row 1, blank rows included (as []), each a list of values from column A;
        cells missing inside a row are ""; nothing is padded after a row's last cell."""
        strings, formats, is_1904 = self.strings, self.formats, self.is_1904
        column_of: dict[str, int] = {}
        parser = ElementTree.XMLPullParser(events=("start", "end"))
        names: _Names | None = None
        sheet_data = None
        next_row = 0
        with self._open(self.sheet_path, held=False) as member:
            for events in self._feed(parser, member):
                for event, element in events:
                    if event == "start":
                        if names is None:
                            names = _Names(_namespace_of(element.tag))
                        elif element.tag == names.sheet_data:
                            sheet_data = element
                        continue
                    assert names is not None
                    if element.tag != names.row:
                        if element.tag == names.dimension and sheet_data is None:
                            self.dimension_rows = _last_row(element.get("ref", ""))
                        continue
                    while next_row < _row_index(element, next_row):
                        next_row += 1
                        yield []
                    values = _row_values(element, names, strings, formats, is_1904, column_of)
                    next_row += 1
                    self.rows_read = next_row
                    yield values
                    element.clear()
                    if sheet_data is not None and next_row % ROWS_PER_CLEAR == 0:
                        sheet_data.clear()
                if sheet_data is not None:
                    sheet_data.clear()
        self.finished = True

    def close(self) -> None:
        self.zip.close()


def _last_row(reference: str) -> int | None:
    digits = reference.rpartition(":")[2].lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    return int(digits) if digits.isdigit() else None


def _row_index(row: ElementTree.Element, next_row: int) -> int:
    """The row's 0-based index: its r attribute, or the row after the last one. A row numbered
    before one already read (never written by Excel) is read as the next row."""
    number = row.get("r")
    if number is None or not number.isdigit():
        return next_row
    return max(int(number) - 1, next_row)


def _row_values(
    row: ElementTree.Element,
    names: _Names,
    strings: list[str],
    formats: list[int],
    is_1904: bool,
    column_of: dict[str, int],
) -> list[Any]:
    values: list[Any] = []
    column = 0
    for cell in row:
        if cell.tag != names.cell:
            continue
        reference = cell.get("r")
        if reference is not None:  # else the column after the previous cell
            column = column_of.get(reference.rstrip("0123456789"), -1)
            if column < 0:
                column = _column_index(reference, column_of)
        value = _cell_value(cell, names, strings, formats, is_1904)
        width = len(values)
        if column == width:
            values.append(value)
        elif column > width:
            values.extend([""] * (column - width))
            values.append(value)
        else:  # a cell written twice or out of order: the later one wins, as in calamine
            values[column] = value
        column += 1
    return values


def _column_index(reference: str, cache: dict[str, int]) -> int:
    letters = reference.rstrip("0123456789")
    if not _COLUMN_LETTERS.fullmatch(letters):
        raise XlsxError(f"bad cell reference {reference!r}")
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    cache[letters] = index - 1
    return index - 1


def _unescape(text: str) -> str:
    # Excel writes characters XML cannot carry as _xHHHH_; calamine decodes them.
    return _ESCAPED_CHARACTER.sub(lambda match: chr(int(match.group(1), 16)), text) if "_x" in text else text


def _rich_text(element: ElementTree.Element, names: _Names) -> str:
    """The text of an <si> or <is>: its <t>, or its runs' <t>, without phonetic guides (<rPh>)."""
    parts: list[str] = []
    for child in element:
        if child.tag == names.text:
            parts.append(child.text or "")
        elif child.tag == names.run:
            for run_part in child:
                if run_part.tag == names.text:
                    parts.append(run_part.text or "")
    return _unescape("".join(parts))


def _cell_value(
    cell: ElementTree.Element, names: _Names, strings: list[str], formats: list[int], is_1904: bool
) -> Any:
    kind = cell.get("t")
    if kind == "inlineStr" or kind == "is":
        for child in cell:
            if child.tag == names.inline:
                return _rich_text(child, names)
        return ""
    raw = None
    for child in cell:
        if child.tag == names.value:
            raw = child.text or ""
            break
    if raw is None:
        return ""
    if kind == "s":
        if not raw:
            return ""
        try:
            return strings[int(raw)]
        except (ValueError, IndexError) as error:
            raise XlsxError(f"shared string {raw!r} not found") from error
    if kind is None or kind == "n":
        if not raw:
            return ""
        try:
            # float() also takes spaces around and "_" between digits; Excel and calamine do not.
            if "_" in raw or raw[0].isspace() or raw[-1].isspace():
                raise ValueError(raw)
            number = float(raw)
        except ValueError:
            if kind is None:
                return raw
            raise XlsxError(f"bad number {raw!r}") from None
        style = cell.get("s")
        if style is None:
            return number
        try:
            position = int(style)
        except ValueError:
            position = 0
        cell_kind = formats[position] if 0 <= position < len(formats) else OTHER
        return number if cell_kind == OTHER else excel_serial_value(number, cell_kind, is_1904)
    if kind == "str":
        return _unescape(raw)
    if kind == "b":
        return raw != "0"
    if kind == "e":
        return ""
    if kind == "d":
        return _iso_value(raw)
    raise XlsxError(f"unknown cell type {kind!r}")
