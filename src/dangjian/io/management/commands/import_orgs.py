from typing import Any

from dangjian.io.cli import ImportCommand
from dangjian.io.report import ImportReport
from dangjian.io.services import organizations_import


class Command(ImportCommand):
    help = "从 Excel/CSV 导入党组织（按组织代码新建或更新）"
    what = "党组织"

    def run_import(self, **kwargs: Any) -> ImportReport:
        return organizations_import(**kwargs)
