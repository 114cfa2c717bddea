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

import array
import codecs
import datetime as dt
import functools
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


class SharedStrings:
    """The shared-strings table, packed: every text UTF-8 encoded into one buffer, with its end
    offset in an array. A workbook saved by Excel keeps every distinct text there, about four
    per roster row (name, ID number, phone, address); as a list of str that is ~86 bytes each,
    350 MB for 1,000,000 rows, packed ~30 bytes. A text is decoded again each time it is read."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.ends = array.array("Q")

    def append(self, text: str) -> None:
        self.buffer += text.encode("utf-8", "surrogatepass")
        self.ends.append(len(self.buffer))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(index)
        start = self.ends[index - 1] if index else 0
        return self.buffer[start : self.ends[index]].decode("utf-8", "surrogatepass")


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


@functools.lru_cache(maxsize=65536)  # a roster's dates repeat: birth days, joining days
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

    def _shared_strings(self, path: str) -> SharedStrings:
        strings = SharedStrings()
        if path not in self.entries:
            return strings
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

    def rows(self, *, fast: bool = True) -> Iterator[list[Any]]:
        """Every row from row 1, blank rows included (as []), each a list of values from column A;
        cells missing inside a row are ""; nothing is padded after a row's last cell.

        Rows as every writer we know lays them out (cells with r/s/t attributes in double
        quotes, <v>, <f>, <is>, no comments or CDATA) are cut out of the XML text with regular
        expressions, several times faster than building an element per tag; at the first row
        that is not so, the sheet is read again with the XML parser, from the row after the
        last one given. `fast=False` uses the parser throughout (the tests compare the two)."""
        given = 0
        if fast:
            try:
                for row in self._plain_rows():
                    given += 1
                    yield row
                self.finished = True
                return
            except _NotPlain:
                self.bytes_read = 0
        for index, row in enumerate(self._parsed_rows()):
            if index >= given:
                yield row

    def _parsed_rows(self) -> Iterator[list[Any]]:
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

    def _plain_rows(self) -> Iterator[list[Any]]:
        strings, formats, is_1904 = self.strings, self.formats, self.is_1904
        column_of: dict[str, int] = {}
        decoder = codecs.getincrementaldecoder("utf-8")()
        with self._open(self.sheet_path, held=False) as member:
            text, more = self._read_text(member, decoder, "")
            start = _SHEET_DATA.search(text)
            while start is None and more and len(text) < MAX_PLAIN_ROW_CHARACTERS:
                text, more = self._read_text(member, decoder, text)
                start = _SHEET_DATA.search(text)
            head = text[: start.start()] if start else text
            if start is None or _OTHER_ENCODING.match(head) or "<!" in head:
                raise _NotPlain
            dimension = _DIMENSION.search(head)
            self.dimension_rows = _last_row(dimension.group(1)) if dimension else None
            if start.group(2):  # <sheetData/>
                return
            patterns = _PlainPatterns.for_prefix(start.group(1) or "")
            row_start, row_end, end_of_rows = patterns.row_start, patterns.row_end, patterns.end_of_rows
            position = start.end()
            next_row = 0
            while True:
                # Rows are cut with str.find (a regular expression steps through a row's text
                # one character at a time); what is not a plain <row> is left to the parser.
                opening = text.find("<", position)
                if (
                    opening >= 0
                    and text.startswith(row_start, opening)
                    and not text[position:opening].strip()
                ):
                    tag_end = text.find(">", opening)
                    closing = text.find(row_end, tag_end) if tag_end >= 0 else -1
                    if text[tag_end - 1] == "/" and tag_end >= 0:
                        attributes, content, position = (
                            text[opening + len(row_start) : tag_end - 1],
                            "",
                            tag_end + 1,
                        )
                    elif closing >= 0 and text.startswith(">", closing + len(row_end)):
                        attributes = text[opening + len(row_start) : tag_end]
                        content, position = text[tag_end + 1 : closing], closing + len(row_end) + 1
                    else:
                        attributes = None
                    if attributes is not None:
                        if attributes and not attributes[0].isspace():
                            raise _NotPlain  # <rowx ...>, not a row
                        number = _ROW_NUMBER.search(attributes)
                        index = max(int(number.group(1)) - 1, next_row) if number else next_row
                        while next_row < index:
                            next_row += 1
                            yield []
                        values = _plain_row_values(content, patterns, strings, formats, is_1904, column_of)
                        next_row += 1
                        self.rows_read = next_row
                        yield values
                        continue
                elif end_of_rows.match(text, position):
                    return
                rest = text[position:]
                if (
                    not more
                    or len(rest) > MAX_PLAIN_ROW_CHARACTERS
                    or (opening >= 0 and not rest.lstrip().startswith("<"))
                ):
                    raise _NotPlain  # something else than rows, or a damaged sheet: the parser says which
                if opening >= 0 and not row_start.startswith(rest.lstrip()[: len(row_start)]):
                    raise _NotPlain
                text, more = self._read_text(member, decoder, rest)
                position = 0

    def _read_text(
        self, member: IO[bytes], decoder: codecs.IncrementalDecoder, text: str
    ) -> tuple[str, bool]:
        """`text` followed by the next chunk of the sheet, decoded; and whether more may follow."""
        try:
            chunk = member.read(READ_CHUNK)
            self.bytes_read += len(chunk)
            return text + decoder.decode(chunk, final=not chunk), bool(chunk)
        except UnicodeDecodeError as error:
            raise XlsxError(str(error)) from error
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
            raise XlsxError(str(error)) from error

    def close(self) -> None:
        self.zip.close()


class _NotPlain(Exception):
    """The sheet's XML is not laid out as the fast path expects: read it with the parser."""


# The fast path gives up on a single row longer than this (16 MB of text): no roster has one.
MAX_PLAIN_ROW_CHARACTERS = 16 * 1024 * 1024
_SHEET_DATA = re.compile(r"<(\w+:)?sheetData\b[^>]*?(/)?>")
_OTHER_ENCODING = re.compile(r"""<\?xml[^>]*encoding=["'](?!utf-?8["'])""", re.IGNORECASE)
_DIMENSION = re.compile(r"""<(?:\w+:)?dimension\s[^>]*?ref=["']([^"']*)["']""")
_ROW_NUMBER = re.compile(r'\sr="(\d+)"')
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9A-Fa-f]+|amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class _PlainPatterns:
    """The regular expressions of the fast path, for the namespace prefix the sheet uses."""

    _cache: dict[str, _PlainPatterns] = {}

    def __init__(self, prefix: str) -> None:
        p = re.escape(prefix)
        self.row_start, self.row_end = f"<{prefix}row", f"</{prefix}row"
        self.end_of_rows = re.compile(rf"\s*</{p}sheetData\s*>")
        self.cell_start = f"<{prefix}c"
        # Cells as every known writer lays them out (r, s, t in that order; <v>, <f> then <v>,
        # or one <t> in <is>): column letters, s, t, v, inline text. A row where this does not
        # find every cell goes through the general `cell` pattern below.
        self.common_cell = re.compile(
            rf'<{p}c r="([A-Z]+)[0-9]+"(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?'
            rf"(?:/>|>(?:<{p}v>([^<]*)</{p}v>|<{p}f>[^<]*</{p}f><{p}v>([^<]*)</{p}v>"
            rf'|<{p}is><{p}t(?: xml:space="preserve")?>([^<]*)</{p}t></{p}is>)</{p}c>)'
        )
        # Each cell: column letters, s, t (attributes in any order, double-quoted), contents.
        self.cell = re.compile(
            rf'<{p}c(?=[^>]*?\sr="([A-Za-z]+)[0-9]*")?(?=[^>]*?\ss="([^"]*)")?(?=[^>]*?\st="([^"]*)")?'
            rf"[^>]*?(?:/>|>(.*?)</{p}c\s*>)",
            re.DOTALL,
        )
        self.value = re.compile(rf"<{p}v(?:\s[^>]*)?>([^<]*)</{p}v\s*>")
        self.inline = re.compile(rf"<{p}is(?:\s[^>]*)?>(.*?)</{p}is\s*>", re.DOTALL)
        self.phonetic = re.compile(rf"<{p}rPh\b.*?</{p}rPh\s*>", re.DOTALL)
        self.text = re.compile(rf"<{p}t(?:\s[^>]*)?(?:/>|>([^<]*)</{p}t\s*>)")

    @classmethod
    def for_prefix(cls, prefix: str) -> _PlainPatterns:
        patterns = cls._cache.get(prefix)
        if patterns is None:
            patterns = cls._cache[prefix] = cls(prefix)
        return patterns


def _xml_text(raw: str) -> str:
    """Character data as an XML parser gives it: line ends normalized, entities replaced."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in raw:
        if raw.count("&") != len(_ENTITY.findall(raw)):
            raise _NotPlain  # an entity XML does not define: the parser reports the file
        raw = _ENTITY.sub(_entity, raw)
    return raw


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] == "#":
        return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))
    return _ENTITIES[name]


def _plain_row_values(
    content: str,
    patterns: _PlainPatterns,
    strings: SharedStrings,
    formats: list[int],
    is_1904: bool,
    column_of: dict[str, int],
) -> list[Any]:
    if "<!" in content or "<?" in content or "='" in content:
        raise _NotPlain  # comments, CDATA, processing instructions, single-quoted attributes
    expected_cells = content.count(patterns.cell_start)
    common = patterns.common_cell.findall(content)
    if len(common) == expected_cells:
        return _common_row_values(common, strings, formats, is_1904, column_of)
    cells = patterns.cell.findall(content)
    if len(cells) != expected_cells:
        raise _NotPlain  # a cell the pattern did not see
    values: list[Any] = []
    column = 0
    for letters, style, kind, inner in cells:
        if letters:
            column = column_of.get(letters, -1)
            if column < 0:
                column = _column_index(letters, column_of)
        if not inner:
            value: Any = ""
        elif kind == "inlineStr" or kind == "is":
            inline = patterns.inline.search(inner)
            value = _plain_rich_text(inline.group(1), patterns) if inline else ""
        else:
            raw = patterns.value.search(inner)
            if raw is None:
                value = ""
            else:
                text = raw.group(1)
                if "&" in text or "\r" in text:
                    text = _xml_text(text)
                value = _value(kind or None, text, style or None, strings, formats, is_1904)
        _place(values, column, value)
        column += 1
    return values


def _common_row_values(
    cells: list[tuple[str, str, str, str, str, str]],
    strings: SharedStrings,
    formats: list[int],
    is_1904: bool,
    column_of: dict[str, int],
) -> list[Any]:
    values: list[Any] = []
    for letters, style, kind, raw, formula_raw, inline in cells:
        column = column_of.get(letters, -1)
        if column < 0:
            column = _column_index(letters, column_of)
        if kind == "inlineStr":
            value: Any = inline
            if "&" in value or "\r" in value:
                value = _xml_text(value)
            if "_x" in value:
                value = _unescape(value)
        else:
            raw = raw or formula_raw
            if "&" in raw or "\r" in raw:
                raw = _xml_text(raw)
            if kind == "s" and raw:
                try:
                    value = strings[int(raw)]
                except (ValueError, IndexError) as error:
                    raise XlsxError(f"shared string {raw!r} not found") from error
            elif not raw:
                value = ""
            else:
                value = _value(kind or None, raw, style or None, strings, formats, is_1904)
        width = len(values)
        if column == width:
            values.append(value)
        elif column > width:
            values.extend([""] * (column - width))
            values.append(value)
        else:
            values[column] = value
    return values


def _plain_rich_text(content: str, patterns: _PlainPatterns) -> str:
    if "rPh" in content:
        content = patterns.phonetic.sub("", content)
    text = "".join(patterns.text.findall(content))
    if "&" in text or "\r" in text:
        text = _xml_text(text)
    return _unescape(text)


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
    strings: SharedStrings,
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
        _place(values, column, value)
        column += 1
    return values


def _place(values: list[Any], column: int, value: Any) -> None:
    """Put a cell's value at its column, padding skipped columns with "" as calamine does."""
    width = len(values)
    if column == width:
        values.append(value)
    elif column > width:
        values.extend([""] * (column - width))
        values.append(value)
    else:  # a cell written twice or out of order: the later one wins, as in calamine
        values[column] = value


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
    cell: ElementTree.Element, names: _Names, strings: SharedStrings, formats: list[int], is_1904: bool
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
    return _value(kind, raw, cell.get("s"), strings, formats, is_1904)


def _value(
    kind: str | None, raw: str, style: str | None, strings: SharedStrings, formats: list[int], is_1904: bool
) -> Any:
    """The value of a cell of type `kind` (its t attribute) whose <v> holds `raw`."""
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
