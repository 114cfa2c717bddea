"""A minimal streaming .xlsx writer for the roster export: one sheet, text, dates, five styles.

XlsxWriter spends tens of microseconds per cell in Python (type dispatch, bounds checks,
per-cell XML writes), which caps an export at a few thousand rows a second. A roster needs
far less: text and date cells in fixed columns. Here each row is one string join, written
into the zip member as it goes (memory stays flat), with inline strings so there is no shared
string table to hold.

Formula safety (see io.writers): text cells are always `t="inlineStr"`, never formulas, and
text that starts like a formula gets the quote-prefix style, as SafeSheet gives it.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from .writers import looks_like_formula

# Style indexes into cellXfs of STYLES below.
DATE_STYLE, QUOTE_PREFIX_STYLE, WATERMARK_STYLE, HEADER_STYLE = 1, 2, 3, 4
# Rows joined before each write into the compressed member.
ROWS_PER_WRITE = 2000

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_EXCEL_EPOCH = dt.date(1899, 12, 30)

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
</Types>"""

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/></Relationships>"""

WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""

WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" \
Target="styles.xml"/></Relationships>"""

# 0 plain, 1 date, 2 quote prefix (text kept as text), 3 watermark, 4 header: the same looks
# as the XlsxWriter formats the export used before.
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>\
<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><i/><sz val="11"/><color rgb="FF7F7F7F"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="FFF2DCDB"/><bgColor indexed="64"/></patternFill></fill></fills>\
<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>\
<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>\
<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="0" fontId="2" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>\
</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""

SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"""


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if not text.isprintable():
        # Excel's own escape for control characters XML cannot carry.
        text = _ILLEGAL_XML.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
    return text


class RosterSheet:
    """Rows of text, dates and blanks written straight into sheet1.xml of a new .xlsx."""

    def __init__(self, target: Any, sheet_name: str, widths: Sequence[float]) -> None:
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.zip.writestr("[Content_Types].xml", CONTENT_TYPES)
        self.zip.writestr("_rels/.rels", ROOT_RELS)
        self.zip.writestr("xl/workbook.xml", WORKBOOK.format(name=_escape(sheet_name)))
        self.zip.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        self.zip.writestr("xl/styles.xml", STYLES)
        self.sheet = self.zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        columns = "".join(
            f'<col min="{i}" max="{i}" width="{width + 0.7109375}" customWidth="1"/>'
            for i, width in enumerate(widths, start=1)
        )
        self.sheet.write(f"{SHEET_HEAD}<cols>{columns}</cols><sheetData>".encode())
        self.letters = [column_letter(i) for i in range(max(len(widths), 1) + 64)]
        self.serials: dict[dt.date, int] = {}
        self.pending: list[str] = []
        self.rows = 0

    def text_row(self, texts: Sequence[str], style: int) -> None:
        """A row of text cells all in one style (the watermark, the headers)."""
        number = self.rows + 1
        cells = "".join(
            f'<c r="{self.letters[i]}{number}" s="{style}" t="inlineStr">'
            f'<is><t xml:space="preserve">{_escape(text)}</t></is></c>'
            for i, text in enumerate(texts)
        )
        self._add(f'<row r="{number}">{cells}</row>')

    def row(self, values: Iterable[Any]) -> None:
        """One data row: str (text), date (a date cell), anything false (left empty)."""
        number = self.rows + 1
        parts = [f'<row r="{number}">']
        append = parts.append
        letters = self.letters
        for index, value in enumerate(values):
            if not value:
                continue
            if isinstance(value, dt.date):
                serial = self.serials.get(value)
                if serial is None:
                    day = value.date() if isinstance(value, dt.datetime) else value
                    serial = self.serials[value] = (day - _EXCEL_EPOCH).days
                append(f'<c r="{letters[index]}{number}" s="{DATE_STYLE}"><v>{serial}</v></c>')
                continue
            text = value if isinstance(value, str) else str(value)
            style = f' s="{QUOTE_PREFIX_STYLE}"' if looks_like_formula(text) else ""
            append(
                f'<c r="{letters[index]}{number}"{style} t="inlineStr"><is><t xml:space="preserve">'
                f"{_escape(text)}</t></is></c>"
            )
        append("</row>")
        self._add("".join(parts))

    def _add(self, xml: str) -> None:
        self.rows += 1
        self.pending.append(xml)
        if len(self.pending) >= ROWS_PER_WRITE:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.sheet.write("".join(self.pending).encode())
            self.pending = []

    def close(self) -> None:
        self._flush()
        self.sheet.write(b"</sheetData></worksheet>")
        self.sheet.close()
        self.zip.close()
