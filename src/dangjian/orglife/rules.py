"""Rules of organizational life as data: what each branch must hold, how often, and why.

The statutory set below is the default everywhere; rule sets are versioned by the date
they take effect, and a period is judged by the rules in force on its first day (a rule
that takes effect in the middle of a quarter applies from the next quarter: nobody can be
held to a frequency for a period already half gone). A county, a township or any other
organization may add a local rule set for its subtree (`models.LocalRuleSet`): a local rule
either adds a requirement or replaces a statutory one (`replaces`), for instance rural
branches holding their 党员大会 in the farm slack months, or a 主题党日 on a fixed day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError

from dangjian.orgs.choices import Sector

from .choices import ActivityKind
from .periods import Period, PeriodKind

SOURCE_BRANCH_RULES = "《中国共产党支部工作条例（试行）》（2018年）"


class Applicability(StrEnum):
    ALL = "all"  # every branch
    COMMITTEE = "committee"  # branches with a branch committee (7 or more full members)
    GROUP = "group"  # each 党小组 of a branch separately

    @property
    def label(self) -> str:
        return {"all": "全部党支部", "committee": "设支部委员会的党支部", "group": "每个党小组"}[self.value]


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str
    period: PeriodKind
    minimum: int
    applies_to: Applicability = Applicability.ALL
    # Empty: every sector. Otherwise only branches of these sectors (e.g. rural).
    sectors: frozenset[str] = frozenset()
    # Empty: every period. Otherwise only the periods that contain one of these months
    # (a 党员大会 "in the farm slack months": period month, months {1, 2, 7, 8}).
    months: frozenset[int] = frozenset()
    # A sitting counts only when held on this day of the month (主题党日 on the 5th).
    day_of_month: int | None = None
    # Only 党课 given by the branch's 书记 in office on the day count.
    secretary_speaker: bool = False
    # The code of a rule this one takes the place of, for the branches it applies to.
    replaces: str = ""
    source: str = ""

    @property
    def kind_label(self) -> str:
        return ActivityKind(self.kind).label

    @property
    def label(self) -> str:
        who = "（书记讲）" if self.secretary_speaker else ""
        text = f"{self.kind_label}{who}{self.period.label}至少{self.minimum}次"
        if self.day_of_month:
            text += f"（每月{self.day_of_month}日）"
        if self.months:
            text += f"（{'、'.join(str(m) for m in sorted(self.months))}月）"
        if self.applies_to == Applicability.GROUP:
            text += "（每个党小组）"
        return text

    @property
    def condition(self) -> Condition:
        return Condition(self.secretary_speaker, self.day_of_month)

    def matches_sector(self, sector: str) -> bool:
        return not self.sectors or sector in self.sectors

    def applies(self, sector: str, has_committee: bool) -> bool:
        if not self.matches_sector(sector):
            return False
        return not (self.applies_to == Applicability.COMMITTEE and not has_committee)

    def requires(self, period: Period) -> bool:
        return not self.months or any(month in self.months for month in period.month_numbers)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind,
            "period": self.period.value,
            "minimum": self.minimum,
            "applies_to": self.applies_to.value,
            "sectors": sorted(self.sectors),
            "months": sorted(self.months),
            "day_of_month": self.day_of_month,
            "secretary_speaker": self.secretary_speaker,
            "replaces": self.replaces,
            "source": self.source,
        }


def rule_from_json(data: Mapping[str, Any]) -> Rule:
    """A rule back from `Rule.to_json`, as the precomputed figures store it (already valid)."""
    return Rule(
        code=data["code"],
        kind=data["kind"],
        period=PeriodKind(data["period"]),
        minimum=data["minimum"],
        applies_to=Applicability(data["applies_to"]),
        sectors=frozenset(data["sectors"]),
        months=frozenset(data["months"]),
        day_of_month=data["day_of_month"],
        secretary_speaker=data["secretary_speaker"],
        replaces=data["replaces"],
        source=data["source"],
    )


@dataclass(frozen=True)
class Condition:
    """What, besides the kind, a sitting must satisfy to count; one filtered count each."""

    secretary_speaker: bool = False
    day_of_month: int | None = None


PLAIN = Condition()


@dataclass(frozen=True)
class RuleSet:
    effective_from: dt.date
    rules: tuple[Rule, ...]
    name: str = ""


# 《中国共产党支部工作条例（试行）》 was issued and took effect on 28 October 2018. Article numbers
# as published (共产党员网 and its reprints): art. 11 党员大会, 12 支部委员会, 13 党小组, 16 三会一课
# with 党课 and 主题党日, 17 组织生活会, 18 民主评议党员, 19 谈心谈话. The 条例 itself asks a yearly
# 党课 of party-committee (党委/党组) secretaries; the quarterly 党课 and the branch secretary's
# yearly one are the common local standard (domain.md), shipped as the default.
STATUTORY_RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        effective_from=dt.date(2018, 10, 28),
        name="支部工作条例（试行）",
        rules=(
            Rule(
                "general_meeting",
                ActivityKind.GENERAL_MEETING,
                PeriodKind.QUARTER,
                1,
                source=f"{SOURCE_BRANCH_RULES}第十一条：党员大会一般每季度召开1次",
            ),
            Rule(
                "committee_meeting",
                ActivityKind.COMMITTEE_MEETING,
                PeriodKind.MONTH,
                1,
                applies_to=Applicability.COMMITTEE,
                source=f"{SOURCE_BRANCH_RULES}第十二条：党支部委员会会议一般每月召开1次；"
                "不设委员会的党支部由书记履行职责，不召开支部委员会",
            ),
            Rule(
                "group_meeting",
                ActivityKind.GROUP_MEETING,
                PeriodKind.MONTH,
                1,
                applies_to=Applicability.GROUP,
                source=f"{SOURCE_BRANCH_RULES}第十三条：党小组会一般每月召开1次",
            ),
            Rule(
                "party_lecture",
                ActivityKind.PARTY_LECTURE,
                PeriodKind.QUARTER,
                1,
                source=f"{SOURCE_BRANCH_RULES}第十六条：党支部应当组织党员按期上党课；各地通行标准为党课每季度至少1次",
            ),
            Rule(
                "party_lecture_secretary",
                ActivityKind.PARTY_LECTURE,
                PeriodKind.YEAR,
                1,
                secretary_speaker=True,
                source=f"{SOURCE_BRANCH_RULES}第十六条：党委（党组）书记每年至少讲1次党课；党支部书记每年至少讲1次为各地通行标准",
            ),
            Rule(
                "theme_day",
                ActivityKind.THEME_DAY,
                PeriodKind.MONTH,
                1,
                source=f"{SOURCE_BRANCH_RULES}第十六条：党支部每月相对固定1天开展主题党日",
            ),
            Rule(
                "life_meeting",
                ActivityKind.LIFE_MEETING,
                PeriodKind.YEAR,
                1,
                source=f"{SOURCE_BRANCH_RULES}第十七条：党支部每年至少召开1次组织生活会",
            ),
            Rule(
                "heart_talk",
                ActivityKind.HEART_TALK,
                PeriodKind.YEAR,
                1,
                source=f"{SOURCE_BRANCH_RULES}第十九条：谈心谈话每年一般不少于1次",
            ),
            Rule(
                "member_review",
                ActivityKind.MEMBER_REVIEW,
                PeriodKind.YEAR,
                1,
                source=f"{SOURCE_BRANCH_RULES}第十八条：党支部一般每年开展1次民主评议党员",
            ),
        ),
    ),
)


def set_in_force(sets: Sequence[RuleSet], day: dt.date) -> RuleSet | None:
    """The latest set whose date is not after `day`; None before the first one."""
    current = None
    for rule_set in sorted(sets, key=lambda s: s.effective_from):
        if rule_set.effective_from <= day:
            current = rule_set
    return current


@dataclass(frozen=True)
class LocalSets:
    """The local rule sets that may reach a subtree, keyed by the path of the organization
    that made them, each organization's versions in date order."""

    by_path: Mapping[str, tuple[RuleSet, ...]] = field(default_factory=dict)

    def in_force(self, branch_path: str, day: dt.date, steplen: int) -> list[RuleSet]:
        """The sets in force on `day` for a branch, from the root down to the branch itself."""
        found = []
        for depth in range(steplen, len(branch_path) + 1, steplen):
            versions = self.by_path.get(branch_path[:depth])
            if versions and (rule_set := set_in_force(versions, day)) is not None:
                found.append(rule_set)
        return found


def resolve_rules(
    *,
    statutory: Sequence[RuleSet],
    local: Iterable[RuleSet],
    day: dt.date,
    sector: str,
    has_committee: bool,
) -> list[Rule]:
    """The rules that bind a branch of `sector` for a period that begins on `day`.

    Local sets come in root-to-branch order, so the organization closest to the branch has
    the last word: a rule replaces the one it names and any earlier rule with its own code."""
    base = set_in_force(statutory, day)
    rules = list(base.rules) if base else []
    for rule_set in local:
        for rule in rule_set.rules:
            if not rule.matches_sector(sector):
                continue
            rules = [r for r in rules if r.code not in {rule.code, rule.replaces}]
            rules.append(rule)
    return [rule for rule in rules if rule.applies(sector, has_committee)]


# --- local rule sets as JSON -------------------------------------------------------------

RULE_FIELDS = {
    "code",
    "kind",
    "period",
    "minimum",
    "applies_to",
    "sectors",
    "months",
    "day_of_month",
    "secretary_speaker",
    "replaces",
    "source",
}
MAX_MINIMUM = 31
# Days 29 to 31 do not exist in every month: a "fixed day" beyond 28 could not be kept.
MAX_FIXED_DAY = 28


def parse_rules(data: Any) -> tuple[Rule, ...]:
    """Local rules from their JSON form, or a ValidationError on `rules` naming each problem."""
    if not isinstance(data, list):
        raise ValidationError({"rules": "规则应为列表"})
    errors: list[str] = []
    parsed: list[Rule] = []
    seen: set[str] = set()
    for number, item in enumerate(data, start=1):
        problems, rule = _parse_rule(item)
        if rule is not None and rule.code in seen:
            problems.append(f"代码“{rule.code}”重复")
        if problems:
            errors.extend(f"第{number}条规则：{problem}" for problem in problems)
        elif rule is not None:
            seen.add(rule.code)
            parsed.append(rule)
    if errors:
        raise ValidationError({"rules": errors})
    return tuple(parsed)


def _parse_rule(item: Any) -> tuple[list[str], Rule | None]:
    if not isinstance(item, dict):
        return ["应为对象（键值对）"], None
    problems = [f"未知字段“{name}”" for name in sorted(set(item) - RULE_FIELDS)]
    code = item.get("code")
    if not isinstance(code, str) or not code.strip():
        problems.append("缺少规则代码 code")
    kind = item.get("kind")
    if kind not in ActivityKind.values:
        problems.append(f"活动类型 kind 应为 {'、'.join(ActivityKind.values)} 之一")
    period = item.get("period")
    if period not in [p.value for p in PeriodKind]:
        problems.append("周期 period 应为 month、quarter、half_year、year 之一")
    minimum = item.get("minimum")
    if isinstance(minimum, bool) or not isinstance(minimum, int) or not 1 <= minimum <= MAX_MINIMUM:
        problems.append(f"最少次数 minimum 应为1至{MAX_MINIMUM}的整数")
    applies_to = item.get("applies_to", Applicability.ALL.value)
    if applies_to not in [a.value for a in Applicability]:
        problems.append("适用范围 applies_to 应为 all、committee、group 之一")
    sectors = item.get("sectors", [])
    if not isinstance(sectors, list) or any(s not in Sector.values for s in sectors):
        problems.append(f"单位属性 sectors 应为列表，取值 {'、'.join(Sector.values)}")
    months = item.get("months", [])
    if not isinstance(months, list) or any(
        isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 12 for m in months
    ):
        problems.append("月份 months 应为1至12的整数列表")
    day = item.get("day_of_month")
    if day is not None and (
        isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= MAX_FIXED_DAY
    ):
        problems.append(f"固定日期 day_of_month 应为1至{MAX_FIXED_DAY}的整数")
    secretary = item.get("secretary_speaker", False)
    if not isinstance(secretary, bool):
        problems.append("secretary_speaker 应为 true 或 false")
    for text_field in ("replaces", "source"):
        if not isinstance(item.get(text_field, ""), str):
            problems.append(f"{text_field} 应为文字")
    if problems:
        return problems, None
    assert (
        isinstance(code, str)
        and isinstance(kind, str)
        and isinstance(period, str)
        and isinstance(minimum, int)
    )
    return [], Rule(
        code=code.strip(),
        kind=kind,
        period=PeriodKind(period),
        minimum=minimum,
        applies_to=Applicability(applies_to),
        sectors=frozenset(sectors),
        months=frozenset(months),
        day_of_month=day,
        secretary_speaker=secretary,
        replaces=item.get("replaces", "").strip(),
        source=item.get("source", "").strip(),
    )
