"""Rules of organization setting and terms, as data with their sources, and the warnings
they give for one organization's figures. Pure functions: no queries here."""

import datetime as dt
from dataclasses import dataclass

from .choices import BRANCH_KINDS, OrgKind

SOURCE_BRANCH_RULES = "《中国共产党支部工作条例（试行）》（2018年）第二章 组织设置"
SOURCE_COMMITTEE_RULES = "《中国共产党支部工作条例（试行）》（2018年）党支部委员会的设置"
SOURCE_TERMS = "《中国共产党基层组织选举工作条例》（2020年）；《中国共产党支部工作条例（试行）》"

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
        days_left = (figures.term_ends_on - today).days
        if days_left < 0:
            warnings.append(
                OrgWarning(
                    "term_ended",
                    f"任期已于{figures.term_ends_on:%Y-%m-%d}届满，应按期换届",
                    SOURCE_TERMS,
                    severity="danger",
                )
            )
        elif days_left <= TERM_WARNING_DAYS:
            warnings.append(
                OrgWarning(
                    "term_ending",
                    f"任期将于{figures.term_ends_on:%Y-%m-%d}届满（还有{days_left}天），请做好换届准备",
                    SOURCE_TERMS,
                )
            )
    return warnings


def placement_error(kind: str, parent_kind: str | None) -> str | None:
    """Why an organization of `kind` cannot sit under a parent of `parent_kind`, or None."""
    if parent_kind == OrgKind.GROUP:
        return "党小组下不能再设下级组织"
    if kind == OrgKind.GROUP and parent_kind not in BRANCH_KINDS:
        return "党小组只能设在党支部、联合党支部或临时党支部内"
    return None
