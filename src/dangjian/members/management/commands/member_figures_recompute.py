from django.core.management.base import BaseCommand

from dangjian.members.services import member_figures_recompute
from dangjian.members.tasks import recompute_member_figures


class Command(BaseCommand):
    help = "重算首页党员统计的预计算数据（默认增量：只重算党员有变动、组织信息有变化或有党员跨入新年龄段的组织）。"

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="全量重算所有党组织")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="交给后台任务执行（dangjian db_worker），此后每隔一段时间自动增量重算",
        )

    def handle(self, *args, full, enqueue, **options):
        if enqueue:
            result = recompute_member_figures.enqueue(full=full)
            self.stdout.write(f"已加入后台任务队列：{result.id}")
            return
        result = member_figures_recompute(full=full)
        mode = "全量" if result.mode == "full" else "增量"
        self.stdout.write(f"{mode}重算 {result.recomputed} 个党组织，用时 {result.seconds:.2f} 秒")
