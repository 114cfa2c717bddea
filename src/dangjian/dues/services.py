"""Every write to dues: one transaction each, scope-checked with `require(actor, "change",
branch)`, judged by `dues.rules`, audited."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dangjian.core.audit import audit_record, changed, snapshot
from dangjian.core.restrict import require
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from . import rules
from .models import DuesExemption, DuesMonth, DuesProfile

PROFILE_FIELDS = ("category", "monthly_base", "fixed_amount", "voluntary_extra", "monthly_due", "set_on")
PAYMENT_FIELDS = ("paid", "paid_on", "method", "reference")


def _raise(errors: Sequence[tuple[str, str]]) -> None:
    if errors:
        grouped: dict[str, list[str]] = {}
        for name, message in errors:
            grouped.setdefault(name, []).append(message)
        raise ValidationError(grouped)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@transaction.atomic
def dues_profile_set(
    *,
    actor: Any,
    member: Member,
    year: int,
    category: str,
    set_on: dt.date,
    monthly_base: Decimal | None = None,
    fixed_amount: Decimal | None = None,
    voluntary_extra: Decimal = Decimal(0),
) -> DuesProfile:
    """核定党费: the member's category and base for a year (set once a year, corrected if wrong)."""
    member = Member.objects.select_related("organization").get(pk=member.pk)
    require(actor, "change", member.organization)
    _raise(rules.dues_errors(category, monthly_base, fixed_amount, voluntary_extra))
    due = rules.monthly_dues(category, monthly_base, fixed_amount, voluntary_extra)
    profile = DuesProfile.objects.select_for_update().filter(member=member, year=year).first()
    before = snapshot(profile, PROFILE_FIELDS) if profile else {}
    if profile is None:
        profile = DuesProfile(member=member, year=year)
    profile.category = category
    profile.monthly_base = monthly_base if category in rules.BRACKETS else None
    profile.fixed_amount = fixed_amount if category == "farmer" else None
    profile.voluntary_extra = voluntary_extra
    profile.monthly_due = due
    profile.set_on = set_on
    profile.recorded_by = _user(actor)
    profile.full_clean(exclude=["member"])
    old, new = changed(before, snapshot(profile, PROFILE_FIELDS))
    if not new:
        return profile
    profile.save()
    audit_record(
        actor=actor,
        action="dues.profile_set",
        obj=profile,
        organization=member.organization,
        before=old or None,
        after=new | {"year": year},
    )
    return profile


@dataclass
class OpenedMonth:
    created: int
    already_open: int


@transaction.atomic
def dues_month_open(*, actor: Any, branch: Organization, month: dt.date) -> OpenedMonth:
    """Open the month's ledger for the branch: one row per member on its roster by the month's
    end (a probationary member pays from the day of the vote, so from that month). Every
    member needs the year's dues base first; those without one are named. Running it again
    adds only members who are new to the month."""
    require(actor, "change", branch)
    first, last = month_start(month), month_end(month)
    members = list(
        Member.objects.filter(organization=branch, status=MemberStatus.ACTIVE, joined_on__lte=last).order_by(
            "name"
        )
    )
    opened = set(
        DuesMonth.objects.filter(member__in=members, month=first).values_list("member_id", flat=True)
    )
    dues = dict(
        DuesProfile.objects.filter(member__in=members, year=first.year).values_list(
            "member_id", "monthly_due"
        )
    )
    # An approved reduction or exemption (少交或免交) covering the month sets what is due.
    for exemption in DuesExemption.objects.filter(
        member__in=members, year=first.year, first_month__lte=first.month, last_month__gte=first.month
    ):
        if exemption.member_id in dues:
            dues[exemption.member_id] = exemption.monthly_amount
    missing = [m.name for m in members if m.pk not in dues and m.pk not in opened]
    if missing:
        _raise([("member", f"以下党员尚未核定{first.year}年党费基数：{'、'.join(missing)}")])
    rows = [
        DuesMonth(member=m, organization=branch, month=first, due=dues[m.pk], recorded_by=_user(actor))
        for m in members
        if m.pk not in opened
    ]
    DuesMonth.objects.bulk_create(rows)
    if rows:
        audit_record(
            actor=actor,
            action="dues.month_open",
            obj=branch,
            organization=branch,
            after={"month": f"{first:%Y-%m}", "members": len(rows), "due": str(sum(r.due for r in rows))},
        )
    return OpenedMonth(created=len(rows), already_open=len(opened))


@transaction.atomic
def dues_payment_record(
    *,
    actor: Any,
    entry: DuesMonth,
    paid: Decimal,
    paid_on: dt.date,
    method: str,
    reference: str = "",
    today: dt.date | None = None,
) -> DuesMonth:
    """Record what a member paid for a month (by the branch; a payment provider would call this too)."""
    entry = DuesMonth.objects.select_for_update().select_related("organization", "member").get(pk=entry.pk)
    require(actor, "change", entry.organization)
    today = today or timezone.localdate()
    errors = []
    if paid < 0:
        errors.append(("paid", "实交金额不能为负数"))
    if paid_on > today:
        errors.append(("paid_on", "交纳日期不能晚于今天"))
    if paid > 0 and not method:
        errors.append(("method", "请选择交纳方式"))
    _raise(errors)
    before = snapshot(entry, PAYMENT_FIELDS)
    entry.paid, entry.paid_on, entry.method, entry.reference = rules.to_fen(paid), paid_on, method, reference
    entry.recorded_by = _user(actor)
    entry.full_clean(exclude=["member", "organization"])
    entry.save()
    old, new = changed(before, snapshot(entry, PAYMENT_FIELDS))
    audit_record(
        actor=actor,
        action="dues.payment_record",
        obj=entry,
        organization=entry.organization,
        before=old,
        after=new,
    )
    return entry


EXEMPTION_FIELDS = (
    "year",
    "first_month",
    "last_month",
    "monthly_amount",
    "reason",
    "branch_decided_on",
    "approved_by",
    "approved_on",
)


@transaction.atomic
def dues_exemption_grant(
    *,
    actor: Any,
    member: Member,
    year: int,
    first_month: int,
    last_month: int,
    monthly_amount: Decimal,
    reason: str,
    branch_decided_on: dt.date,
    approved_by: str,
    approved_on: dt.date,
    today: dt.date | None = None,
) -> DuesExemption:
    """少交或免交党费: the superior committee's approval on file. The months of the ledger
    already opened in the range and not yet paid in full are due the new amount."""
    member = Member.objects.select_related("organization").get(pk=member.pk)
    branch = member.organization
    superior = Organization.objects.get_parent(branch)
    # The superior committee approves (the branch only decides): its users record it.
    require(actor, "change", superior or branch)
    today = today or timezone.localdate()
    profile = DuesProfile.objects.filter(member=member, year=year).first()
    errors = rules.exemption_errors(
        first_month=first_month,
        last_month=last_month,
        monthly_amount=monthly_amount,
        normal_due=profile.monthly_due if profile else None,
        reason=reason,
        approved_by=approved_by,
        branch_decided_on=branch_decided_on,
        approved_on=approved_on,
        today=today,
    )
    if profile is None:
        errors.append(("year", f"{member.name}尚未核定{year}年党费基数，请先核定再办理减免"))
    overlapping = (
        DuesExemption.objects.select_for_update()
        .filter(member=member, year=year, first_month__lte=last_month, last_month__gte=first_month)
        .first()
    )
    if overlapping is not None:
        errors.append(
            (
                "first_month",
                f"与已批准的{overlapping.first_month}至{overlapping.last_month}月减免重叠",
            )
        )
    _raise(errors)
    exemption = DuesExemption(
        member=member,
        year=year,
        first_month=first_month,
        last_month=last_month,
        monthly_amount=rules.to_fen(monthly_amount),
        reason=reason.strip(),
        branch_decided_on=branch_decided_on,
        approved_by=approved_by.strip(),
        approved_on=approved_on,
        recorded_by=_user(actor),
    )
    exemption.full_clean(exclude=["member"])
    exemption.save()
    months = DuesMonth.objects.select_for_update().filter(
        member=member,
        month__gte=dt.date(year, first_month, 1),
        month__lte=dt.date(year, last_month, 1),
        paid__lt=F("due"),
    )
    adjusted = months.update(due=exemption.monthly_amount)
    audit_record(
        actor=actor,
        action="dues.exemption_grant",
        obj=exemption,
        organization=branch,
        after=snapshot(exemption, EXEMPTION_FIELDS) | {"ledger_months_adjusted": adjusted},
    )
    return exemption
