"""A year of organizational life for the demo county: the twelve months up to `as_of` of every
branch, with attendance, written in bulk after the county's organizations and members.

Branches get a profile so that the dashboards tell a story: most keep every rule, some skip a
sitting here and there (a quarter without 党员大会, a month without 主题党日), a few are weak
(half the months empty, no 组织生活会, the secretary never lectures). Sittings that would fall
after `as_of` are not held yet, so the current month and quarter show items still due.
Everything is drawn from one `Rng` per county seeded like the rest of the county, so the same
seed and `as_of` give the same records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connection, models

from dangjian.members.choices import PartyRole
from dangjian.members.models import Member, MemberRole
from dangjian.orglife.choices import ActivityKind, ActivityStatus, AttendanceStatus
from dangjian.orglife.models import Activity, ActivityKindEntry, Attendance
from dangjian.orglife.periods import month_from_index, month_index
from dangjian.orgs.choices import BRANCH_KINDS, OrgKind, Sector
from dangjian.orgs.models import Organization

if TYPE_CHECKING:
    from .generator import CountyPlan, Rng

GOOD, GAPS, WEAK = "good", "gaps", "weak"
PROFILE_WEIGHTS = [(GOOD, 75), (GAPS, 18), (WEAK, 7)]
# Share of members with a long absence streak (away for work and out of touch): they are
# the absence warnings of the branch pages.
LONG_ABSENT_SHARE = 0.012
LEAVE_REASONS = [
    ("外出务工", 45),
    ("生病住院", 12),
    ("年老体弱，行动不便", 14),
    ("外出学习培训", 6),
    ("家中有事", 12),
    ("农忙", 8),
    ("出差", 6),
]
THEME_DAY_TOPICS = [
    "学习贯彻党的二十届三中全会精神",
    "重温入党誓词，缴纳党费",
    "人居环境整治志愿服务",
    "学习《中国共产党纪律处分条例》",
    "走访慰问困难党员和老党员",
    "森林防火宣传和巡山",
    "铸牢中华民族共同体意识宣讲",
    "乡村振兴产业发展座谈",
    "党史学习：红军长征过云南",
    "学习习近平总书记考察云南重要讲话精神",
    "防汛减灾知识学习",
    "清廉村居建设学习",
    "观看警示教育片",
    "为群众办实事：道路清扫和水沟疏通",
]
LECTURE_TOPICS = [
    "坚定理想信念，践行初心使命",
    "深刻领会“两个确立”的决定性意义",
    "党章是立党治党管党的总章程",
    "以党建引领乡村振兴",
    "严守政治纪律和政治规矩",
    "发扬密切联系群众的优良作风",
    "新时代党员如何发挥先锋模范作用",
    "学习《中国共产党支部工作条例（试行）》",
]
GENERAL_TOPICS = [
    "通报支部季度工作，讨论下季度工作安排",
    "讨论发展党员和预备党员转正",
    "学习上级文件，研究落实措施",
    "审议党费收缴使用情况",
]
COMMITTEE_TOPICS = [
    "研究本月主题党日安排",
    "研究入党积极分子培养考察",
    "研究困难党员帮扶",
    "研究党员教育管理工作",
    "分析党员思想状况",
]
GROUP_TOPICS = [
    "学习近期时事政策",
    "交流近期思想和工作",
    "讨论组内困难群众帮扶",
    "学习党章",
]
PLACES = {
    Sector.RURAL: ["村委会会议室", "村党群服务中心", "村党员活动室"],
    Sector.COMMUNITY: ["社区党群服务中心", "社区会议室"],
}
DEFAULT_PLACES = ["单位会议室", "党员活动室"]
THEME_DAYS = [(5, 50), (10, 15), (15, 15), (20, 10), (25, 10)]


@dataclass
class OrglifePlan:
    activities: list[Activity] = field(default_factory=list)
    # Kinds and attendance are plain rows, not model instances: at county scale there are
    # over a hundred thousand, and building and saving each instance through the ORM took
    # most of the generation time. (activity, kind)
    kinds: list[tuple[Activity, str]] = field(default_factory=list)
    # (activity, member, status, leave reason)
    attendance: list[tuple[Activity, Member, str, str]] = field(default_factory=list)


@dataclass
class BranchLife:
    """What one branch needs to hold its sittings."""

    branch: Organization
    members: list[Member]
    groups: list[Organization]
    committee: list[Member]
    secretary: Member | None
    secretary_since: dt.date | None
    profile: str
    theme_day: int
    long_absent: dict[int, int]  # id(member) -> first month index of the streak


class YearOfLife:
    def __init__(self, plan: CountyPlan, rng: Rng, as_of: dt.date):
        self.plan, self.rng, self.as_of = plan, rng, as_of
        self.out = OrglifePlan()
        self.last_month = month_index(as_of)
        self.first_month = self.last_month - 11

    def build(self) -> OrglifePlan:
        members_by_branch: dict[int, list[Member]] = {}
        for member in self.plan.members:
            members_by_branch.setdefault(id(member.organization), []).append(member)
        posts: dict[int, list[MemberRole]] = {}
        for post in self.plan.roles:
            posts.setdefault(id(post.organization), []).append(post)
        groups: dict[str, list[Organization]] = {}
        for organization in self.plan.organizations:
            if organization.kind == OrgKind.GROUP:
                groups.setdefault(organization.path[: -Organization.steplen], []).append(organization)
        for branch in self.plan.organizations:
            if branch.kind not in BRANCH_KINDS:
                continue
            members = members_by_branch.get(id(branch), [])
            if not members:
                continue
            branch_posts = posts.get(id(branch), [])
            secretary_post = next((p for p in branch_posts if p.role == PartyRole.SECRETARY), None)
            life = BranchLife(
                branch=branch,
                members=members,
                groups=groups.get(branch.path, []),
                committee=[p.member for p in branch_posts],
                secretary=secretary_post.member if secretary_post else None,
                secretary_since=secretary_post.started_on if secretary_post else None,
                profile=self.rng.weighted(PROFILE_WEIGHTS),
                theme_day=int(self.rng.weighted([(str(d), w) for d, w in THEME_DAYS])),
                long_absent={},
            )
            holders = {id(m) for m in life.committee}
            for member in members:
                if id(member) not in holders and self.rng.random() < LONG_ABSENT_SHARE:
                    life.long_absent[id(member)] = self.last_month - self.rng.randint(3, 7)
            self.branch_year(life)
        return self.out

    # -- one branch ------------------------------------------------------------------------

    def held(self, profile: str, *, gaps: float, weak: float, good: float = 0.998) -> bool:
        return self.rng.random() < {GOOD: good, GAPS: gaps, WEAK: weak}[profile]

    def day_in(self, month: int, preferred: int | None = None) -> dt.date:
        year, number = month_from_index(month)
        if preferred:
            return dt.date(year, number, preferred)
        return dt.date(year, number, self.rng.randint(1, 28))

    def branch_year(self, life: BranchLife) -> None:
        rng, profile = self.rng, life.profile
        # Per quarter: the month of the 党员大会 and of the 党课 (often the same 主题党日).
        quarter_months: dict[tuple[int, int], tuple[int, int]] = {}
        for month in range(self.first_month, self.last_month + 1):
            year, number = month_from_index(month)
            key = (year, (number - 1) // 3)
            if key not in quarter_months:
                first = year * 12 + key[1] * 3
                quarter_months[key] = (first + rng.randrange(3), first + rng.randrange(3))
        # The secretary's own lecture: one of the year's lectures (weak branches skip it).
        secretary_lectures = profile != WEAK and rng.random() < 0.95
        secretary_lecture_years: set[int] = set()
        # 组织生活会 and 民主评议 of the past year sit early in the new one, 谈心谈话 before them.
        years = range(month_from_index(self.first_month)[0], month_from_index(self.last_month)[0] + 1)
        yearly_month = {year: year * 12 + rng.choice([0, 1, 1, 2]) for year in years}
        for month in range(self.first_month, self.last_month + 1):
            year, number = month_from_index(month)
            general_month, lecture_month = quarter_months[(year, (number - 1) // 3)]
            kinds = [ActivityKind.THEME_DAY]
            if month == general_month and self.held(profile, gaps=0.8, weak=0.5):
                kinds.append(ActivityKind.GENERAL_MEETING)
            if month == lecture_month and self.held(profile, gaps=0.85, weak=0.4):
                kinds.append(ActivityKind.PARTY_LECTURE)
            theme_held = self.held(profile, gaps=0.93, weak=0.5)
            if not theme_held:
                kinds.remove(ActivityKind.THEME_DAY)
            if kinds:
                # 三日合一: the 党员大会 and the 党课 of the month sit on the 主题党日.
                day = self.day_in(month, life.theme_day if theme_held else None)
                speaker = None
                if ActivityKind.PARTY_LECTURE in kinds:
                    by_secretary = (
                        secretary_lectures
                        and year not in secretary_lecture_years
                        and day <= self.as_of
                        and (number >= 10 or rng.random() < 0.6)
                    )
                    speaker = life.secretary if by_secretary else None
                    if by_secretary:
                        secretary_lecture_years.add(year)
                self.sitting(life, day, kinds, life.members, speaker=speaker)
            if life.branch.has_committee and self.held(profile, gaps=0.93, weak=0.4):
                self.sitting(life, self.day_in(month), [ActivityKind.COMMITTEE_MEETING], life.committee)
            for group in life.groups:
                if self.held(profile, gaps=0.95, weak=0.35):
                    in_group = [m for m in life.members if m.group is group]
                    self.sitting(
                        life, self.day_in(month), [ActivityKind.GROUP_MEETING], in_group, group=group
                    )
            if month == yearly_month[year] and self.held(profile, gaps=0.8, weak=0.2):
                self.sitting(
                    life,
                    self.day_in(month),
                    [ActivityKind.LIFE_MEETING, ActivityKind.MEMBER_REVIEW],
                    life.members,
                    topic=f"{year - 1}年度组织生活会和民主评议党员",
                )
            if month == yearly_month[year] and self.held(profile, gaps=0.85, weak=0.3):
                talker = life.secretary
                self.sitting(
                    life,
                    self.day_in(month),
                    [ActivityKind.HEART_TALK],
                    [],
                    topic="支部书记与党员谈心谈话",
                    host=talker.name if talker else "",
                )

    def sitting(
        self,
        life: BranchLife,
        day: dt.date,
        kinds: list[str],
        invited: list[Member],
        *,
        group: Organization | None = None,
        speaker: Member | None = None,
        topic: str = "",
        host: str = "",
    ) -> None:
        if day > self.as_of:
            return  # not held yet: the branch still owes it
        rng, branch = self.rng, life.branch
        if not topic:
            if ActivityKind.PARTY_LECTURE in kinds:
                topic = rng.choice(LECTURE_TOPICS)
            elif ActivityKind.THEME_DAY in kinds:
                topic = rng.choice(THEME_DAY_TOPICS)
            elif ActivityKind.GENERAL_MEETING in kinds:
                topic = rng.choice(GENERAL_TOPICS)
            elif ActivityKind.COMMITTEE_MEETING in kinds:
                topic = rng.choice(COMMITTEE_TOPICS)
            else:
                topic = rng.choice(GROUP_TOPICS)
        lecturer = ""
        if ActivityKind.PARTY_LECTURE in kinds:
            lecturer = (
                speaker.name if speaker else rng.choice(["乡镇党委联系领导", "驻村第一书记", "县委党校教师"])
            )
        place = rng.choice(PLACES.get(branch.sector, DEFAULT_PLACES))
        activity = Activity(
            organization=branch,
            group=group,
            held_on=day,
            start_time=dt.time(rng.choice([9, 14, 15, 19]), rng.choice([0, 30])),
            place=place,
            host=host or (life.secretary.name if life.secretary else ""),
            speaker_member=speaker,
            speaker_name=lecturer,
            secretary_spoke=bool(
                speaker is not None and life.secretary_since is not None and life.secretary_since <= day
            ),
            topic=topic,
            minutes=f"<p>{topic}。与会党员结合实际进行了讨论。</p>",
            status=ActivityStatus.SUBMITTED,
            submitted_at=dt.datetime.combine(day, dt.time(21, 0), tzinfo=dt.UTC),
            created_at=dt.datetime.combine(day, dt.time(20, 0), tzinfo=dt.UTC),
        )
        self.out.activities.append(activity)
        self.out.kinds.extend((activity, kind) for kind in kinds)
        month = month_index(day)
        for member in invited:
            if member.joined_on > day:
                continue
            streak_from = life.long_absent.get(id(member))
            reason = ""
            if streak_from is not None and month >= streak_from:
                status = AttendanceStatus.ABSENT
            else:
                roll = rng.random()
                if roll < 0.86:
                    status = AttendanceStatus.PRESENT
                elif roll < 0.97:
                    status, reason = AttendanceStatus.LEAVE, rng.weighted(LEAVE_REASONS)
                else:
                    status = AttendanceStatus.ABSENT
            self.out.attendance.append((activity, member, status, reason))


def plan_year_of_life(plan: CountyPlan, rng: Rng, as_of: dt.date) -> OrglifePlan:
    """The county's year of organizational life. `rng` is its own random stream, so that the
    rest of the county does not change when this part does."""
    return YearOfLife(plan, rng, as_of).build()


def write_year_of_life(life: OrglifePlan, batch_size: int) -> None:
    Activity.objects.bulk_create(life.activities, batch_size=batch_size)
    _insert_rows(
        ActivityKindEntry, ("activity_id", "kind"), [(a.pk, kind) for a, kind in life.kinds], batch_size
    )
    _insert_rows(
        Attendance,
        ("activity_id", "member_id", "status", "leave_reason"),
        [(activity.pk, member.pk, status, reason) for activity, member, status, reason in life.attendance],
        batch_size,
    )


def _insert_rows(
    model: type[models.Model], columns: tuple[str, ...], rows: list[tuple], batch_size: int
) -> None:
    quote = connection.ops.quote_name
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(statement, rows[start : start + batch_size])
