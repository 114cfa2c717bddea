"""The background chains the worker keeps running: each task books its own next run, so a
chain needs starting once. `periodic_tasks_start` starts every chain that has no run waiting
or running, so calling it at each start of the demo or each deployment never doubles one."""

from __future__ import annotations

from typing import Any

from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def periodic_tasks() -> dict[str, Any]:
    """Each chain by the name the command line shows."""
    from dangjian.members.tasks import recompute_member_figures
    from dangjian.notifications.tasks import send_daily_reminders
    from dangjian.orglife.tasks import recompute_compliance_figures

    return {
        "每日提醒": send_daily_reminders,
        "组织生活落实情况汇总": recompute_compliance_figures,
        "首页党员数汇总": recompute_member_figures,
    }


def _chain_alive(task: Any) -> bool:
    if not task.get_backend().supports_defer:
        return False
    return DBTaskResult.objects.filter(
        task_path=task.module_path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).exists()


def periodic_tasks_start() -> list[str]:
    """Names of the chains started now (those already alive are left alone)."""
    started = []
    for label, task in periodic_tasks().items():
        if not _chain_alive(task):
            task.enqueue()
            started.append(label)
    return started
