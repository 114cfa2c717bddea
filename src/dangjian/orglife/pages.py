"""Reads behind the organizational-life pages and the API: a branch's month of records, one
record with its attendance, attachments and versions, the roster of a branch on a day, the
minute book of a year, and the compliance figures month by month for the dashboard charts.

Every read starts from `restrict(user, action)`; something out of reach is a 404. Lists cost
a fixed number of queries whatever their length (kinds and attendance are prefetched)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from dangjian.core.restrict import restrict
from dangjian.members.models import Member, MemberEvent
from dangjian.orgs.choices import BRANCH_KINDS, OrgKind, OrgStatus
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import organization_get

from .choices import ActivityStatus, AttendanceStatus
from .compliance import AUTO, LIVE, MET, BranchCompliance, subtree_compliance
from .membership import branch_on
from .models import Activity, Attachment, Attendance
from .periods import Period, PeriodKind

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
# The heat map shows the direct sub-organizations, or this many branches of a branch-level list.
HEATMAP_ROWS = 40


def branch_get(user: Any, code: str, action: str = "view") -> Organization:
    """A branch within the user's reach for `action`; anything else (a committee, a group, a
    branch out of reach) is a 404, because records are kept by branches only."""
    organization = organization_get(user, code, action)
    if organization.kind not in BRANCH_KINDS:
        raise Http404("组织生活记录只在党支部记录")
    return organization


def records_for(user: Any, action: str = "view") -> QuerySet[Activity]:
    """Records within reach, with what a list shows, in a fixed number of queries."""
    return (
        Activity.objects.restrict(user, action)
        .select_related("organization", "group")
        .prefetch_related("kind_entries")
        .annotate(
            present_count=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
            leave_count=Count("attendance", filter=Q(attendance__status=AttendanceStatus.LEAVE)),
            absent_count=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT)),
        )
        .order_by("-held_on", "-id")
    )


def record_get(user: Any, pk: int, action: str = "view") -> Activity:
    activity = (
        Activity.objects.restrict(user, action)
        .select_related("organization", "group", "speaker_member", "created_by", "submitted_by")
        .prefetch_related(
            "kind_entries",
            "attachments",
            Prefetch(
                "attendance",
                queryset=Attendance.objects.select_related("member").order_by(
                    "member__name_pinyin", "member_id"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if activity is None:
        raise Http404("组织生活记录不存在或不在授权范围内")
    return activity


def attachment_get(user: Any, pk: int) -> Attachment:
    attachment = restrict(user, "view", Attachment).select_related("activity").filter(pk=pk).first()
    if attachment is None:
        raise Http404("附件不存在或不在授权范围内")
    return attachment


def versions_of(activity: Activity) -> list[Activity]:
    """Every version of the sitting, oldest first: the chain runs through `previous`."""
    older: list[Activity] = []
    current = activity
    while current.previous_id:
        current = Activity.objects.select_related("submitted_by").get(pk=current.previous_id)
        older.append(current)
    newer: list[Activity] = []
    current = activity
    while True:
        following = Activity.objects.select_related("submitted_by").filter(previous=current).first()
        if following is None:
            break
        newer.append(following)
        current = following
    return [*reversed(older), activity, *newer]


def month_records(branch: Organization, year: int, month: int, user: Any) -> list[Activity]:
    """The branch's records of a month that are not replaced by a correction, drafts included."""
    last = calendar.monthrange(year, month)[1]
    return list(
        records_for(user).filter(
            organization=branch,
            is_current=True,
            held_on__gte=dt.date(year, month, 1),
            held_on__lte=dt.date(year, month, last),
        )
    )


@dataclass
class CalendarDay:
    day: dt.date
    in_month: bool
    records: list[Activity]


def calendar_weeks(year: int, month: int, records: list[Activity]) -> list[list[CalendarDay]]:
    by_day: dict[dt.date, list[Activity]] = {}
    for record in sorted(records, key=lambda r: (r.held_on, r.start_time or dt.time(0), r.pk)):
        by_day.setdefault(record.held_on, []).append(record)
    return [
        [CalendarDay(day, day.month == month, by_day.get(day, [])) for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]


def roster_on(branch: Organization, day: dt.date) -> list[Member]:
    """The members of the branch at the end of `day`, as `membership.branch_on` places them:
    today's roster and everyone who ever entered the branch, then placed by their history."""
    entered = MemberEvent.objects.filter(organization=branch).values("member_id")
    candidates = list(
        Member.objects.filter(Q(organization=branch) | Q(pk__in=entered))
        .select_related("group")
        .order_by("name_pinyin", "id")
    )
    placed = branch_on(candidates, day)
    return [member for member in candidates if placed.get(member.pk) == branch.pk]


def branch_groups(branch: Organization) -> list[Organization]:
    return list(
        Organization.objects.filter(
            path__startswith=branch.path, depth=branch.depth + 1, kind=OrgKind.GROUP, status=OrgStatus.ACTIVE
        ).order_by("path")
    )


def minute_book(branch: Organization, year: int, user: Any) -> list[Activity]:
    """The submitted current records of a branch's year, oldest first, with attendance."""
    return list(
        records_for(user)
        .filter(
            organization=branch,
            is_current=True,
            status=ActivityStatus.SUBMITTED,
            held_on__gte=dt.date(year, 1, 1),
            held_on__lte=dt.date(year, 12, 31),
        )
        .prefetch_related(
            Prefetch(
                "attendance",
                queryset=Attendance.objects.select_related("member").order_by(
                    "member__name_pinyin", "member_id"
                ),
            )
        )
        .order_by("held_on", "start_time", "id")
    )


# --- compliance month by month ----------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def monthly_figures(
    organization: Organization, year: int, today: dt.date, source: str = LIVE
) -> dict[str, Any]:
    """For the charts: each month of the year up to today's, the share of the subtree's
    branches that met every rule of the periods containing that month, and the same share for
    each direct sub-organization (a branch row is 0 or 1). Same five queries as the report.

    A month's status is judged like a report for that month: a quarterly rule in its first
    month is "due" until it is held, so the line rises through each quarter."""
    if source != LIVE and organization.kind not in BRANCH_KINDS:
        stored = _stored_monthly_figures(organization, year, today, auto=source == AUTO)
        if stored is not None:
            return stored
    figures = subtree_compliance(
        organization=organization, window=Period(year, PeriodKind.YEAR, 1), today=today, source=source
    )
    last_month = 12 if year < today.year else (0 if year > today.year else today.month)
    months = list(range(1, last_month + 1))
    prefix_length = len(organization.path) + Organization.steplen
    if organization.kind in BRANCH_KINDS:
        rows = [(organization.code, organization.name, organization.path)]
    else:
        rows = [
            (child.code, child.name, child.path)
            for child in figures.children
            if child.kind != OrgKind.GROUP and child.status == OrgStatus.ACTIVE
        ][:HEATMAP_ROWS]
    totals: list[float | None] = []
    cells: list[list[float | None]] = [[] for _ in rows]
    row_index = {path: index for index, (_, _, path) in enumerate(rows)}
    for month in months:
        window = Period(year, PeriodKind.MONTH, month)
        met = 0
        per_row = [[0, 0] for _ in rows]
        for branch in figures.branches:
            judged: BranchCompliance = figures.judge(branch, window)
            is_met = judged.status == MET
            met += is_met
            key = (
                organization.path if organization.kind in BRANCH_KINDS else branch.branch.path[:prefix_length]
            )
            index = row_index.get(key)
            if index is not None:
                per_row[index][0] += 1
                per_row[index][1] += is_met
        totals.append(_share(met, len(figures.branches)))
        for index, (count, met_count) in enumerate(per_row):
            cells[index].append(_share(met_count, count))
    return {
        "months": [f"{month}月" for month in months],
        "share": totals,
        "rows": [{"code": code, "name": name} for code, name, _ in rows],
        "heat": [
            [month_index, row, value]
            for row, values in enumerate(cells)
            for month_index, value in enumerate(values)
            if value is not None
        ],
    }


def _months_shown(year: int, today: dt.date) -> list[int]:
    last_month = 12 if year < today.year else (0 if year > today.year else today.month)
    return list(range(1, last_month + 1))


def _met_share(figures: Any, month: int) -> float | None:
    """The share of branches that met every rule of the month, from a stored rollup: "met" does
    not depend on the day of reading, so it is read straight off the histogram."""
    window = (figures or {}).get("w", {}).get(f"m{month}")
    if not window:
        return None
    return _share(window["t"].get("0", 0), sum(window["t"].values()))


def _stored_monthly_figures(
    organization: Organization, year: int, today: dt.date, *, auto: bool
) -> dict[str, Any] | None:
    """`monthly_figures` from the stored rollups of the committee and of its children: two
    queries, and work proportional to the children shown, not to the branches below."""
    from .rollups import load_rollups

    months = _months_shown(year, today)
    stored = load_rollups(organization, year, [f"w__m{month}__t" for month in months], auto=auto)
    if stored is None:
        return None
    rows = [
        (child, figures)
        for child, figures in stored.children
        if child.kind != OrgKind.GROUP and child.status == OrgStatus.ACTIVE
    ][:HEATMAP_ROWS]
    return {
        "months": [f"{month}月" for month in months],
        "share": [_met_share(stored.root, month) for month in months],
        "rows": [{"code": child.code, "name": child.name} for child, _ in rows],
        "heat": [
            [month_index, row, value]
            for row, (_, figures) in enumerate(rows)
            for month_index, month in enumerate(months)
            if (value := _met_share(figures, month)) is not None
        ],
    }
