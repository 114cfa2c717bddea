"""`dangjian schedule` starts each background chain once: a second call (a restarted demo, a
repeated deployment step) finds the chains waiting and leaves them alone."""

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from dangjian.core.periodic import periodic_tasks, periodic_tasks_start

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@override_settings(TASKS=DATABASE_TASKS)
def test_each_chain_is_started_once():
    assert periodic_tasks_start() == list(periodic_tasks())
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert sorted(waiting.values_list("task_path", flat=True)) == sorted(
        task.module_path for task in periodic_tasks().values()
    )
    assert periodic_tasks_start() == []
    assert waiting.count() == len(periodic_tasks())


@override_settings(TASKS=DATABASE_TASKS)
def test_a_finished_chain_is_started_again(capsys):
    periodic_tasks_start()
    reminders = periodic_tasks()["每日提醒"]
    DBTaskResult.objects.filter(task_path=reminders.module_path).update(status=TaskResultStatus.FAILED)
    call_command("schedule")
    out = capsys.readouterr().out
    assert "每日提醒：已启动" in out
    assert "组织生活落实情况汇总：已在排队，未重复启动" in out
