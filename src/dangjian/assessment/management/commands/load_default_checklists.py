from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dangjian.assessment.services import checklist_defaults_install
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = "为县（区）或乡镇党委安装本产品默认的规范化建设清单（每个单位属性一份，已有的不重复安装）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="制定清单的党组织代码（通常是县委组织部所在的县委）")
        parser.add_argument("--year", type=int, default=None, help="适用年度（默认今年）")

    def handle(self, *args, org: str, year: int | None, **options) -> None:
        owner = Organization.objects.filter(code=org).first()
        if owner is None:
            raise CommandError(f"没有代码为“{org}”的党组织")
        year = year or timezone.localdate().year
        try:
            created = checklist_defaults_install(actor=None, owner=owner, year=year)
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from error
        for template in created:
            self.stdout.write(f"已安装：{template.name}（{template.items.count()}项）")
        if not created:
            self.stdout.write(f"“{owner.name}”{year}年的清单都已存在，未作改动")
