"""Writing spreadsheets that leave the platform: safe against formula injection, watermarked.
`table_workbook` writes one table (the ledger, assessment and audit-log exports).

Formula injection (CSV/Excel injection): a cell whose text starts with `=`, `+`, `-`, `@`, a
tab or a carriage return can be taken for a formula by a spreadsheet program, e.g. a member's
address typed as `=HYPERLINK(...)`. Every text cell is written with `write_string`, so the file
holds a text cell, never a formula; on top of that, such cells get Excel's "quote prefix"
style, the same state as when a person types a leading apostrophe: shown and kept as text even
when someone edits the cell and presses Enter. The apostrophe is not part of the value, so the
file read back (by the importer or anyone) yields exactly the original text: no prefix to strip
and no guessing whether a leading `'` was the user's own.

Watermark: the first row of each sheet says who exported it, when, and whether ID numbers are
masked. It is a single cell, so the importer's header detection (the first row with at least
two known headers) skips it like any title row an office adds.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def watermark_text(actor: Any, *, unmasked: bool, at: dt.datetime | None = None) -> str:
    who = actor.get_username() if actor is not None and getattr(actor, "is_authenticated", False) else "系统"
    when = timezone.localtime(at or timezone.now()).strftime("%Y-%m-%d %H:%M:%S")
    content = "含完整身份证号" if unmasked else "身份证号已脱敏"
    return f"导出人：{who}　导出时间：{when}　{content}　仅限工作使用，不得外传"


class SafeSheet:
    """One worksheet whose text cells cannot turn into formulas."""

    def __init__(self, workbook: Any, sheet: Any) -> None:
        self.sheet = sheet
        self.as_text = workbook.add_format({"quote_prefix": True})
        self.watermark_format = workbook.add_format({"italic": True, "font_color": "#7F7F7F"})

    def write_text(self, row: int, column: int, value: Any) -> None:
        text = str(value)
        if looks_like_formula(text):
            self.sheet.write_string(row, column, text, self.as_text)
        else:
            self.sheet.write_string(row, column, text)

    def write_watermark(self, row: int, text: str) -> None:
        self.sheet.write_string(row, 0, text, self.watermark_format)


def table_workbook(
    *,
    actor: Any,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int] = (),
) -> bytes:
    """One sheet: watermark, title, header, rows. Numbers stay numbers; None is an empty cell;
    everything else is text."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(title[:31].replace("/", "-"))
    safe = SafeSheet(book, sheet)
    bold = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    safe.write_watermark(0, watermark_text(actor, unmasked=False))
    safe.write_text(1, 0, title)
    for column, label in enumerate(header):
        sheet.write_string(2, column, label, bold)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    for index, row in enumerate(rows, start=3):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                safe.write_text(index, column, "是" if value else "否")
            elif isinstance(value, int | float):
                sheet.write_number(index, column, value)
            elif hasattr(value, "is_finite"):  # Decimal
                sheet.write_number(index, column, float(value))
            elif hasattr(value, "isoformat"):
                safe.write_text(index, column, value.isoformat())
            else:
                safe.write_text(index, column, value)
    sheet.freeze_panes(3, 0)
    book.close()
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
