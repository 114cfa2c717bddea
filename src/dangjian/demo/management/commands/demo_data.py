import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from dangjian.demo.generator import PUBLIC_SCALES, REFUSAL, SCALES, DemoDataError, load_demo
from dangjian.demo.logins import ensure_demo_logins, logins_table
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = "生成演示数据（县、州市或省的党组织和党员），同一随机种子每次生成相同的数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="county",
            help=f"规模：{'、'.join(f'{name}（{SCALES[name].label}）' for name in PUBLIC_SCALES)}",
        )
        parser.add_argument("--seed", type=int, default=1, help="随机种子，默认 1")
        parser.add_argument(
            "--replace", action="store_true", help="先删除现有的全部党组织、党员及其授权，再生成"
        )
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help="以哪一天为“今天”计算年龄、任期和预备期（YYYY-MM-DD，默认今天），便于复现",
        )

    def handle(self, *args, scale: str, seed: int, replace: bool, as_of: dt.date | None, **options) -> None:
        if Organization.objects.exists() and not replace:
            self.stderr.write(REFUSAL)
            raise SystemExit(1)
        self.stdout.write(f"正在生成演示数据：规模 {SCALES[scale].label}，随机种子 {seed} …")
        try:
            result = load_demo(scale, seed=seed, as_of=as_of, replace=replace, progress=self.stdout.write)
        except DemoDataError as exc:
            self.stderr.write(str(exc))
            raise SystemExit(1) from exc
        self.stdout.write(result.describe())
        if SCALES[scale].prefectures == 0 and SCALES[scale].counties == 1:
            logins = ensure_demo_logins(result.county, result.first_township, result.secretary_branch)
            self.stdout.write("\n演示账号：\n" + logins_table(logins))
