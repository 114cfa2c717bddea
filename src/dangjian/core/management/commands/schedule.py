from django.core.management.base import BaseCommand

from dangjian.core.periodic import periodic_tasks, periodic_tasks_start


class Command(BaseCommand):
    help = "启动后台定时任务链（每日提醒、组织生活汇总、党员数汇总）；已在排队的不会重复启动。须有 db_worker 在运行。"

    def handle(self, *args, **options) -> None:
        started = set(periodic_tasks_start())
        for label in periodic_tasks():
            self.stdout.write(f"{label}：{'已启动' if label in started else '已在排队，未重复启动'}")
