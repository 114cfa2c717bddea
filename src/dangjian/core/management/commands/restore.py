from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.management.dbdump import BackupError, check_restorable, read_manifest, restore


class Command(BaseCommand):
    help = "用备份文件（或它的清单）替换当前数据库；先核对校验值，不符则拒绝。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="备份文件或清单文件（*.manifest.json）")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接覆盖当前数据库")

    def handle(self, *args, file, yes, **options):
        try:
            manifest = read_manifest(file)
            check_restorable(manifest)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"备份时间 {manifest.data['created_at']}，校验值相符。")
        if not yes:
            answer = input("恢复会覆盖当前数据库的全部数据。确定继续吗？输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消，数据库没有改动。")
        try:
            differences = restore(manifest)
        except (BackupError, OSError) as exc:
            raise CommandError(f"恢复失败：{exc}") from exc
        if differences:
            lines = "；".join(
                f"{table} 应有 {want} 行，实有 {got} 行" for table, (want, got) in differences.items()
            )
            raise CommandError(f"恢复后行数与清单不符：{lines}")
        self.stdout.write(f"已从 {manifest.dump_path.name} 恢复，各表行数与清单一致。")
        self.stdout.write("如果程序版本比备份新，请再运行 dangjian migrate。")
