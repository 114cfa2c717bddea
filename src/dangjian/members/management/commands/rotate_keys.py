from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from dangjian.core import crypto
from dangjian.members.services import members_on_old_keys_count, members_rotate_keys


class Command(BaseCommand):
    help = (
        "用当前密钥（DANGJIAN_DATA_KEYS、DANGJIAN_HASH_KEYS 的第一项）重新加密党员的身份证号和联系电话、"
        "重算身份证号摘要；分批进行，可重复运行，每次运行记入操作记录。完成后即可从环境变量中移除旧密钥。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="每批处理的党员数，默认 1000")
        parser.add_argument(
            "--check", action="store_true", help="只统计仍使用旧密钥的党员数，有则以状态码 1 退出"
        )
        parser.add_argument(
            "--generate-key",
            metavar="编号",
            help="生成一个新密钥（“编号:Base64密钥”），加到环境变量最前面后再运行本命令",
        )

    def handle(self, *args, batch_size, check, generate_key, **options):
        try:
            if generate_key:
                self.stdout.write(crypto.generate_key_entry(generate_key))
                return
            if batch_size < 1:
                raise CommandError("--batch-size 至少为 1")
            if check:
                stale = members_on_old_keys_count()
                self.stdout.write(f"仍使用旧密钥的党员：{stale} 名")
                if stale:
                    raise SystemExit(1)
                return
            result = members_rotate_keys(batch_size=batch_size)
        except (crypto.CryptoError, ImproperlyConfigured, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"已用数据密钥“{result.data_key}”、摘要密钥“{result.hash_key}”重写 {result.rewritten} 名党员的记录"
        )
