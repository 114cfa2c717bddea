"""Reads of organizational life: records within the user's reach, attendance rates, and the
members who have been missing from organizational life for months in a row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from dangjian.core.restrict import require
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member, MemberEvent
from dangjian.orgs.models import Organization

from .choices import AttendanceStatus
from .membership import ENTRY_KINDS
from .models import Activity, Attendance
from .periods import Period, month_from_index, month_index

# 党章 art. 9: six months in a row without organizational life counts as leaving the party.
# The platform warns at half of that, while there is still time to talk with the member.
ABSENCE_WARNING_MONTHS = 3
ABSENCE_LIMIT_MONTHS = 6
# How far back absences are traced; a longer streak is reported as "at least" this.
ABSENCE_LOOKBACK_MONTHS = 12


def activities_for(user: Any, action: str = "view") -> QuerySet[Activity]:
    return Activity.objects.restrict(user, action).select_related("organization", "group")


def _rate(present: int, total: int) -> float | None:
    return round(present / total, 4) if total else None


def meeting_attendance(branch: Organization, window: Period, *, user: Any = None) -> list[dict[str, Any]]:
    """Present, on leave and absent per current record of the window, with the rate
    present ÷ recorded (a record without attendance has no rate)."""
    if user is not None:
        require(user, "view", branch)
    rows = (
        Activity.objects.current()
        .filter(organization=branch, held_on__gte=window.start, held_on__lte=window.end)
        .annotate(
            present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
            leave=Count("attendance", filter=Q(attendance__status=AttendanceStatus.LEAVE)),
            absent=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT)),
        )
        .order_by("held_on", "id")
        .values("id", "held_on", "topic", "present", "leave", "absent")
    )
    return [
        row
        | {
            "held_on": row["held_on"].isoformat(),
            "rate": _rate(row["present"], row["present"] + row["leave"] + row["absent"]),
        }
        for row in rows
    ]


def member_attendance(branch: Organization, window: Period, *, user: Any = None) -> list[dict[str, Any]]:
    """Per member of the branch: recorded sittings of the window and how they attended."""
    if user is not None:
        require(user, "view", branch)
    rows = (
        Attendance.objects.filter(
            activity__organization=branch,
            activity__is_current=True,
            activity__status="submitted",
            activity__held_on__gte=window.start,
            activity__held_on__lte=window.end,
        )
        .values("member_id", "member__name")
        .annotate(
            recorded=Count("id"),
            present=Count("id", filter=Q(status=AttendanceStatus.PRESENT)),
            leave=Count("id", filter=Q(status=AttendanceStatus.LEAVE)),
            absent=Count("id", filter=Q(status=AttendanceStatus.ABSENT)),
        )
        .order_by("member__name", "member_id")
    )
    return [
        {
            "member": row["member_id"],
            "name": row["member__name"],
            "recorded": row["recorded"],
            "present": row["present"],
            "leave": row["leave"],
            "absent": row["absent"],
            "rate": _rate(row["present"], row["recorded"]),
        }
        for row in rows
    ]


@dataclass(frozen=True)
class AbsenceWarning:
    member_id: int
    name: str
    months: int  # consecutive months without organizational life, up to the reference month
    since: str  # the first month of the streak, "2026年4月"
    last_attended: dt.date | None
    critical: bool  # the six-month line of 党章 art. 9 is reached

    def text(self) -> str:
        line = "，已达党章第九条规定的6个月" if self.critical else ""
        return f"{self.name}自{self.since}起连续{self.months}个月未参加组织生活{line}"


def absence_warnings(
    branch: Organization, today: dt.date, *, up_to: dt.date | None = None, user: Any = None
) -> list[AbsenceWarning]:
    """Members on the roster who took part in nothing for 3 or more whole months in a row.

    A month counts as taken part in when the member was present at, or excused from (leave
    with a reason: 党章 speaks of absence "without good reason"), a current submitted record
    of the branch. The streak ends with the last complete month before `today` (or the month
    of `up_to`, if earlier) and starts no earlier than the first whole month the member
    belonged to the branch."""
    if user is not None:
        require(user, "view", branch)
    last_complete = month_index(today) - 1
    reference = min(last_complete, month_index(up_to)) if up_to else last_complete
    earliest = reference - ABSENCE_LOOKBACK_MONTHS + 1
    start_year, start_month = month_from_index(earliest)
    end_year, end_month = month_from_index(reference + 1)
    members = list(
        Member.objects.filter(organization=branch, status=MemberStatus.ACTIVE)
        .order_by("name", "id")
        .values("id", "name")
    )
    took_part: dict[int, set[int]] = {}
    last_attended: dict[int, dt.date] = {}
    for member_id, held_on in Attendance.objects.filter(
        activity__organization=branch,
        activity__is_current=True,
        activity__status="submitted",
        activity__held_on__gte=dt.date(start_year, start_month, 1),
        activity__held_on__lt=dt.date(end_year, end_month, 1),
        status__in=[AttendanceStatus.PRESENT, AttendanceStatus.LEAVE],
    ).values_list("member_id", "activity__held_on"):
        took_part.setdefault(member_id, set()).add(month_index(held_on))
    for row in (
        Attendance.objects.filter(
            activity__organization=branch,
            activity__is_current=True,
            activity__status="submitted",
            status=AttendanceStatus.PRESENT,
        )
        .values("member_id")
        .annotate(last=Max("activity__held_on"))
    ):
        last_attended[row["member_id"]] = row["last"]
    joined: dict[int, dt.date] = {
        row["member_id"]: row["since"]
        for row in MemberEvent.objects.filter(organization=branch, kind__in=ENTRY_KINDS)
        .values("member_id")
        .annotate(since=Max("occurred_on"))
    }
    warnings = []
    for member in members:
        since = joined.get(member["id"])
        # The first whole month on the roster: joining on the 1st counts that month.
        first_month = (
            month_index(since) + (0 if since is None or since.day == 1 else 1) if since else earliest
        )
        months_attended = took_part.get(member["id"], set())
        streak = 0
        month = reference
        while month >= max(first_month, earliest) and month not in months_attended:
            streak += 1
            month -= 1
        if streak >= ABSENCE_WARNING_MONTHS:
            year, number = month_from_index(reference - streak + 1)
            warnings.append(
                AbsenceWarning(
                    member_id=member["id"],
                    name=member["name"],
                    months=streak,
                    since=f"{year}年{number}月",
                    last_attended=last_attended.get(member["id"]),
                    critical=streak >= ABSENCE_LIMIT_MONTHS,
                )
            )
    return warnings
