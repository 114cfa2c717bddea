"""党费 brackets and arrears thresholds as data, with their sources.

《关于中国共产党党费收缴、使用和管理的规定》(中组发〔2008〕3号): salaried members pay a
percentage of the monthly after-tax wage (each bracket's upper bound included); retirees
pay a percentage of the monthly pension; farmers 0.2 to 1 元; students, unemployed members
and those on relief or minimum-income support 0.2 元. Self-employed members without monthly
pay use last quarter's average monthly net income under the salaried brackets. The amount
is rounded to the fen half up (四舍五入): domain.md says only "rounded to the fen", and half
up is how amounts are rounded in Chinese bookkeeping."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from .choices import DuesCategory

SOURCE = "《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）"
FEN = Decimal("0.01")

# (upper bound of the monthly base, included; rate). None: no upper bound.
SALARIED_BRACKETS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal(3000), Decimal("0.005")),
    (Decimal(5000), Decimal("0.01")),
    (Decimal(10000), Decimal("0.015")),
    (None, Decimal("0.02")),
)
RETIRED_BRACKETS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal(5000), Decimal("0.005")),
    (None, Decimal("0.01")),
)
BRACKETS: dict[str, tuple[tuple[Decimal | None, Decimal], ...]] = {
    DuesCategory.SALARIED: SALARIED_BRACKETS,
    DuesCategory.OTHER: SALARIED_BRACKETS,
    DuesCategory.RETIRED: RETIRED_BRACKETS,
}
FARMER_MIN, FARMER_MAX = Decimal("0.20"), Decimal("1.00")
FLAT_AMOUNT: dict[str, Decimal] = {
    DuesCategory.STUDENT: Decimal("0.20"),
    DuesCategory.RELIEF: Decimal("0.20"),
}

# 党章第九条: six months in a row without paying dues counts as leaving the party; the
# platform warns at three, well before.
WARNING_MONTHS = 3
LAPSE_MONTHS = 6


def rate_for(brackets: tuple[tuple[Decimal | None, Decimal], ...], base: Decimal) -> Decimal:
    for upper, rate in brackets:
        if upper is None or base <= upper:
            return rate
    raise AssertionError("the last bracket has no upper bound")


def to_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def dues_errors(
    category: str, monthly_base: Decimal | None, fixed_amount: Decimal | None, voluntary_extra: Decimal
) -> list[tuple[str, str]]:
    errors = []
    if category in BRACKETS:
        if monthly_base is None or monthly_base < 0:
            errors.append(("monthly_base", "请填写月收入基数（不能为负数）"))
    elif category == DuesCategory.FARMER:
        if fixed_amount is None or not FARMER_MIN <= fixed_amount <= FARMER_MAX:
            errors.append(
                ("fixed_amount", f"农民党员每月交纳党费{FARMER_MIN}元至{FARMER_MAX}元；依据：{SOURCE}")
            )
    elif category not in FLAT_AMOUNT:
        errors.append(("category", f"未知的党费类别：{category}"))
    if voluntary_extra < 0:
        errors.append(("voluntary_extra", "自愿多交的金额不能为负数"))
    return errors


def monthly_dues(
    category: str,
    monthly_base: Decimal | None = None,
    fixed_amount: Decimal | None = None,
    voluntary_extra: Decimal = Decimal(0),
) -> Decimal:
    """The month's dues in 元, rounded to the fen; ValueError (Chinese) if the inputs do not fit."""
    errors = dues_errors(category, monthly_base, fixed_amount, voluntary_extra)
    if errors:
        raise ValueError("；".join(message for _, message in errors))
    if category in BRACKETS:
        assert monthly_base is not None
        due = to_fen(monthly_base * rate_for(BRACKETS[category], monthly_base))
    elif category == DuesCategory.FARMER:
        assert fixed_amount is not None
        due = to_fen(fixed_amount)
    else:
        due = FLAT_AMOUNT[category]
    return due + to_fen(voluntary_extra)


def unpaid_run(months_unpaid: list[bool]) -> int:
    """How many months in a row, counting back from the latest, are unpaid."""
    run = 0
    for unpaid in reversed(months_unpaid):
        if not unpaid:
            break
        run += 1
    return run


# 对生活确有困难的党员，经党支部研究、报上一级党委批准，可以少交或免交党费 (SOURCE). The base is
# set once a year, so a reduction runs within one year and is decided again with the next base.
SOURCE_EXEMPTION = f"{SOURCE}（少交或免交党费须经党支部研究，报上一级党委批准）"


def exemption_errors(
    *,
    first_month: int,
    last_month: int,
    monthly_amount: Decimal,
    normal_due: Decimal | None,
    reason: str,
    approved_by: str,
    branch_decided_on: dt.date,
    approved_on: dt.date,
    today: dt.date,
) -> list[tuple[str, str]]:
    errors = []
    if not 1 <= first_month <= 12 or not 1 <= last_month <= 12:
        errors.append(("first_month", "起止月份应在1至12月之间"))
    elif first_month > last_month:
        errors.append(
            (
                "last_month",
                f"截止月{last_month}月早于起始月{first_month}月（减免在一个年度内，跨年请次年重新办理）",
            )
        )
    if monthly_amount < 0:
        errors.append(("monthly_amount", "减免后每月应交不能为负数"))
    elif normal_due is not None and monthly_amount >= normal_due:
        errors.append(("monthly_amount", f"减免后每月应交{monthly_amount}元，应少于核定的每月{normal_due}元"))
    if not reason.strip():
        errors.append(("reason", "请填写减免理由（如生活确有困难的情况）"))
    if not approved_by.strip():
        errors.append(
            ("approved_by", f"少交或免交党费须报上一级党委批准，请填写批准的党委；依据：{SOURCE_EXEMPTION}")
        )
    if branch_decided_on > approved_on:
        errors.append(("approved_on", "批准日期不能早于党支部研究日期"))
    if approved_on > today:
        errors.append(("approved_on", "批准日期不能晚于今天"))
    return errors
