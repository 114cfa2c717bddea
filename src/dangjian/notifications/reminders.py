"""The daily reminders: what each organization must still do, gathered over the whole tree
from the rules of each area, then addressed to the people who can act on them.

Every source reads the whole tree in a constant number of queries (per tree root), so the
run costs the same for ten branches or ten thousand: organizational life through the
compliance engine, recruitment deadlines, dues arrears and committee terms. Recipients are
the users holding `change`: a grant on a branch (a secretary) receives that branch's items,
a grant on a committee (an organization-department administrator) one summary of its
subtree, because a township administrator cannot act on a hundred separate messages a day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.urls import reverse

from dangjian.access.models import Grant
from dangjian.access.roles import BRANCH_ONLY_ROLES, roles_allowing
from dangjian.core.restrict import minimal_prefixes
from dangjian.dues.selectors import dues_arrears, members_without_base
from dangjian.orglife.compliance import judge_branch, subtree_compliance
from dangjian.orglife.periods import Period, PeriodKind
from dangjian.orgs.choices import BRANCH_KINDS
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import TERM_WARNING_DAYS
from dangjian.recruitment.selectors import candidate_rows
from dangjian.terms.selectors import term_calendar

from .choices import NotificationKind
from .services import Draft, SendResult, notifications_send

# Recruitment steps are announced this many days before their deadline.
RECRUITMENT_LOOKAHEAD_DAYS = 14
# A reminder names this many members without a dues base, then says how many more.
BASE_NAMES_SHOWN = 5
STEP = Organization.steplen


class _SystemReader:
    """The job itself as a reader of the selectors: it sees the whole tree, as the operator's
    CLI does (core.restrict treats a superuser's reach as everything). It never writes."""

    is_authenticated = True
    is_active = True
    is_superuser = True


SYSTEM = _SystemReader()


@dataclass(frozen=True)
class Reminder:
    kind: str
    organization_id: int
    path: str
    organization_name: str
    text: str
    link: str = ""


@dataclass
class OrgRef:
    id: int
    path: str
    name: str
    code: str


def _orgs_by_id(ids: Iterable[int]) -> dict[int, OrgRef]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {
        row["id"]: OrgRef(row["id"], row["path"], row["name"], row["code"])
        for row in Organization.objects.filter(id__in=wanted).values("id", "path", "name", "code")
    }


# --- sources ------------------------------------------------------------------------------


def orglife_reminders(today: dt.date) -> list[Reminder]:
    """For each active branch: what it must still hold in the periods running today, and what
    it failed to hold in the periods that ended with last month (a quarter, half-year or
    year only in the month after it ends). Five queries per tree root, ten in January."""
    last_month_day = today.replace(day=1) - dt.timedelta(days=1)
    found: list[Reminder] = []
    for root in Organization.objects.get_root_nodes():
        current = subtree_compliance(
            organization=root, window=Period(today.year, PeriodKind.MONTH, today.month), today=today
        )
        if last_month_day.year == today.year:
            previous = {
                b.branch.id: judge_branch(
                    b.branch,
                    b.groups,
                    current.counts,
                    Period(today.year, PeriodKind.MONTH, last_month_day.month),
                    today,
                    current.resolve,  # type: ignore[arg-type]
                )
                for b in current.branches
            }
        else:
            last_year = subtree_compliance(
                organization=root, window=Period(last_month_day.year, PeriodKind.MONTH, 12), today=today
            )
            previous = {b.branch.id: b for b in last_year.branches}
        for branch in current.branches:
            unit = branch.branch
            overdue = previous[unit.id].missing if unit.id in previous else []
            items = [f"逾期：{text}" for text in overdue] + list(branch.outstanding)
            if items:
                found.append(
                    Reminder(
                        NotificationKind.ORGLIFE,
                        unit.id,
                        unit.path,
                        unit.name,
                        "组织生活：" + "；".join(items),
                        reverse("orglife:calendar", args=[unit.code]),
                    )
                )
    return found


def recruitment_reminders(today: dt.date) -> list[Reminder]:
    """Next steps due within two weeks or already late, one reminder per branch. Two queries
    for the candidates and their steps, one for their organizations."""
    horizon = today + dt.timedelta(days=RECRUITMENT_LOOKAHEAD_DAYS)
    lines: dict[int, list[str]] = defaultdict(list)
    for row in candidate_rows(user=SYSTEM, today=today):
        for step in row.next:
            if step.deadline is None or step.deadline > horizon:
                continue
            late = (today - step.deadline).days
            when = f"已逾期{late}天" if late > 0 else f"{step.deadline:%Y-%m-%d}前"
            lines[row.candidate.organization_id].append(f"{row.candidate.name} {step.step.label}（{when}）")
    orgs = _orgs_by_id(lines)
    return [
        Reminder(
            NotificationKind.RECRUITMENT,
            org.id,
            org.path,
            org.name,
            "发展党员：" + "；".join(lines[org.id]),
            reverse("recruitment:list", args=[org.code]),
        )
        for org in orgs.values()
    ]


def dues_reminders(today: dt.date) -> list[Reminder]:
    """Per branch, one reminder: members three or more months in arrears, and members with no
    dues base for this year (the base is set once a year). Three queries."""
    lines: dict[int, list[str]] = defaultdict(list)
    for arrears in dues_arrears(user=SYSTEM, today=today):
        if arrears.warning:
            lines[arrears.organization_id].append(
                f"{arrears.name} 连续{arrears.months_unpaid}个月未交（欠{arrears.owed:.2f}元）"
            )
    in_arrears = set(lines)
    for organization_id, names in members_without_base(user=SYSTEM, year=today.year).items():
        shown = "、".join(names[:BASE_NAMES_SHOWN]) + ("等" if len(names) > BASE_NAMES_SHOWN else "")
        lines[organization_id].append(f"{len(names)}名党员尚未核定{today.year}年党费基数（{shown}）")
    orgs = _orgs_by_id(lines)
    return [
        Reminder(
            NotificationKind.DUES,
            org.id,
            org.path,
            org.name,
            "党费：" + "；".join(lines[org.id]),
            reverse("dues:arrears", args=[org.code])
            if org.id in in_arrears
            else reverse("dues:profiles", args=[org.code]),
        )
        for org in orgs.values()
    ]


def term_reminders(today: dt.date) -> list[Reminder]:
    """Organizations whose election is due within 90 days or overdue, approved postponements
    applied (terms.selectors). Three queries per tree root."""
    found = []
    for root in Organization.objects.get_root_nodes():
        calendar = term_calendar(user=SYSTEM, organization=root, today=today)
        for row in [*calendar.overdue, *calendar.due_soon]:
            if row.days_left > TERM_WARNING_DAYS:
                continue
            organization = row.organization
            postponed = f"（经批准延期至{row.due_on:%Y-%m-%d}）" if row.postponement else ""
            text = (
                f"任期已于{row.term_ends_on:%Y-%m-%d}届满{postponed}，应换届，已逾期{-row.days_left}天"
                if row.overdue
                else f"任期{row.term_ends_on:%Y-%m-%d}届满{postponed}，还有{row.days_left}天，请做好换届准备"
            )
            found.append(
                Reminder(
                    NotificationKind.TERM,
                    organization.pk,
                    organization.path,
                    organization.name,
                    f"换届：{text}",
                    reverse("terms:org", args=[organization.code]),
                )
            )
    return found


def collect_reminders(today: dt.date) -> list[Reminder]:
    return [
        *orglife_reminders(today),
        *recruitment_reminders(today),
        *dues_reminders(today),
        *term_reminders(today),
    ]


# --- recipients ---------------------------------------------------------------------------


@dataclass
class Summary:
    organization: OrgRef
    organizations: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def add(self, reminder: Reminder) -> None:
        self.organizations[reminder.kind].add(reminder.organization_id)

    def text(self, today: dt.date) -> str:
        parts = [
            f"{label} {len(self.organizations[kind])}个党组织"
            for kind, label in NotificationKind.choices
            if self.organizations.get(kind)
        ]
        return f"{today:%Y-%m-%d} {self.organization.name}（含下级）待办提醒：" + "；".join(parts)


def address(reminders: list[Reminder], today: dt.date) -> list[Draft]:
    """The notifications for the day: one query for the grants, then pure Python. A reminder
    reaches a grant when its organization lies in the grant's subtree, found by walking the
    reminder's ancestors' paths, so the cost grows with reminders × depth, not × grants."""
    detail_grants: dict[str, set[int]] = defaultdict(set)
    summary_paths_by_user: dict[int, list[str]] = defaultdict(list)
    summary_orgs: dict[str, OrgRef] = {}
    for row in Grant.objects.filter(role__in=roles_allowing("change"), user__is_active=True).values(
        "user_id",
        "role",
        "organization_id",
        "organization__path",
        "organization__name",
        "organization__code",
        "organization__kind",
    ):
        path = row["organization__path"]
        if row["role"] in BRANCH_ONLY_ROLES or row["organization__kind"] in BRANCH_KINDS:
            detail_grants[path].add(row["user_id"])
        else:
            summary_paths_by_user[row["user_id"]].append(path)
            summary_orgs[path] = OrgRef(
                row["organization_id"], path, row["organization__name"], row["organization__code"]
            )
    # One summary per scope root: a grant under another of the same user's adds nothing.
    summary_users: dict[str, set[int]] = defaultdict(set)
    for user_id, paths in summary_paths_by_user.items():
        for path in minimal_prefixes(paths):
            summary_users[path].add(user_id)

    drafts: list[Draft] = []
    summaries: dict[str, Summary] = {}
    day = today.isoformat()
    for reminder in reminders:
        ancestors = [reminder.path[:length] for length in range(STEP, len(reminder.path) + 1, STEP)]
        for path in ancestors:
            for user_id in detail_grants.get(path, ()):
                drafts.append(
                    Draft(
                        user_id=user_id,
                        kind=reminder.kind,
                        text=f"{reminder.organization_name} {reminder.text}",
                        dedup_key=f"{day}:{reminder.kind}:{reminder.organization_id}",
                        organization_id=reminder.organization_id,
                        link=reminder.link,
                    )
                )
            if path in summary_users:
                summaries.setdefault(path, Summary(summary_orgs[path])).add(reminder)
    for path, summary in summaries.items():
        for user_id in summary_users[path]:
            drafts.append(
                Draft(
                    user_id=user_id,
                    kind=NotificationKind.SUMMARY,
                    text=summary.text(today),
                    dedup_key=f"{day}:summary:{summary.organization.id}",
                    organization_id=summary.organization.id,
                    link=reverse("orgs:detail", args=[summary.organization.code]),
                )
            )
    return drafts


@dataclass(frozen=True)
class RunReport:
    today: dt.date
    reminders: list[Reminder]
    result: SendResult

    def counts_by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for reminder in self.reminders:
            counts[reminder.kind] += 1
        return counts


def reminders_run(*, today: dt.date) -> RunReport:
    """The daily job: collect, address, send. Running it twice on one day sends nothing new."""
    reminders = collect_reminders(today)
    result = notifications_send(drafts=address(reminders, today))
    return RunReport(today, reminders, result)
