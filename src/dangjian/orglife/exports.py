"""Workbooks of organizational life: the compliance table of a report and a branch's minute
book of a year. Written in memory with XlsxWriter; the caller has checked `export`."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import xlsxwriter

from dangjian.orgs.choices import Sector

from .compliance import STATUS_LABELS
from .models import Activity

_TAGS = re.compile(r"<[^>]+>")


def plain_text(html: str) -> str:
    """The sanitized minutes without their markup, one paragraph a line, for a spreadsheet cell."""
    text = re.sub(r"</p>|<br\s*/?>|</li>|</h\d>", "\n", html or "", flags=re.IGNORECASE)
    text = _TAGS.sub("", text)
    for entity, char in (("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&amp;", "&")):
        text = text.replace(entity, char)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _sheet(
    book: Any, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[int]
) -> None:
    bold = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet(title)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width, wrap)
    sheet.write_row(0, 0, header, bold)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, ["" if value is None else value for value in row])
    sheet.freeze_panes(1, 0)


def compliance_workbook(report: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    heading = f"{report['name']} {report['period']['label']}（截至{report['today']}）"
    if "branches" in report:
        _sheet(
            book,
            "按规则",
            ["规则", "应开次数", "已开次数", "党支部数", "已完成", "进行中", "未完成", "达标率"],
            [
                [
                    r["name"],
                    r["required"],
                    r["held"],
                    r["branches"],
                    r["met"],
                    r["due"],
                    r["missed"],
                    _share(r["share_met"]),
                ]
                for r in report["rules"]
            ],
            [44, 10, 10, 10, 8, 8, 8, 10],
        )
        _sheet(
            book,
            "下级组织",
            ["代码", "名称", "党支部数", "全部达标", "进行中", "有未完成", "达标率"],
            [
                [
                    c["org"],
                    c["name"],
                    c["branches"],
                    c["met_all"],
                    c["due"],
                    c["missed_any"],
                    _share(c["share_met_all"]),
                ]
                for c in report["children"]
            ],
            [14, 30, 10, 10, 8, 10, 10],
        )
        _sheet(
            book,
            "按领域",
            ["领域", "党支部数", "全部达标", "进行中", "有未完成", "达标率"],
            [
                [
                    Sector(code).label if code in Sector.values else code,
                    s["branches"],
                    s["met_all"],
                    s["due"],
                    s["missed_any"],
                    _share(s["share_met_all"]),
                ]
                for code, s in report["sectors"].items()
            ],
            [20, 10, 10, 8, 10, 10],
        )
        _sheet(
            book,
            "未完成的党支部",
            ["代码", "名称", "缺项"],
            [[b["org"], b["name"], "\n".join(b["missing"])] for b in report["failing"]],
            [14, 30, 60],
        )
    else:
        _sheet(
            book,
            "按规则",
            ["规则", "应开次数", "已开次数", "实开次数", "状态", "缺项", "尚需", "依据"],
            [
                [
                    r["name"],
                    r["required"],
                    r["held"],
                    r["count"],
                    STATUS_LABELS[r["status"]],
                    "\n".join(r["missing"]),
                    "\n".join(r["outstanding"]),
                    r["source"],
                ]
                for r in report["rules"]
            ],
            [44, 10, 10, 10, 8, 40, 40, 30],
        )
    info = book.add_worksheet("说明")
    info.write(0, 0, heading)
    book.close()
    return buffer.getvalue()


def _names(record: Activity, status: str) -> str:
    return "、".join(row.member.name for row in record.attendance.all() if row.status == status)


def minute_book_workbook(records: Sequence[Activity], title: str) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    rows = []
    for record in records:
        leave = "、".join(
            f"{row.member.name}（{row.leave_reason}）"
            for row in record.attendance.all()
            if row.status == "leave"
        )
        rows.append(
            [
                record.held_on.isoformat(),
                record.start_time.strftime("%H:%M") if record.start_time else "",
                "、".join(entry.get_kind_display() for entry in record.kind_entries.all()),
                record.group.name if record.group else "",
                record.place,
                record.host,
                record.speaker_name,
                record.topic,
                record.present_count,
                _names(record, "present"),
                leave,
                _names(record, "absent"),
                plain_text(record.minutes),
                record.version,
            ]
        )
    _sheet(
        book,
        "会议记录",
        [
            "日期",
            "时间",
            "类型",
            "党小组",
            "地点",
            "主持人",
            "主讲人",
            "主题",
            "出席人数",
            "出席",
            "请假",
            "缺席",
            "会议记录",
            "版本",
        ],
        rows,
        [11, 7, 20, 14, 16, 8, 8, 30, 8, 30, 24, 20, 60, 6],
    )
    info = book.add_worksheet("说明")
    info.write(0, 0, title)
    book.close()
    return buffer.getvalue()
