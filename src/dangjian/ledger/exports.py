"""Tables of the ledger and assessment pages as .xlsx: every text cell written as text (never
a formula, io/writers.py), the first row a watermark naming who exported it and when."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

import xlsxwriter
from django.http import HttpResponse

from dangjian.io.writers import SafeSheet, watermark_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
