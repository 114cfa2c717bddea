"""Rules of organization setting and terms, as data with their sources, and the warnings
they give for one organization's figures. Pure functions: no queries here."""

import datetime as dt
from dataclasses import dataclass

from .choices import BRANCH_KINDS, OrgKind

SOURCE_BRANCH_RULES = "《中国共产党支部工作条例（试行）》（2018年）第二章 组织设置"
SOURCE_COMMITTEE_RULES = "《中国共产党支部工作条例（试行）》（2018年）党支部委员会的设置"
SOURCE_TERMS = "《中国共产党基层组织选举工作条例》（2020年）；《中国共产党支部工作条例（试行）》"
# 选举条例第三条: the superior may approve postponing an election. The same text as
# terms.rules.SOURCE_POSTPONE, repeated because terms depends on orgs, not the other way
# (a test keeps the two equal).
SOURCE_POSTPONE = "《中国共产党基层组织选举工作条例》（2020年）第三条"

# A branch generally has at most 50 members.
BRANCH_MAX_MEMBERS = 50
# With 7 or more full members a branch sets up a committee of 3 to 5 (at most 7).
COMMITTEE_MIN_FULL_MEMBERS = 7
# A unit with 3 or more full members sets up its own branch; fewer means a joint branch.
BRANCH_MIN_FULL_MEMBERS = 3
# Warn this many days before a term ends, so the election can be prepared and approved.
TERM_WARNING_DAYS = 90
TERM_YEARS_ALLOWED = (3, 5)


@dataclass(frozen=True)
class OrgWarning:
    code: str
    message: str
    source: str
    severity: str = "warning"  # "warning" or "danger"


@dataclass(frozen=True)
class OrgFigures:
    kind: str
    full_members: int
    probationary_members: int
    has_committee: bool
    term_ends_on: dt.date | None
    is_active: bool = True
    # The day an approved postponement (terms.TermPostponement) of this term's election moved it to.
    term_postponed_to: dt.date | None = None

    @property
    def members(self) -> int:
        return self.full_members + self.probationary_members


def org_warnings(figures: OrgFigures, today: dt.date) -> list[OrgWarning]:
    if not figures.is_active:
        return []
    warnings: list[OrgWarning] = []
    if figures.kind in BRANCH_KINDS:
        if figures.members > BRANCH_MAX_MEMBERS:
            warnings.append(
                OrgWarning(
                    "branch_too_large",
                    f"党员{figures.members}名，超过{BRANCH_MAX_MEMBERS}名，宜分设党支部或经批准成立党总支",
                    SOURCE_BRANCH_RULES,
                )
            )
        if figures.full_members >= COMMITTEE_MIN_FULL_MEMBERS and not figures.has_committee:
            warnings.append(
                OrgWarning(
                    "committee_missing",
                    f"正式党员{figures.full_members}名（7名以上），应设立支部委员会",
                    SOURCE_COMMITTEE_RULES,
                )
            )
    if figures.kind == OrgKind.BRANCH and figures.full_members < BRANCH_MIN_FULL_MEMBERS:
        warnings.append(
            OrgWarning(
                "too_few_full_members",
                f"正式党员仅{figures.full_members}名（不足3名），应调整为联合党支部或与其他单位联合建立",
                SOURCE_BRANCH_RULES,
            )
        )
    if figures.term_ends_on is not None and figures.kind != OrgKind.GROUP:
        warnings.extend(term_warnings(figures.term_ends_on, figures.term_postponed_to, today))
    return warnings


def term_warnings(term_ends_on: dt.date, postponed_to: dt.date | None, today: dt.date) -> list[OrgWarning]:
    """The warning of a term that ends soon or has ended. An approved postponement counts only
    when it is later than the term's end (terms.rules.due_date): until its day the election
    is not overdue; after it, it is."""
    ends = f"{term_ends_on:%Y-%m-%d}"
    if postponed_to is None or postponed_to <= term_ends_on:
        days_left = (term_ends_on - today).days
        if days_left < 0:
            return [
                OrgWarning("term_ended", f"任期已于{ends}届满，应按期换届", SOURCE_TERMS, severity="danger")
            ]
        if days_left <= TERM_WARNING_DAYS:
            return [
                OrgWarning(
                    "term_ending", f"任期将于{ends}届满（还有{days_left}天），请做好换届准备", SOURCE_TERMS
                )
            ]
        return []
    due = f"{postponed_to:%Y-%m-%d}"
    if today > postponed_to:
        return [
            OrgWarning(
                "term_ended",
                f"任期已于{ends}届满，经批准延期至{due}换届，延期已过仍未换届，应立即换届",
                SOURCE_POSTPONE,
                severity="danger",
            )
        ]
    if today > term_ends_on:
        days_left = (postponed_to - today).days
        return [
            OrgWarning(
                "term_postponed",
                f"任期已于{ends}届满，经批准延期至{due}换届（还有{days_left}天）",
                SOURCE_POSTPONE,
            )
        ]
    days_left = (term_ends_on - today).days
    if days_left <= TERM_WARNING_DAYS:
        return [
            OrgWarning(
                "term_ending",
                f"任期将于{ends}届满（还有{days_left}天），已经批准延期至{due}换届",
                SOURCE_POSTPONE,
            )
        ]
    return []


def placement_error(kind: str, parent_kind: str | None) -> str | None:
    """Why an organization of `kind` cannot sit under a parent of `parent_kind`, or None."""
    if parent_kind == OrgKind.GROUP:
        return "党小组下不能再设下级组织"
    if kind == OrgKind.GROUP and parent_kind not in BRANCH_KINDS:
        return "党小组只能设在党支部、联合党支部或临时党支部内"
    return None
