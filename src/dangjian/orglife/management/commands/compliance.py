import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.orglife.compliance import STATUS_LABELS, compliance_report
from dangjian.orglife.periods import window_for
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = "按组织生活规则统计某党组织（含下级）在指定年度、季度或月份的落实情况。"

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="党组织代码")
        parser.add_argument("--year", required=True, type=int, help="年度，如 2026")
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4], help="季度 1-4")
        parser.add_argument("--month", type=int, choices=range(1, 13), metavar="MONTH", help="月份 1-12")
        parser.add_argument("--today", help="按此日期判断“进行中/未完成”（默认今天），格式 2026-11-22")
        parser.add_argument("--format", choices=["table", "json"], default="table", help="输出格式")

    def handle(self, *args, org, year, quarter, month, today, format, **options):
        organization = Organization.objects.filter(code=org).first()
        if organization is None:
            raise CommandError(f"党组织代码“{org}”不存在")
        try:
            window = window_for(year, quarter, month)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            day = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--today 日期无效：{today}（格式如 2026-11-22）") from exc
        report = compliance_report(organization=organization, window=window, today=day)
        if format == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self.stdout.write(render_table(report))


def _pad(text: object, width: int) -> str:
    text = str(text)
    # CJK characters take two columns in a terminal.
    shown = sum(2 if ord(char) > 0x2E80 else 1 for char in text)
    return text + " " * max(width - shown, 0)


def _rule_rows(rules: list[dict], with_branches: bool) -> list[str]:
    header = _pad("规则", 44) + _pad("应开", 6) + _pad("已开", 6) + _pad("状态", 8)
    if with_branches:
        header += "达标支部"
    lines = [header]
    for rule in rules:
        line = (
            _pad(rule["name"], 44)
            + _pad(rule["required"], 6)
            + _pad(rule["held"], 6)
            + _pad(STATUS_LABELS[rule["status"]], 8)
        )
        if with_branches:
            line += f"{rule['met']}/{rule['branches']}"
        lines.append(line)
    return lines


def render_table(report: dict) -> str:
    lines = [f"{report['name']}（{report['org']}） {report['period']['label']}  截至{report['today']}"]
    is_rollup = "branches" in report
    if is_rollup:
        share = report["share_met_all"]
        lines.append(
            f"党支部{report['branches']}个：全部达标{report['met_all']}个，进行中{report['due']}个，"
            f"未完成{report['missed_any']}个" + (f"，达标率{share:.1%}" if share is not None else "")
        )
    lines.extend(_rule_rows(report["rules"], is_rollup))
    if is_rollup:
        if report["children"]:
            lines.append("")
            lines.append(_pad("下级组织", 30) + _pad("支部数", 8) + _pad("全部达标", 10) + "未完成")
            for child in report["children"]:
                lines.append(
                    _pad(f"{child['name']}（{child['org']}）", 30)
                    + _pad(child["branches"], 8)
                    + _pad(child["met_all"], 10)
                    + str(child["missed_any"])
                )
        if report["failing"]:
            lines.append("")
            lines.append("未完成的党支部：")
            for branch in report["failing"]:
                lines.append(f"  {branch['name']}（{branch['org']}）")
                lines.extend(f"    {text}" for text in branch["missing"])
    else:
        for title, key in (("未完成：", "missing"), ("尚需完成：", "outstanding")):
            if report[key]:
                lines.append("")
                lines.append(title)
                lines.extend(f"  {text}" for text in report[key])
        if report["absence_warnings"]:
            lines.append("")
            lines.append("连续未参加组织生活的党员：")
            lines.extend(f"  {warning['text']}" for warning in report["absence_warnings"])
    return "\n".join(lines)
