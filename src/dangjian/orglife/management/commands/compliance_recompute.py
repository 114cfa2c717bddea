from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.orglife.services import compliance_figures_recompute
from dangjian.orglife.tasks import recompute_compliance_figures, years_to_recompute


class Command(BaseCommand):
    help = "重算组织生活落实情况的预计算汇总数据（默认增量：只重算上次以来有新提交或更正记录的党支部）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="年度（默认今年；1月时含上一年）")
        parser.add_argument("--full", action="store_true", help="全量重算该年度所有党支部")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="交给后台任务执行（dangjian db_worker），此后每隔一段时间自动增量重算",
        )

    def handle(self, *args, year, full, enqueue, **options):
        if year is not None and not 2000 <= year <= 2100:
            raise CommandError(f"--year 年度无效：{year}")
        if enqueue:
            result = recompute_compliance_figures.enqueue(year=year, full=full)
            self.stdout.write(f"已加入后台任务队列：{result.id}")
            return
        for each in [year] if year else years_to_recompute(timezone.localdate()):
            result = compliance_figures_recompute(year=each, full=full)
            self.stdout.write(
                f"{each}年：{result.run.get_mode_display()}重算 {len(result.recomputed)} 个党支部，"
                f"删除 {result.removed} 条过时数据，"
                f"用时 {(result.run.finished_at - result.run.started_at).total_seconds():.2f} 秒"
            )
