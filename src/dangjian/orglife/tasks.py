"""The recompute of the precomputed compliance figures as a background task (`dangjian
db_worker`). Each run is incremental and books the next one a few minutes later, so one
`dangjian compliance_recompute --enqueue` starts the chain; a chain started twice only
repeats work, and the recompute is idempotent."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .services import compliance_figures_recompute

logger = logging.getLogger(__name__)
DEFAULT_INTERVAL_MINUTES = 15


def years_to_recompute(today: dt.date) -> list[int]:
    """The current year, and in January the year just ended too: its December records and
    the corrections of its minutes still arrive in the first weeks of the new year."""
    return [today.year - 1, today.year] if today.month == 1 else [today.year]


@task()
def recompute_compliance_figures(
    year: int | None = None, full: bool = False, reschedule: bool = True
) -> dict[str, Any]:
    years = [year] if year else years_to_recompute(timezone.localdate())
    done = {}
    for each in years:
        result = compliance_figures_recompute(year=each, full=full)
        logger.info(
            "compliance figures %s (%s): %d branches recomputed, %d removed",
            each,
            result.run.mode,
            len(result.recomputed),
            result.removed,
        )
        done[str(each)] = {"mode": result.run.mode, "recomputed": len(result.recomputed)}
    # Backends that cannot defer (the immediate one in tests) would run the chain forever.
    if reschedule and recompute_compliance_figures.get_backend().supports_defer:
        minutes = int(getattr(settings, "ORGLIFE_RECOMPUTE_MINUTES", DEFAULT_INTERVAL_MINUTES))
        recompute_compliance_figures.using(run_after=timezone.now() + dt.timedelta(minutes=minutes)).enqueue()
    return done
