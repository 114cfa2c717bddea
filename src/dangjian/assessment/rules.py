"""Scoring and grading as data plus small pure functions.

Neither the statutes nor domain.md give score bands for the 一类–四类 classification; the
default bands below are the product's own (a county sets its own on its checklist template).
Automatic items reuse the statutory organization-setting rules of `orgs.rules` so a figure the
platform already holds is never typed in again (domain.md, "Enter once")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from dangjian.orgs.rules import OrgFigures, org_warnings

from .choices import GradeChange, ScoringMethod, WeakCategory

SOURCE_BANDS = "本产品默认档次（县级可在清单模板中调整）"
# Minimum percentage of the template's total points for 一类, 二类, 三类; below the last is 四类.
DEFAULT_BANDS: tuple[Decimal, Decimal, Decimal] = (Decimal(90), Decimal(75), Decimal(60))

# Which warnings of `orgs.rules.org_warnings` fail each automatic item.
AUTO_FAILING_WARNINGS: dict[str, frozenset[str]] = {
    ScoringMethod.AUTO_COMMITTEE: frozenset({"committee_missing"}),
    ScoringMethod.AUTO_TERM: frozenset({"term_ended"}),
    ScoringMethod.AUTO_MEMBER_COUNT: frozenset({"branch_too_large", "too_few_full_members"}),
}


# Organizational life is judged from the year's submitted records (orglife.compliance), not
# from the organization warnings; see `orglife_item_met`.
AUTOMATIC_METHODS: frozenset[str] = frozenset({*AUTO_FAILING_WARNINGS, ScoringMethod.AUTO_ORGLIFE})


def percent_of(total: Decimal, maximum: Decimal) -> Decimal:
    if maximum <= 0:
        return Decimal(0)
    return (total * 100 / maximum).quantize(Decimal("0.01"), ROUND_HALF_UP)


def bands_error(bands: tuple[Decimal, Decimal, Decimal]) -> str | None:
    one, two, three = bands
    if not (Decimal(100) >= one > two > three > Decimal(0)):
        return "分类档次须满足：100 ≥ 一类线 > 二类线 > 三类线 > 0"
    return None


def grade_for(percent: Decimal, bands: tuple[Decimal, Decimal, Decimal] = DEFAULT_BANDS) -> int:
    """A score exactly on a band's line belongs to that band."""
    for grade, minimum in enumerate(bands, start=1):
        if percent >= minimum:
            return grade
    return 4


SOURCE_FIVE_GOODS = "本产品默认“五好”规则（县级可在清单模板中调整）"


@dataclass(frozen=True)
class FiveGoods:
    """The "five goods" grading, as data: each of the five basics is "good" when its items
    scored at least `share_min` percent of their points; the class follows the number of good
    basics: at least `goods_for[0]` → 一类, `goods_for[1]` → 二类, `goods_for[2]` → 三类,
    fewer → 四类. Neither the statutes nor domain.md fix these numbers; 80 % and 5/4/3 are the
    product's own defaults."""

    share_min: Decimal = Decimal(80)
    goods_for: tuple[int, int, int] = (5, 4, 3)


DEFAULT_FIVE_GOODS = FiveGoods()


def five_goods_error(rule: FiveGoods) -> str | None:
    one, two, three = rule.goods_for
    if not (Decimal(0) < rule.share_min <= Decimal(100)):
        return "“好”的得分率线应大于0且不超过100"
    if not (5 >= one > two > three >= 0):
        return "“五好”定级的好项数须满足：5 ≥ 一类 > 二类 > 三类 ≥ 0"
    return None


def good_areas(area_points: Mapping[str, tuple[Decimal, Decimal]], share_min: Decimal) -> list[str]:
    """The basics judged good: `area_points` maps each basic to (score, maximum). A share
    exactly on the line is good; a basic without items is never good (nothing shows it)."""
    return [
        area
        for area, (score, maximum) in area_points.items()
        if maximum > 0 and percent_of(score, maximum) >= share_min
    ]


def grade_for_goods(goods: int, rule: FiveGoods = DEFAULT_FIVE_GOODS) -> int:
    for grade, minimum in enumerate(rule.goods_for, start=1):
        if goods >= minimum:
            return grade
    return 4


SOURCE_STARS = "本产品默认评星档次（县级可在清单模板中调整）"
# 评星晋级 of community branches: minimum percentage for 5, 4, 3 and 2 stars; below is 1 star.
DEFAULT_STAR_LINES: tuple[Decimal, Decimal, Decimal, Decimal] = (
    Decimal(95),
    Decimal(85),
    Decimal(75),
    Decimal(60),
)


def star_lines_error(lines: tuple[Decimal, ...]) -> str | None:
    """Empty: no star rating. Otherwise four lines, 100 ≥ 五星 > 四星 > 三星 > 二星 > 0."""
    if not lines:
        return None
    if len(lines) != 4:
        return "评星档次须依次填写五星、四星、三星、二星四条线"
    if not (Decimal(100) >= lines[0] > lines[1] > lines[2] > lines[3] > Decimal(0)):
        return "评星档次须满足：100 ≥ 五星线 > 四星线 > 三星线 > 二星线 > 0"
    return None


def stars_for(percent: Decimal, lines: tuple[Decimal, ...] = DEFAULT_STAR_LINES) -> int:
    """A score exactly on a line earns those stars."""
    for stars, minimum in zip((5, 4, 3, 2), lines, strict=True):
        if percent >= minimum:
            return stars
    return 1


def star_change(previous: int | None, current: int) -> str:
    """More stars is 晋位."""
    if previous is None:
        return GradeChange.NEW
    return grade_change(-previous, -current)


def grade_change(previous: int | None, current: int) -> str:
    """晋位升级: a smaller class number is better."""
    if previous is None:
        return GradeChange.NEW
    if current < previous:
        return GradeChange.UP
    if current > previous:
        return GradeChange.DOWN
    return GradeChange.SAME


def manual_score_error(
    *, number: int, points: Decimal, awarded: Decimal, evidence_required: bool, evidence: str
) -> str | None:
    """An assessor's score for a manual item: within 0..points, and no points without evidence
    when the item asks for it."""
    if awarded < 0 or awarded > points:
        return f"第{number}项得分应在0至{points}分之间"
    if awarded > 0 and evidence_required and not evidence.strip():
        return f"第{number}项须有佐证材料才能得分"
    return None


def auto_item_met(method: str, figures: OrgFigures, today: dt.date) -> bool:
    failing = AUTO_FAILING_WARNINGS[method]
    return not any(w.code in failing for w in org_warnings(figures, today))


def orglife_item_met(status: str) -> bool:
    """组织生活达标: no period of the year that is already over on the day of sign-off was
    missed. A period still running (a December meeting while signing off in December) is not
    held against the branch; signed off after the year, every period counts. The product's
    own reading of "达标"; the periods and minimums are those of `orglife.rules`."""
    return status != "missed"


def is_weak(*, grade: int | None, categories: list[str], known: Collection[str] | None = None) -> bool:
    """软弱涣散 when screening found any problem category (of the county's list, `known`; the
    product's list by default), or the year's class is 四类."""
    known = WeakCategory.values if known is None else known
    return grade == 4 or any(c in known for c in categories)
