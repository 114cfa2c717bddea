import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.notifications.choices import NotificationKind
from dangjian.notifications.reminders import reminders_run
from dangjian.notifications.tasks import send_daily_reminders


class Command(BaseCommand):
    help = "收集当日待办提醒（组织生活、发展党员、党费、换届），发给有关书记和组织部管理员。"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按此日期提醒（默认今天），格式 2026-11-22")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="交给后台任务执行（dangjian db_worker），此后每天早上自动运行",
        )

    def handle(self, *args, today, enqueue, **options):
        try:
            day = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--today 日期无效：{today}（格式如 2026-11-22）") from exc
        if enqueue:
            result = send_daily_reminders.enqueue(today=day.isoformat() if today else None)
            self.stdout.write(f"已加入后台任务队列：{result.id}")
            return
        report = reminders_run(today=day)
        counts = report.counts_by_kind()
        self.stdout.write(f"{day:%Y-%m-%d} 待办提醒")
        for kind, label in NotificationKind.choices:
            if kind != NotificationKind.SUMMARY:
                self.stdout.write(f"  {label}：{counts.get(kind, 0)} 个党组织")
        self.stdout.write(f"新发消息 {len(report.result.created)} 条，今日已发过 {report.result.skipped} 条")
        if report.result.failures:
            self.stderr.write(f"有 {report.result.failures} 次外发失败，详见日志")
