from typing import Any

from dangjian.io.cli import ImportCommand
from dangjian.io.report import ImportReport
from dangjian.io.services import members_import


class Command(ImportCommand):
    help = "从 Excel/CSV 导入党员（按公民身份号码新建或更新）"
    what = "党员"

    def run_import(self, **kwargs: Any) -> ImportReport:
        return members_import(**kwargs)
