from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.management.dbdump import BackupError, backup


class Command(BaseCommand):
    help = "把整个数据库备份到目录 DIR：一个备份文件和一个清单（时间、数据库类型、迁移、各表行数、校验值）。"

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="存放备份的目录（不存在时自动创建）")

    def handle(self, *args, directory, **options):
        try:
            manifest = backup(directory)
        except (BackupError, OSError) as exc:
            raise CommandError(f"备份失败：{exc}") from exc
        rows = sum(manifest.data["row_counts"].values())
        self.stdout.write(
            f"已备份到 {manifest.dump_path}（{manifest.data['size']} 字节，{len(manifest.data['row_counts'])} 张表，"
            f"共 {rows} 行）\n清单：{manifest.path}"
        )
