"""Dues pages: a branch's month ledger with payments recorded inline (htmx), opening a month,
the members' dues profiles, the arrears list with its warnings, totals rolled up the tree with
drill-down, and the export of a branch's year ledger. Reads go through `dues.selectors` and
restricted querysets (out of reach is a 404); writes go through `dues.services`."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.audit import access_log_record
from dangjian.core.forms import add_service_errors
from dangjian.core.models import AccessLog
from dangjian.core.restrict import path_in_scope, require
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.choices import BRANCH_KINDS
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import breadcrumb, organization_get, scope_roots

from . import rules, selectors, services
from .choices import PaymentMethod
from .forms import ExemptionForm, PaymentForm, ProfileForm
from .models import DuesMonth, DuesProfile

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _branch(user: Any, code: str, action: str = "view") -> Organization:
    organization = organization_get(user, code, action)
    if organization.kind not in BRANCH_KINDS:
        raise Http404("党费账目按党支部记录")
    return organization


def _month(request: HttpRequest, today: dt.date) -> dt.date:
    value = request.POST.get("month") or request.GET.get("month") or ""
    try:
        year, month = (int(part) for part in value.split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def _year(request: HttpRequest, today: dt.date) -> int:
    value = request.GET.get("year", "")
    if not value:
        return today.year
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise Http404("年度无效")
    return int(value)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    roots = scope_roots(request.user, "view")
    if not roots:
        raise PermissionDenied("您没有查看党费的权限")
    top = roots[0]
    if top.kind in BRANCH_KINDS:
        return redirect("dues:ledger", top.code)
    return redirect("dues:totals", top.code)


def _payment_form(entry: DuesMonth, today: dt.date, data: Any = None) -> PaymentForm:
    initial = {
        "paid": entry.due if not entry.paid else entry.paid,
        "paid_on": entry.paid_on or today,
        "method": entry.method,
        "reference": entry.reference,
    }
    return PaymentForm(data, initial=initial, prefix=f"e{entry.pk}")


@login_required
@require_GET
def ledger(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    branch = _branch(user, code)
    today = timezone.localdate()
    month = _month(request, today)
    entries = list(selectors.dues_ledger(user=user, branch=branch, month=month))
    can_change = path_in_scope(user, "change", branch.path)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "dues/ledger.html",
        {
            "branch": branch,
            "crumbs": breadcrumb(user, branch),
            "month": month,
            "previous": previous,
            "following": following,
            "rows": [(entry, _payment_form(entry, today) if can_change else None) for entry in entries],
            "due_total": sum((e.due for e in entries), Decimal(0)),
            "paid_total": sum((e.paid for e in entries), Decimal(0)),
            "can_change": can_change,
            "can_export": path_in_scope(user, "export", branch.path),
        },
    )


@login_required
@require_POST
def month_open(request: HttpRequest, code: str) -> HttpResponse:
    branch = _branch(request.user, code, "change")
    month = _month(request, timezone.localdate())
    try:
        opened = services.dues_month_open(actor=request.user, branch=branch, month=month)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"未能开账：{message}")
    else:
        messages.success(
            request, f"{month:%Y年%m月}已开账：新增{opened.created}人，原有{opened.already_open}人"
        )
    return redirect(reverse("dues:ledger", args=[branch.code]) + f"?month={month:%Y-%m}")


@login_required
@require_POST
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    entry = (
        DuesMonth.objects.restrict(request.user, "change")
        .select_related("member", "organization")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404("党费月账不存在或不在授权范围内")
    today = timezone.localdate()
    form = _payment_form(entry, today, request.POST)
    if form.is_valid():
        try:
            entry = services.dues_payment_record(
                actor=request.user,
                entry=entry,
                paid=form.cleaned_data["paid"],
                paid_on=form.cleaned_data["paid_on"],
                method=form.cleaned_data["method"],
                reference=form.cleaned_data["reference"],
                today=today,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = _payment_form(entry, today)
            if not request.headers.get("HX-Request"):
                messages.success(request, f"已记录{entry.member.name}的党费")
    if not request.headers.get("HX-Request"):
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, f"未能记录{entry.member.name}的党费：{message}")
        return redirect(
            reverse("dues:ledger", args=[entry.organization.code]) + f"?month={entry.month:%Y-%m}"
        )
    return render(
        request,
        "dues/_ledger_row.html",
        {"entry": entry, "form": form, "can_change": True, "saved": not form.errors},
    )


@login_required
@require_GET
def profiles(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    branch = _branch(user, code)
    year = _year(request, timezone.localdate())
    members = list(
        Member.objects.restrict(user, "view")
        .filter(organization=branch, status=MemberStatus.ACTIVE)
        .order_by("name_pinyin", "id")
    )
    found = {
        profile.member_id: profile
        for profile in DuesProfile.objects.restrict(user, "view").filter(member__in=members, year=year)
    }
    return render(
        request,
        "dues/profiles.html",
        {
            "branch": branch,
            "crumbs": breadcrumb(user, branch),
            "year": year,
            "rows": [(member, found.get(member.pk)) for member in members],
            "can_change": path_in_scope(user, "change", branch.path),
            "can_approve": _may_approve(user, branch),
            "missing": sum(1 for member in members if member.pk not in found),
            "exemptions": list(selectors.dues_exemptions(user=user, branch=branch, year=year)),
        },
    )


@login_required
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = (
        Member.objects.restrict(request.user, "change").select_related("organization").filter(pk=pk).first()
    )
    if member is None:
        raise Http404("党员不存在或不在授权范围内")
    today = timezone.localdate()
    try:
        year = int(request.POST.get("year") or request.GET.get("year") or today.year)
    except ValueError as error:
        raise Http404("年度无效") from error
    profile = DuesProfile.objects.filter(member=member, year=year).first()
    initial: dict[str, Any] = {"set_on": today, "voluntary_extra": Decimal(0)}
    if profile is not None:
        initial = {
            "category": profile.category,
            "monthly_base": profile.monthly_base,
            "fixed_amount": profile.fixed_amount,
            "voluntary_extra": profile.voluntary_extra,
            "set_on": profile.set_on,
        }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.dues_profile_set(
                actor=request.user,
                member=member,
                year=year,
                category=data["category"],
                set_on=data["set_on"],
                monthly_base=data["monthly_base"],
                fixed_amount=data["fixed_amount"],
                voluntary_extra=data["voluntary_extra"] or Decimal(0),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"已核定{member.name}{year}年党费：每月{saved.monthly_due}元")
            return redirect(reverse("dues:profiles", args=[member.organization.code]) + f"?year={year}")
    return render(
        request,
        "dues/profile_form.html",
        {"member": member, "year": year, "form": form, "profile": profile, "source": rules.SOURCE},
    )


@login_required
@require_GET
def arrears(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    organization = organization_get(user, code)
    found = selectors.dues_arrears(user=user, today=timezone.localdate(), organization=organization)
    names = dict(
        Organization.objects.filter(pk__in={a.organization_id for a in found}).values_list("pk", "name")
    )
    return render(
        request,
        "dues/arrears.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "rows": [(item, names.get(item.organization_id, "")) for item in found],
            "warning_months": rules.WARNING_MONTHS,
            "lapse_months": rules.LAPSE_MONTHS,
        },
    )


@login_required
@require_GET
def totals(request: HttpRequest, code: str) -> HttpResponse:
    """A committee's year by child (each over its subtree, each a link one level down); a
    branch's year by month (each a link to that month's ledger)."""
    user = request.user
    organization = organization_get(user, code)
    year = _year(request, timezone.localdate())
    is_branch = organization.kind in BRANCH_KINDS
    context: dict[str, Any] = {
        "organization": organization,
        "crumbs": breadcrumb(user, organization),
        "year": year,
        "is_branch": is_branch,
        "can_export": is_branch and path_in_scope(user, "export", organization.path),
    }
    if is_branch:
        months = selectors.dues_branch_totals(user=user, branch=organization, year=year)
        context["months"] = months
        context["due"] = sum((m["due_total"] for m in months), Decimal(0))
        context["paid"] = sum((m["paid_total"] for m in months), Decimal(0))
    else:
        children = selectors.dues_rollup(user=user, organization=organization, year=year)
        context["children"] = children
        context["due"] = sum((row.due for row in children), Decimal(0))
        context["paid"] = sum((row.paid for row in children), Decimal(0))
    return render(request, "dues/totals.html", context)


@login_required
@require_GET
def ledger_export(request: HttpRequest, code: str, year: int) -> HttpResponse:
    user = request.user
    branch = _branch(user, code, "export")
    require(user, "export", branch)
    entries = list(
        DuesMonth.objects.restrict(user, "export")
        .filter(organization=branch, month__year=year)
        .select_related("member")
        .order_by("member__name_pinyin", "member_id", "month")
    )
    content = year_ledger_workbook(branch, year, entries)
    access_log_record(
        actor=user,
        kind=AccessLog.Kind.EXPORT,
        obj=branch,
        organization=branch,
        detail={"导出": f"{year}年党费台账", "行数": len(entries)},
    )
    response = HttpResponse(content, content_type=XLSX)
    filename = f"{branch.code}-{year}年党费台账.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def year_ledger_workbook(branch: Organization, year: int, entries: list[DuesMonth]) -> bytes:
    """Two sheets: one row per member with due and paid for each month (the paper 党费收缴
    登记表), and one row per entry with its date and method."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    money = book.add_format({"num_format": "0.00"})
    title = book.add_format({"bold": True, "font_size": 14})
    sheet = book.add_worksheet("年度台账")
    sheet.write(0, 0, f"{branch.name} {year}年党费收缴登记表", title)
    header = ["姓名"]
    for month in range(1, 13):
        header += [f"{month}月应交", f"{month}月实交"]
    header += ["全年应交", "全年实交"]
    sheet.write_row(2, 0, header, bold)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, len(header), 9)
    by_member: dict[int, tuple[str, dict[int, DuesMonth]]] = {}
    for entry in entries:
        by_member.setdefault(entry.member_id, (entry.member.name, {}))[1][entry.month.month] = entry
    for index, (name, months) in enumerate(by_member.values(), start=3):
        sheet.write(index, 0, name)
        for month, entry in months.items():
            sheet.write_number(index, 2 * month - 1, float(entry.due), money)
            sheet.write_number(index, 2 * month, float(entry.paid), money)
        sheet.write_number(index, 25, float(sum(e.due for e in months.values())), money)
        sheet.write_number(index, 26, float(sum(e.paid for e in months.values())), money)
    sheet.freeze_panes(3, 1)
    methods = dict(PaymentMethod.choices)
    detail = book.add_worksheet("交纳明细")
    detail.write_row(
        0, 0, ["月份", "姓名", "应交（元）", "实交（元）", "交纳日期", "交纳方式", "凭证号"], bold
    )
    for index, entry in enumerate(entries, start=1):
        detail.write_row(
            index,
            0,
            [
                f"{entry.month:%Y-%m}",
                entry.member.name,
                float(entry.due),
                float(entry.paid),
                f"{entry.paid_on:%Y-%m-%d}" if entry.paid_on else "",
                methods.get(entry.method, ""),
                entry.reference,
            ],
        )
    detail.set_column(0, 6, 12)
    book.close()
    return buffer.getvalue()


def _may_approve(user: Any, branch: Organization) -> bool:
    """Reductions are approved by the superior committee: its users record them."""
    return bool(branch.parent_path) and path_in_scope(user, "change", branch.parent_path)


@login_required
def exemption_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    member = Member.objects.restrict(user, "view").select_related("organization").filter(pk=pk).first()
    if member is None or not _may_approve(user, member.organization):
        raise Http404("党员不存在，或党费减免须由上级党委批准")
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError as error:
        raise Http404("年度无效") from error
    parent = Organization.objects.get_parent(member.organization)
    form = ExemptionForm(
        request.POST or None,
        initial={
            "first_month": today.month if year == today.year else 1,
            "last_month": 12,
            "monthly_amount": Decimal(0),
            "approved_by": parent.name if parent else "",
            "approved_on": today,
            "branch_decided_on": today,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dues_exemption_grant(
                actor=user, member=member, year=year, today=today, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"已记录{member.name}{year}年党费减免")
            return redirect(reverse("dues:profiles", args=[member.organization.code]) + f"?year={year}")
    profile = DuesProfile.objects.filter(member=member, year=year).first()
    return render(
        request,
        "dues/exemption_form.html",
        {"member": member, "year": year, "form": form, "profile": profile, "source": rules.SOURCE_EXEMPTION},
    )
