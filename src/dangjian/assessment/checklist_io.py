"""A checklist template as a spreadsheet: exported with the same columns the importer reads,
so a county can edit its list in Excel or WPS and load it back as a new version.

Reading follows the project's import conventions (io/readers.py): the header row is found
among title rows, headers may be typed with full-width characters or a trailing `*`, and every
problem is reported in Chinese with the row number Excel shows and the column's own header;
nothing is written unless every row is good."""

from __future__ import annotations

import io
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import xlsxwriter

from dangjian.core.text import clean_header, clean_text
from dangjian.io.readers import UnreadableFile, read_table
from dangjian.io.writers import SafeSheet, watermark_text

from .choices import BasicArea, ScoringMethod
from .models import ChecklistTemplate

COLUMNS = [
    ("number", "序号"),
    ("area", "类别"),
    ("title", "事项"),
    ("description", "标准要求"),
    ("evidence_required", "佐证材料"),
    ("points", "分值"),
    ("method", "评分方式"),
]
HEADERS = {clean_header(label): name for name, label in COLUMNS}
REQUIRED = ("area", "title", "points")
MAX_POINTS = Decimal("9999.9")


def _choice(value: str, choices: Any) -> str | None:
    """A choice typed as its label (基本组织) or its code (organization)."""
    for code, label in choices:
        if value in (code, label, clean_header(label)):
            return code
    return None


def _prose(value: Any) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFC", str(value)).strip()


def parse_rows(stream: IO[bytes], filename: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The items of the file in row order, and the problems found (empty when all is good)."""
    try:
        table = read_table(stream, filename, HEADERS)
    except UnreadableFile as error:
        return [], [str(error)]
    problems = [
        f"缺少“{label}”列" for name, label in COLUMNS if name in REQUIRED and name not in table.fields
    ]
    if problems:
        return [], problems
    items = []
    for row_number, values in table.rows:

        def where(field: str, row_number: int = row_number) -> str:
            return f"第{row_number}行“{table.header_for(field)}”"

        # Prose keeps its full-width punctuation (，；：); only the choices are normalized.
        text = {name: _prose(values.get(name)) for name, _ in COLUMNS}
        for name in ("area", "method"):
            text[name] = clean_text(text[name])
        item: dict[str, Any] = {
            "title": text["title"],
            "description": text["description"],
            "evidence_required": text["evidence_required"],
        }
        if not item["title"]:
            problems.append(f"{where('title')}：事项不能为空")
        elif len(item["title"]) > 200:
            problems.append(f"{where('title')}：事项不能超过200字")
        if len(item["evidence_required"]) > 200:
            problems.append(f"{where('evidence_required')}：佐证材料不能超过200字")
        area = _choice(text["area"], BasicArea.choices)
        if area is None:
            labels = "、".join(label for _, label in BasicArea.choices)
            problems.append(f"{where('area')}：“{text['area']}”不是五个基本之一（{labels}）")
        item["area"] = area
        method = _choice(text["method"], ScoringMethod.choices) if text["method"] else ScoringMethod.MANUAL
        if method is None:
            problems.append(f"{where('method')}：“{text['method']}”不是可用的评分方式")
        item["method"] = method
        try:
            points = Decimal(str(values.get("points")).strip())
        except (InvalidOperation, ValueError):
            points = None
        if points is None or not points.is_finite() or points <= 0 or points > MAX_POINTS:
            problems.append(f"{where('points')}：分值应为大于0的数字")
        elif points != points.quantize(Decimal("0.1")):
            problems.append(f"{where('points')}：分值最多保留一位小数")
        item["points"] = points
        items.append(item)
    if not items and not problems:
        problems.append("文件中没有清单事项")
    return items, problems


def template_workbook(template: ChecklistTemplate, actor: Any) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("清单")
    safe = SafeSheet(book, sheet)
    bold = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    safe.write_watermark(0, watermark_text(actor, unmasked=False))
    safe.write_text(
        1, 0, f"{template.owner.name} {template.name}（{template.year}年 {template.get_sector_display()}）"
    )
    for column, (_, label) in enumerate(COLUMNS):
        sheet.write_string(2, column, label, bold)
    for column, width in enumerate([6, 10, 28, 50, 28, 8, 26]):
        sheet.set_column(column, column, width)
    for row, item in enumerate(template.items.order_by("number"), start=3):
        sheet.write_number(row, 0, item.number)
        safe.write_text(row, 1, item.get_area_display())
        safe.write_text(row, 2, item.title)
        safe.write_text(row, 3, item.description)
        safe.write_text(row, 4, item.evidence_required)
        sheet.write_number(row, 5, float(item.points))
        safe.write_text(row, 6, item.get_method_display())
    sheet.freeze_panes(3, 0)
    book.close()
    return buffer.getvalue()
