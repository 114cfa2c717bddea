from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from dangjian.core import crypto
from dangjian.core.keyrotation import rotate_keys, rows_on_old_keys_count


class Command(BaseCommand):
    help = (
        "用当前密钥（DANGJIAN_DATA_KEYS、DANGJIAN_HASH_KEYS 的第一项）重新加密身份证号和联系电话、"
        "重算身份证号摘要；分批进行，可重复运行，每次运行记入操作记录。完成后即可从环境变量中移除旧密钥。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="每批处理的记录数，默认 1000")
        parser.add_argument(
            "--check", action="store_true", help="只统计仍使用旧密钥的记录数，有则以状态码 1 退出"
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
                stale = rows_on_old_keys_count()
                self.stdout.write(f"仍使用旧密钥的记录：{sum(stale.values())} 条（{_by_model(stale)}）")
                if any(stale.values()):
                    raise SystemExit(1)
                return
            result = rotate_keys(batch_size=batch_size)
        except (crypto.CryptoError, ImproperlyConfigured, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"已用数据密钥“{result.data_key}”、摘要密钥“{result.hash_key}”重写 {result.total} 条记录"
            f"（{_by_model(result.rewritten)}）"
        )


def _by_model(counts: dict[str, int]) -> str:
    from django.apps import apps

    return "，".join(f"{apps.get_model(label)._meta.verbose_name} {count}" for label, count in counts.items())
