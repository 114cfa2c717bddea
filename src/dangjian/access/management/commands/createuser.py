import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dangjian.access.services import user_create
from dangjian.core.errors import validation_messages


class Command(BaseCommand):
    help = "创建用户。密码从标准输入读取（--password-stdin），不出现在命令行和进程列表中。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
        parser.add_argument("--full-name", default="", help="姓名")
        parser.add_argument("--email", default="", help="电子邮箱")

    def handle(self, *args, username, password_stdin, full_name, email, **options):
        if not password_stdin:
            raise CommandError("请用 --password-stdin 从标准输入提供密码")
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("标准输入中没有密码")
        try:
            user = user_create(
                actor=None, username=username, password=password, full_name=full_name, email=email
            )
        except ValidationError as exc:
            raise CommandError("；".join(validation_messages(exc))) from exc
        self.stdout.write(f"已创建用户 {user.username}")
