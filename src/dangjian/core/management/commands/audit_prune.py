from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dangjian.core.audit import audit_prune


class Command(BaseCommand):
    help = "删除超过保留期的操作记录和访问记录（至少保留 6 个月），清理本身记入操作记录。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--months",
            type=int,
            default=None,
            help=f"保留月数，默认取设置 AUDIT_RETENTION_MONTHS（当前 {settings.AUDIT_RETENTION_MONTHS}）",
        )

    def handle(self, *args, months, **options):
        try:
            summary = audit_prune(months=months)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        deleted = "，".join(f"{table} {count} 条" for table, count in summary["deleted"].items())
        self.stdout.write(f"已清理 {summary['cutoff'][:10]} 之前的记录：{deleted}")
