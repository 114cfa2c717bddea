import datetime as dt
from collections.abc import Iterable
from typing import Any

import pytest

from dangjian.orglife.models import Activity
from dangjian.orglife.services import AttendanceEntry, attendance_set, record_create, record_submit
from dangjian.orgs.models import Organization

TODAY = dt.date(2026, 11, 23)


def hold(
    branch: Organization,
    day: dt.date,
    *kinds: str,
    actor: Any = None,
    today: dt.date = TODAY,
    attendance: Iterable[AttendanceEntry] = (),
    **fields: Any,
) -> Activity:
    """A submitted record, written through the services as a secretary would."""
    fields.setdefault("topic", "学习党的二十届四中全会精神")
    activity = record_create(actor=actor, organization=branch, kinds=kinds, held_on=day, **fields)
    entries = list(attendance)
    if entries:
        attendance_set(actor=actor, activity=activity, entries=entries)
    return record_submit(actor=actor, activity=activity, today=today)


@pytest.fixture
def today() -> dt.date:
    return TODAY
