import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.audit import AuditEvent
from dangjian.core.exceptions import ScopeDenied
from dangjian.core.restrict import scope_prefixes
from dangjian.core.testing.world import make_member
from dangjian.dues.choices import DuesCategory, PaymentMethod
from dangjian.dues.models import DuesMonth, DuesProfile
from dangjian.dues.selectors import dues_arrears, dues_branch_totals, dues_ledger, dues_rollup
from dangjian.dues.services import dues_month_open, dues_payment_record, dues_profile_set

D = dt.date
M = Decimal
TODAY = D(2026, 11, 23)


def profile_all(world, year=2026):
    for member in world.members.values():
        dues_profile_set(
            actor=None,
            member=member,
            year=year,
            category=DuesCategory.SALARIED,
            monthly_base=M("4200"),
            set_on=D(year, 1, 5),
        )


def open_months(branch, months, actor=None):
    for month in months:
        dues_month_open(actor=actor, branch=branch, month=D(2026, month, 1))


PAID_ON = D(2026, 11, 1)


def pay(entry, amount=None, day=PAID_ON):
    return dues_payment_record(
        actor=None,
        entry=entry,
        paid=entry.due if amount is None else amount,
        paid_on=day,
        method=PaymentMethod.WECHAT,
        today=TODAY,
    )


def test_profile_computes_the_monthly_due_and_is_audited(world):
    member = world.members["zhang"]
    profile = dues_profile_set(
        actor=world.users["secretary_a1"],
        member=member,
        year=2026,
        category=DuesCategory.SALARIED,
        monthly_base=M("5000.01"),
        voluntary_extra=M("5"),
        set_on=D(2026, 1, 5),
    )
    assert profile.monthly_due == M("80.00")
    again = dues_profile_set(
        actor=None,
        member=member,
        year=2026,
        category=DuesCategory.RETIRED,
        monthly_base=M("5000"),
        set_on=D(2026, 3, 1),
    )
    assert again.pk == profile.pk and again.monthly_due == M("25.00")
    assert DuesProfile.objects.count() == 1
    event = AuditEvent.objects.filter(action="dues.profile_set").order_by("-id").first()
    assert event.before["category"] == "salaried" and event.after["monthly_due"] == "25.00"


def test_profile_refuses_a_farmer_amount_out_of_range(world):
    with pytest.raises(ValidationError) as raised:
        dues_profile_set(
            actor=None,
            member=world.members["zhang"],
            year=2026,
            category=DuesCategory.FARMER,
            fixed_amount=M("2"),
            set_on=D(2026, 1, 1),
        )
    assert "fixed_amount" in raised.value.message_dict


def test_month_opens_once_per_member_and_needs_a_base(world):
    with pytest.raises(ValidationError) as raised:
        dues_month_open(actor=None, branch=world.branch_a1, month=D(2026, 3, 1))
    assert "张建国" in raised.value.message_dict["member"][0]
    profile_all(world)
    opened = dues_month_open(actor=None, branch=world.branch_a1, month=D(2026, 3, 15))
    assert (opened.created, opened.already_open) == (2, 0)
    assert dues_month_open(actor=None, branch=world.branch_a1, month=D(2026, 3, 1)).created == 0
    assert set(DuesMonth.objects.values_list("due", flat=True)) == {M("42.00")}


def test_probationary_member_pays_from_the_month_of_the_vote(world):
    profile_all(world)
    # 赵丽 joined TB01 on 2026-01-10 as a probationary member.
    assert dues_month_open(actor=None, branch=world.branch_b1, month=D(2025, 12, 1)).created == 0
    assert dues_month_open(actor=None, branch=world.branch_b1, month=D(2026, 1, 1)).created == 1


def test_payment_is_recorded_and_checked(world):
    profile_all(world)
    open_months(world.branch_a1, [10])
    entry = DuesMonth.objects.filter(organization=world.branch_a1).first()
    paid = pay(entry, M("42.004"))
    assert paid.paid == M("42.00") and paid.is_paid and paid.method == PaymentMethod.WECHAT
    with pytest.raises(ValidationError) as raised:
        dues_payment_record(
            actor=None, entry=entry, paid=M("-1"), paid_on=D(2026, 11, 24), method="", today=TODAY
        )
    assert {"paid", "paid_on"} <= set(raised.value.message_dict)
    with pytest.raises(ValidationError) as raised:
        dues_payment_record(actor=None, entry=entry, paid=M("1"), paid_on=TODAY, method="", today=TODAY)
    assert "method" in raised.value.message_dict


@pytest.mark.parametrize(
    ("unpaid_months", "warning", "lapsed"), [(2, False, False), (3, True, False), (6, True, True)]
)
def test_arrears_warn_at_three_months_well_before_six(world, unpaid_months, warning, lapsed):
    profile_all(world)
    open_months(world.branch_a1, range(1, 12))
    last_paid = 10 - unpaid_months  # months up to October are finished on 23 November
    for entry in DuesMonth.objects.filter(month__lte=D(2026, last_paid, 1)):
        pay(entry)
    found = dues_arrears(user=world.users["township_a_admin"], today=TODAY)
    assert {a.name for a in found} == {"张建国", "李秀英"}
    arrears = found[0]
    assert (arrears.months_unpaid, arrears.warning, arrears.lapsed) == (unpaid_months, warning, lapsed)
    assert arrears.owed == M("42.00") * unpaid_months


def test_the_current_month_is_not_yet_late(world):
    profile_all(world)
    open_months(world.branch_a1, [10, 11])
    for entry in DuesMonth.objects.filter(month=D(2026, 10, 1)):
        pay(entry)
    assert dues_arrears(user=world.users["county_admin"], today=TODAY) == []


def test_branch_totals_and_rollup_in_constant_queries(world, django_assert_num_queries):
    profile_all(world)
    extra = [make_member(world.branch_a2, name=f"党员{i}") for i in range(3)]
    for member in extra:
        dues_profile_set(
            actor=None, member=member, year=2026, category=DuesCategory.STUDENT, set_on=D(2026, 1, 1)
        )
    for branch in (world.branch_a1, world.branch_a2, world.branch_b1):
        open_months(branch, [9, 10])
    for entry in DuesMonth.objects.filter(organization=world.branch_a1, month=D(2026, 9, 1)):
        pay(entry)
    admin = world.users["county_admin"]
    scope_prefixes(admin, "view")  # the user's grants are read once and kept on the user
    with django_assert_num_queries(1):
        months = dues_branch_totals(user=admin, branch=world.branch_a1, year=2026)
    assert [(m["month"], m["due_total"], m["paid_total"], m["unpaid"]) for m in months] == [
        (D(2026, 9, 1), M("84.00"), M("84.00"), 0),
        (D(2026, 10, 1), M("84.00"), M("0.00"), 2),
    ]
    with django_assert_num_queries(2):
        rows = dues_rollup(user=admin, organization=world.county, year=2026)
    by_code = {row.organization.code: row for row in rows}
    # TA: TA01 2×42×2 + TA02 (王小明 42 + three students 0.20) × 2; TB: 赵丽 42 × 2.
    assert by_code["TA"].due == M("168.00") + M("84.00") + M("1.20")
    assert (by_code["TA"].paid, by_code["TA"].entries, by_code["TA"].unpaid) == (M("84.00"), 12, 10)
    assert by_code["TB"].due == M("84.00")
    township = dues_rollup(user=world.users["township_a_admin"], organization=world.township_a, year=2026)
    assert {row.organization.code: row.due for row in township} == {"TA01": M("168.00"), "TA02": M("85.20")}
    # Out of scope: township A sees nothing of township B in the county's rollup.
    limited = dues_rollup(user=world.users["township_a_admin"], organization=world.county, year=2026)
    assert [row.organization.code for row in limited] == ["TA"]


@pytest.mark.parametrize(
    ("user", "branch_name"), [("township_a_admin", "branch_b1"), ("secretary_a1", "branch_a2")]
)
def test_out_of_scope_is_refused_and_invisible(world, user, branch_name):
    actor = world.users[user]
    branch = getattr(world, branch_name)
    member = next(m for m in world.members.values() if m.organization_id == branch.pk)
    profile_all(world)
    with pytest.raises(ScopeDenied):
        dues_profile_set(
            actor=actor, member=member, year=2026, category=DuesCategory.STUDENT, set_on=D(2026, 1, 1)
        )
    with pytest.raises(ScopeDenied):
        dues_month_open(actor=actor, branch=branch, month=D(2026, 10, 1))
    open_months(branch, [10])
    entry = DuesMonth.objects.get(organization=branch)
    with pytest.raises(ScopeDenied):
        dues_payment_record(
            actor=actor, entry=entry, paid=M(1), paid_on=TODAY, method=PaymentMethod.CASH, today=TODAY
        )
    assert list(dues_ledger(user=actor, branch=branch, month=D(2026, 10, 1))) == []
    assert dues_arrears(user=actor, today=TODAY) == []
    assert dues_branch_totals(user=actor, branch=branch, year=2026) == []
