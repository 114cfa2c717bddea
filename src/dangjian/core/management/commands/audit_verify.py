import sys

from django.core.management.base import BaseCommand

from dangjian.core.audit import audit_verify


class Command(BaseCommand):
    help = "校验操作记录和访问记录的哈希链：发现被修改或删除的记录时指出第一条并以状态 1 退出。"

    def handle(self, *args, **options):
        reports = audit_verify()
        for report in reports:
            stream = self.stdout if report.ok else self.stderr
            stream.write(report.describe())
        if not all(report.ok for report in reports):
            sys.exit(1)
