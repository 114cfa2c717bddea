"""The dues brackets at each bound, flat amounts, rounding to the fen, the arrears run."""

from decimal import Decimal

import pytest

from dangjian.dues import rules
from dangjian.dues.choices import DuesCategory

M = Decimal


@pytest.mark.parametrize(
    ("base", "due"),
    [
        (M("2999.99"), M("15.00")),  # 14.99995 half up
        (M("3000.00"), M("15.00")),  # the upper bound belongs to the lower bracket
        (M("3000.01"), M("30.00")),
        (M("4999.99"), M("50.00")),
        (M("5000.00"), M("50.00")),
        (M("5000.01"), M("75.00")),
        (M("9999.99"), M("150.00")),
        (M("10000.00"), M("150.00")),
        (M("10000.01"), M("200.00")),
        (M("0"), M("0.00")),
        (M("12345.67"), M("246.91")),
    ],
)
def test_salaried_brackets(base, due):
    assert rules.monthly_dues(DuesCategory.SALARIED, base) == due


@pytest.mark.parametrize(
    ("base", "due"),
    [
        (M("4999.99"), M("25.00")),
        (M("5000.00"), M("25.00")),
        (M("5000.01"), M("50.00")),
        (M("3200.00"), M("16.00")),
    ],
)
def test_retired_brackets(base, due):
    assert rules.monthly_dues(DuesCategory.RETIRED, base) == due


@pytest.mark.parametrize(
    ("base", "due"),
    [
        # 1001 × 0.5% = 5.005: half up gives 5.01 where banker's rounding would give 5.00.
        (M("1001.00"), M("5.01")),
        (M("1000.90"), M("5.00")),  # 5.0045
        (M("3333.33"), M("33.33")),  # 33.3333
        (M("3350.50"), M("33.51")),  # 33.505
        (M("6666.70"), M("100.00")),  # 100.0005
    ],
)
def test_rounded_to_the_fen_half_up(base, due):
    assert rules.monthly_dues(DuesCategory.SALARIED, base) == due


def test_self_employed_use_the_salaried_brackets():
    assert rules.monthly_dues(DuesCategory.OTHER, M("4000")) == M("40.00")


@pytest.mark.parametrize(
    ("amount", "ok"),
    [(M("0.19"), False), (M("0.20"), True), (M("0.50"), True), (M("1.00"), True), (M("1.01"), False)],
)
def test_farmers_pay_between_20_fen_and_one_yuan(amount, ok):
    if ok:
        assert rules.monthly_dues(DuesCategory.FARMER, fixed_amount=amount) == amount
    else:
        with pytest.raises(ValueError, match=r"0\.20元至1\.00元"):
            rules.monthly_dues(DuesCategory.FARMER, fixed_amount=amount)


@pytest.mark.parametrize("category", [DuesCategory.STUDENT, DuesCategory.RELIEF])
def test_students_and_relief_pay_20_fen(category):
    assert rules.monthly_dues(category) == M("0.20")


def test_voluntary_extra_is_added_and_never_negative():
    assert rules.monthly_dues(DuesCategory.SALARIED, M("4000"), voluntary_extra=M("10")) == M("50.00")
    assert rules.monthly_dues(DuesCategory.STUDENT, voluntary_extra=M("0.80")) == M("1.00")
    with pytest.raises(ValueError):
        rules.monthly_dues(DuesCategory.SALARIED, M("4000"), voluntary_extra=M("-1"))


def test_salaried_needs_a_base():
    assert rules.dues_errors(DuesCategory.SALARIED, None, None, M(0))[0][0] == "monthly_base"
    assert rules.dues_errors(DuesCategory.RETIRED, M("-1"), None, M(0))[0][0] == "monthly_base"


@pytest.mark.parametrize(
    ("months", "run"),
    [
        ([], 0),
        ([True], 1),
        ([True, False], 0),
        ([False, True, True, True], 3),
        ([True, True, False, True], 1),
    ],
)
def test_unpaid_run_counts_back_from_the_latest_month(months, run):
    assert rules.unpaid_run(months) == run
