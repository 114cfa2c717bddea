"""A branch's minute book of a year as a PDF, written on the server with ReportLab.

The Chinese text uses ReportLab's built-in CID font STSong-Light (Adobe's Song typeface that
every PDF reader carries), so no font file is shipped or embedded. Each record begins a new
page and has an entry in the PDF's outline (bookmarks), so a reader can jump to a sitting
and the number of records can be checked without extracting text."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer

from .exports import plain_text
from .models import Activity

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_BASE = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
TITLE = ParagraphStyle("title", parent=_BASE, fontSize=18, leading=26, alignment=1, spaceAfter=6)
SUBTITLE = ParagraphStyle("subtitle", parent=_BASE, fontSize=13, leading=20, alignment=1, spaceAfter=12)
HEADING = ParagraphStyle("heading", parent=_BASE, fontSize=13, leading=20, spaceAfter=6)
BODY = _BASE
SMALL = ParagraphStyle("small", parent=_BASE, fontSize=9, leading=13, textColor="#555555")


class Bookmark(Flowable):
    """An outline entry pointing at the place it is drawn."""

    def __init__(self, key: str, title: str) -> None:
        super().__init__()
        self.key = key
        self.title = title
        self.width = self.height = 0

    def draw(self) -> None:
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=0)


def _para(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _attending(record: Activity, status: str) -> list[Any]:
    return [row for row in record.attendance.all() if row.status == status]


def _record_story(number: int, record: Activity) -> list[Any]:
    kinds = "、".join(entry.get_kind_display() for entry in record.kind_entries.all())
    when = f"{record.held_on.year}年{record.held_on.month}月{record.held_on.day}日"
    if record.start_time:
        when += f" {record.start_time:%H:%M}"
    heading = f"{number}. {when}　{kinds}"
    present, leave, absent = (_attending(record, status) for status in ("present", "leave", "absent"))
    story: list[Any] = [Bookmark(f"record-{record.pk}", heading), _para(heading, HEADING)]
    lines = [
        ("主题", record.topic or "—"),
        ("地点", record.place or "—"),
        ("主持人", record.host or "—"),
        ("主讲人", record.speaker_name or "—"),
    ]
    if record.group is not None:
        lines.append(("党小组", record.group.name))
    lines.append((f"出席（{len(present)}人）", "、".join(row.member.name for row in present) or "—"))
    if leave:
        reasons = "、".join(f"{row.member.name}（{row.leave_reason}）" for row in leave)
        lines.append((f"请假（{len(leave)}人）", reasons))
    if absent:
        lines.append((f"缺席（{len(absent)}人）", "、".join(row.member.name for row in absent)))
    story.extend(_para(f"{label}：{value}") for label, value in lines)
    story.append(Spacer(1, 3 * mm))
    story.append(_para("会议记录：", HEADING))
    paragraphs = plain_text(record.minutes).splitlines() or ["（未填写）"]
    story.extend(_para(text) for text in paragraphs)
    if record.version > 1:
        story.append(Spacer(1, 2 * mm))
        story.append(_para(f"第{record.version}版（更正原因：{record.correction_reason}）", SMALL))
    return story


def minute_book_pdf(records: Sequence[Activity], branch_name: str, year: int) -> bytes:
    """The records (submitted, current, oldest first, with attendance prefetched) as a PDF:
    a title, then one record per page."""
    buffer = io.BytesIO()
    title = f"{branch_name} {year}年组织生活会议记录"

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(A4[0] / 2, 12 * mm, f"{branch_name} · {year}年 · 第{document.page}页")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=branch_name,
        subject=f"{len(records)}条记录",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=22 * mm,
    )
    story: list[Any] = [_para(branch_name, TITLE), _para(f"{year}年组织生活会议记录", SUBTITLE)]
    if not records:
        story.append(_para(f"{year}年没有已提交的组织生活记录。"))
    for number, record in enumerate(records, start=1):
        if number > 1:
            story.append(PageBreak())
        story.extend(_record_story(number, record))
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
