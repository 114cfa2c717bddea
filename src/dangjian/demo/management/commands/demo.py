import argparse
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from dangjian.core.periodic import periodic_tasks_start
from dangjian.demo.generator import load_demo
from dangjian.demo.logins import DEMO_PASSWORD, ensure_demo_logins, logins_table
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = "启动演示：数据库为空时生成一个演示县，确保演示账号存在，打印登录信息并启动网站。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="监听地址，默认 127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据并打印登录信息，不启动网站")
        parser.add_argument("--seed", type=int, default=1, help="演示县的随机种子，默认 1")
        # A smaller county for tests of this command; not part of the documented interface.
        parser.add_argument("--scale", choices=["county", "tiny"], default="county", help=argparse.SUPPRESS)

    def handle(self, *args, addr: str, no_serve: bool, seed: int, scale: str, **options) -> None:
        result = None
        if not Organization.objects.exists():
            self.stdout.write(f"数据库中还没有党组织，正在生成演示县（随机种子 {seed}）…")
            result = load_demo(scale, seed=seed)
            self.stdout.write(result.describe())
        places = (
            (result.county, result.first_township, result.secretary_branch) if result else (None, None, None)
        )
        logins = ensure_demo_logins(*places)
        self.stdout.write("")
        # runserver takes a bare port too; the browser needs a host.
        shown = addr if ":" in addr else f"127.0.0.1:{addr}"
        self.stdout.write(self.style.SUCCESS(f"党建工作平台演示：请用浏览器打开 http://{shown}/"))
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write(logins_table(logins))
        if no_serve:
            return
        self.stdout.write("按 Ctrl+C 停止。\n")
        if not getattr(settings, "WHITENOISE_USE_FINDERS", False):
            # Pages need their CSS and scripts; unless whitenoise serves them straight from the
            # app directories (the default settings do), they must be collected first.
            call_command("collectstatic", interactive=False, verbosity=0)
        # Browser imports are checked by a background task, and reminders and the stored figures
        # are kept by periodic ones: the demo starts those chains and runs its worker alongside.
        periodic_tasks_start()
        worker = subprocess.Popen([sys.executable, "-m", "dangjian", "db_worker", "--no-reload"])
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
