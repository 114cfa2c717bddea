"""What the import and export commands share: options, the acting user, printing a report."""

import json
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from .report import ImportReport
from .uploads import UploadRejected, check_upload


def acting_user(username: str | None) -> Any:
    """The user named by --user, or None: the operator at the console acts as the system."""
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist as exc:
        raise CommandError(f"用户“{username}”不存在或已停用") from exc


class ImportCommand(BaseCommand):
    what = ""  # "党组织" or "党员"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=".xlsx、.xls、.ods 或 .csv 文件")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--keep-valid", action="store_true", help="有错误时仍写入无误的行")
        parser.add_argument("--format", choices=["table", "json"], default="table", help="输出格式")
        parser.add_argument("--user", help="以该用户身份导入（只能写入其授权范围）；不填则以系统身份")

    def run_import(self, **kwargs: Any) -> ImportReport:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        actor = acting_user(options["user"])
        with path.open("rb") as stream:
            try:
                check_upload(stream, path.name, limit_size=False)
            except UploadRejected as error:
                raise CommandError(str(error)) from error
            report = self.run_import(
                actor=actor,
                stream=stream,
                filename=path.name,
                dry_run=options["dry_run"],
                keep_valid=options["keep_valid"],
            )
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False))
        else:
            self.stdout.write(render_table(report, self.what, options["dry_run"]))
        if report.stopped(options["keep_valid"]):
            sys.exit(1)


def render_table(report: ImportReport, what: str, dry_run: bool) -> str:
    lines = [f"{what}导入：共 {report.total} 行，无误 {report.valid} 行，写入 {report.written} 行"]
    if dry_run:
        lines.append("（仅检查，未写入）")
    for title, problems in (("错误", report.errors), ("提醒", report.warnings)):
        if not problems:
            continue
        lines.append(f"\n{title}（{len(problems)}）：")
        lines.append("行号\t列\t内容\t问题")
        for problem in problems:
            row = f"第{problem.row}行" if problem.row else "—"
            lines.append(f"{row}\t{problem.column or '—'}\t{problem.value}\t{problem.message}")
    if report.errors and report.written == 0 and not dry_run:
        lines.append("\n有错误，未写入任何数据（可修改后重新导入，或加 --keep-valid 只导入无误的行）")
    return "\n".join(lines)
