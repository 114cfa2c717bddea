from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.core.restrict import path_in_scope
from dangjian.io.cli import acting_user
from dangjian.io.services import members_export, members_for_export
from dangjian.members.choices import MemberStatus
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = "把某党组织（含下级）在册党员导出为 .xlsx，列与导入模板相同；身份证号默认打码"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="要写入的 .xlsx 文件")
        parser.add_argument("--org", required=True, help="党组织代码")
        parser.add_argument("--unmasked", action="store_true", help="导出完整身份证号（会记入访问日志）")
        parser.add_argument("--user", help="以该用户身份导出（只能导出其授权范围）；不填则以系统身份")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options["user"])
        target = Path(options["file"])
        if target.suffix.lower() != ".xlsx":
            raise CommandError("导出文件的扩展名应为 .xlsx")
        organization = Organization.objects.filter(code=options["org"].strip()).first()
        if organization is None or (
            actor is not None and not path_in_scope(actor, "export", organization.path)
        ):
            raise CommandError(f"党组织代码“{options['org']}”不存在或不在您的导出范围内")
        members = members_for_export(actor).filter(
            organization__path__startswith=organization.path, status=MemberStatus.ACTIVE
        )
        try:
            count = members_export(
                actor=actor,
                queryset=members,
                target=str(target),
                unmasked=options["unmasked"],
                organization=organization,
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已导出 {organization.name} 党员 {count} 名到 {target}")
