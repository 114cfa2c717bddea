"""The recompute of the precomputed member figures as a background task (`dangjian db_worker`),
as orglife.tasks does for compliance: each run is incremental and books the next one a few
minutes later, so one `dangjian member_figures_recompute --enqueue` starts the chain; a chain
started twice only repeats work, and the recompute is idempotent."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .services import member_figures_recompute

logger = logging.getLogger(__name__)
DEFAULT_INTERVAL_MINUTES = 10


@task()
def recompute_member_figures(full: bool = False, reschedule: bool = True) -> dict[str, Any]:
    result = member_figures_recompute(full=full)
    logger.info("member figures (%s): %d organizations recomputed", result.mode, result.recomputed)
    # Backends that cannot defer (the immediate one in tests) would run the chain forever.
    if reschedule and recompute_member_figures.get_backend().supports_defer:
        minutes = int(getattr(settings, "MEMBER_FIGURES_RECOMPUTE_MINUTES", DEFAULT_INTERVAL_MINUTES))
        recompute_member_figures.using(run_after=timezone.now() + dt.timedelta(minutes=minutes)).enqueue()
    return {"mode": result.mode, "recomputed": result.recomputed}
