"""The daily reminder run as a background task (`dangjian db_worker`). Each run books the next
one for the following morning, so one `dangjian remind --enqueue` starts the daily chain;
a chain started twice only repeats work, never notifications (they are deduplicated per day)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone
from django_tasks import task

from .reminders import reminders_run

logger = logging.getLogger(__name__)
RUN_AT = dt.time(7, 0)


def next_morning(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return timezone.make_aware(dt.datetime.combine(local.date() + dt.timedelta(days=1), RUN_AT))


@task()
def send_daily_reminders(today: str | None = None, reschedule: bool = True) -> dict[str, Any]:
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    report = reminders_run(today=day)
    logger.info(
        "reminders %s: %d items, %d sent, %d already sent",
        day,
        len(report.reminders),
        len(report.result.created),
        report.result.skipped,
    )
    # Backends that cannot defer (the immediate one in tests) would run the chain forever.
    if reschedule and send_daily_reminders.get_backend().supports_defer:
        send_daily_reminders.using(run_after=next_morning(timezone.now())).enqueue()
    return {"day": day.isoformat(), "items": len(report.reminders), "sent": len(report.result.created)}
