"""Organizational-life pages: a branch's calendar, the record form with attendance by tapping
names, a record with its versions, the compliance dashboard of any organization, and the
exports. Reads go through `orglife.pages` (scoped by `restrict`, out of reach is a 404);
writes go through `orglife.services`, which check the reach again and write the audit row."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.audit import access_log_record
from dangjian.core.forms import add_service_errors
from dangjian.core.models import AccessLog
from dangjian.core.restrict import path_in_scope, require
from dangjian.orgs.choices import BRANCH_KINDS, Sector
from dangjian.orgs.selectors import breadcrumb, organization_get, scope_roots

from . import pages, services
from .choices import ActivityStatus, AttendanceStatus
from .compliance import AUTO, FAILING_LIST_LIMIT, STATUS_LABELS, compliance_report
from .exports import compliance_workbook, minute_book_workbook
from .forms import (
    AttachmentForm,
    CorrectionForm,
    PeriodForm,
    RecordForm,
    attendance_from_post,
    attendance_initial,
)
from .minute_pdf import minute_book_pdf
from .models import Activity
from .pending import pending_for_branches
from .periods import window_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month(request: HttpRequest, today: dt.date) -> tuple[int, int]:
    value = request.GET.get("month", "")
    try:
        year, month = (int(part) for part in value.split("-"))
        dt.date(year, month, 1)
    except ValueError:
        return today.year, today.month
    return year, month


@login_required
@require_GET
def branch_calendar(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    branch = pages.branch_get(user, code)
    today = timezone.localdate()
    year, month = _month(request, today)
    records = pages.month_records(branch, year, month, user)
    previous = dt.date(year, month, 1) - dt.timedelta(days=1)
    following = dt.date(year, month, 28) + dt.timedelta(days=5)
    return render(
        request,
        "orglife/calendar.html",
        {
            "branch": branch,
            "crumbs": breadcrumb(user, branch),
            "year": year,
            "month": month,
            "today": today,
            "weekdays": pages.WEEKDAYS,
            "weeks": pages.calendar_weeks(year, month, records),
            "records": sorted(records, key=lambda r: (r.held_on, r.start_time or dt.time(0), r.pk)),
            "previous": f"{previous.year}-{previous.month:02d}",
            "following": f"{following.year}-{following.month:02d}",
            "can_change": path_in_scope(user, "change", branch.path),
            "can_export": path_in_scope(user, "export", branch.path),
            "pending": pending_for_branches([branch], today),
        },
    )


def _form_context(
    branch: Any, form: RecordForm, attendance: dict[int, tuple[str, str]], posted: Any = None, **extra: Any
) -> dict:
    if posted is not None:
        # A form sent back with errors shows the taps as they were sent, not as stored.
        attendance = {
            member.pk: (posted.get(f"att_{member.pk}", ""), posted.get(f"reason_{member.pk}", ""))
            for member in form.roster
        }
    return {
        "branch": branch,
        "form": form,
        "roster": [(member, *attendance.get(member.pk, ("", ""))) for member in form.roster],
        "statuses": AttendanceStatus.choices,
        **extra,
    }


def _held_on(request: HttpRequest, fallback: dt.date) -> dt.date:
    """The date whose roster the attendance list shows: the one posted or asked for."""
    value = request.POST.get("held_on") or request.GET.get("date") or ""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return fallback


def _save_record(
    request: HttpRequest, form: RecordForm, activity: Activity | None, branch: Any
) -> tuple[Activity | None, Activity | None]:
    """Create or update the draft and its attendance, then submit it if asked. Returns
    (the record once saved, the record once submitted); errors land on the form."""
    entries, attendance_errors = attendance_from_post(request.POST, form.roster)
    for message in attendance_errors:
        form.add_error(None, message)
    if attendance_errors:
        return None, None
    fields = form.record_fields()
    kinds = form.cleaned_data["kinds"]
    try:
        with transaction.atomic():
            if activity is None:
                activity = services.record_create(
                    actor=request.user, organization=branch, kinds=kinds, **fields
                )
            else:
                activity = services.record_update(
                    actor=request.user, activity=activity, kinds=kinds, **fields
                )
            services.attendance_set(actor=request.user, activity=activity, entries=entries)
    except ValidationError as error:
        add_service_errors(form, error)
        return None, None
    if request.POST.get("action") != "submit":
        return activity, None
    try:
        return activity, services.record_submit(actor=request.user, activity=activity)
    except ValidationError as error:
        add_service_errors(form, error)
        return activity, None


def _record_form(request: HttpRequest, branch: Any, initial: dict, fallback_day: dt.date) -> RecordForm:
    """The record form with the branch's groups and the roster of the day being recorded."""
    day = _held_on(request, fallback_day)
    return RecordForm(
        request.POST or None,
        initial=initial,
        groups=pages.branch_groups(branch),
        roster=pages.roster_on(branch, day),
    )


@login_required
def record_create(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    branch = pages.branch_get(user, code, "change")
    day = _held_on(request, timezone.localdate())
    form = _record_form(request, branch, {"held_on": day}, day)
    if request.method == "POST" and form.is_valid():
        saved, submitted = _save_record(request, form, None, branch)
        if submitted is not None:
            messages.success(request, "已提交，记录已锁定")
            return redirect("orglife:record", submitted.pk)
        if saved is not None and not form.errors:
            messages.success(request, "草稿已保存")
            return redirect("orglife:record", saved.pk)
        if saved is not None:
            # Saved as a draft but not submittable yet: go on from the draft's own form.
            return render(
                request,
                "orglife/record_form.html",
                _form_context(branch, form, {}, activity=saved, title="编辑草稿", posted=request.POST),
            )
    return render(
        request,
        "orglife/record_form.html",
        _form_context(
            branch,
            form,
            {},
            title="新建组织生活记录",
            posted=request.POST if request.method == "POST" else None,
        ),
    )


@login_required
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    activity = pages.record_get(user, pk, "change")
    if activity.status != ActivityStatus.DRAFT or not activity.is_current:
        messages.info(request, "记录已提交，不能修改；如需更正，请使用“更正”")
        return redirect("orglife:record", activity.pk)
    branch = activity.organization
    form = _record_form(request, branch, RecordForm.initial_for(activity), activity.held_on)
    if request.method == "POST" and form.is_valid():
        saved, submitted = _save_record(request, form, activity, branch)
        if submitted is not None:
            messages.success(request, "已提交，记录已锁定")
            return redirect("orglife:record", submitted.pk)
        if saved is not None and not form.errors:
            messages.success(request, "草稿已保存")
            return redirect("orglife:record", saved.pk)
    return render(
        request,
        "orglife/record_form.html",
        _form_context(
            branch,
            form,
            attendance_initial(activity),
            activity=activity,
            title="编辑草稿",
            posted=request.POST if request.method == "POST" else None,
        ),
    )


@login_required
def record_correct(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    activity = pages.record_get(user, pk, "change")
    if activity.status != ActivityStatus.SUBMITTED or not activity.is_current:
        messages.info(request, "只有已提交的现行版本可以更正")
        return redirect("orglife:record", activity.pk)
    branch = activity.organization
    form = _record_form(request, branch, RecordForm.initial_for(activity), activity.held_on)
    correction = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid() & correction.is_valid():
        entries, attendance_errors = attendance_from_post(request.POST, form.roster)
        for message in attendance_errors:
            form.add_error(None, message)
        if not attendance_errors:
            fields = form.record_fields()
            try:
                new = services.record_correct(
                    actor=user,
                    activity=activity,
                    reason=correction.cleaned_data["correction_reason"],
                    kinds=form.cleaned_data["kinds"],
                    attendance=entries,
                    **fields,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"已提交更正，现为第{new.version}版")
                return redirect("orglife:record", new.pk)
    return render(
        request,
        "orglife/record_form.html",
        _form_context(
            branch,
            form,
            attendance_initial(activity),
            activity=activity,
            correction=correction,
            title=f"更正记录（第{activity.version}版）",
            posted=request.POST if request.method == "POST" else None,
        ),
    )


@login_required
@require_GET
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    activity = pages.record_get(user, pk)
    can_change = path_in_scope(user, "change", activity.organization.path)
    rows = list(activity.attendance.all())
    return render(
        request,
        "orglife/record_detail.html",
        {
            "activity": activity,
            "branch": activity.organization,
            "crumbs": breadcrumb(user, activity.organization),
            "attendance": rows,
            "counts": {
                label: sum(1 for r in rows if r.status == value) for value, label in AttendanceStatus.choices
            },
            "versions": pages.versions_of(activity),
            "can_change": can_change,
            "is_draft": activity.status == ActivityStatus.DRAFT and activity.is_current,
            "attachment_form": AttachmentForm(),
        },
    )


@login_required
@require_POST
def record_submit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = pages.record_get(request.user, pk, "change")
    try:
        services.record_submit(actor=request.user, activity=activity)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"未能提交：{message}")
    else:
        messages.success(request, "已提交，记录已锁定")
    return redirect("orglife:record", activity.pk)


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = pages.record_get(request.user, pk, "change")
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                actor=request.user,
                activity=activity,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"已上传“{form.cleaned_data['file'].name}”")
            return redirect("orglife:record", activity.pk)
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, f"附件未上传：{message}")
    return redirect("orglife:record", activity.pk)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = pages.attachment_get(request.user, pk)
    try:
        stream = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("附件文件已不存在") from error
    inline = attachment.content_type.startswith("image/")
    return FileResponse(
        stream,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


# --- compliance ---------------------------------------------------------------------------


def _report(
    request: HttpRequest, code: str, action: str = "view", failing_limit: int | None = FAILING_LIST_LIMIT
) -> tuple[Any, dict[str, Any], PeriodForm]:
    organization = organization_get(request.user, code, action)
    today = timezone.localdate()
    period_form = PeriodForm(request.GET or None, today=today)
    year, quarter = period_form.period()
    report = compliance_report(
        organization=organization,
        window=window_for(year, quarter),
        today=today,
        source=AUTO,
        failing_limit=failing_limit,
    )
    return organization, report, period_form


@login_required
@require_GET
def compliance_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    organization, report, period_form = _report(request, code)
    year = report["period"]["year"]
    is_branch = organization.kind in BRANCH_KINDS
    charts = pages.monthly_figures(organization, year, timezone.localdate(), source=AUTO)
    return render(
        request,
        "orglife/compliance.html",
        {
            "org": organization,
            "crumbs": breadcrumb(user, organization),
            "report": report,
            "is_branch": is_branch,
            "period_form": period_form,
            "status_labels": STATUS_LABELS,
            "charts": charts,
            "sector_rows": [
                (Sector(code).label if code in Sector.values else code, row)
                for code, row in report.get("sectors", {}).items()
            ],
            "query": request.GET.urlencode(),
            "can_export": path_in_scope(user, "export", organization.path),
        },
    )


@login_required
@require_GET
def compliance_export(request: HttpRequest, code: str) -> HttpResponse:
    # The workbook lists every failing branch, however many.
    organization, report, _ = _report(request, code, "export", failing_limit=None)
    content = compliance_workbook(report)
    response = HttpResponse(content, content_type=XLSX)
    filename = f"{organization.code}-组织生活落实情况-{report['period']['label']}.xlsx"
    response["Content-Disposition"] = _disposition(filename)
    return response


def _disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise Http404("年度无效")
    return year


@login_required
@require_GET
def minute_book(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    branch = pages.branch_get(user, code)
    year = _year(request)
    records = pages.minute_book(branch, year, user)
    return render(
        request,
        "orglife/minute_book.html",
        {
            "branch": branch,
            "year": year,
            "records": records,
            "can_export": path_in_scope(user, "export", branch.path),
        },
    )


@login_required
@require_GET
def minute_book_export(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    branch = pages.branch_get(user, code, "export")
    require(user, "export", branch)
    year = _year(request)
    records = pages.minute_book(branch, year, user)
    content = minute_book_workbook(records, f"{branch.name} {year}年组织生活记录")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = _disposition(f"{branch.code}-{year}年会议记录.xlsx")
    return response


@login_required
@require_GET
def minute_book_pdf_export(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    branch = pages.branch_get(user, code, "export")
    year = _year(request)
    records = pages.minute_book(branch, year, user)
    content = minute_book_pdf(records, branch.name, year)
    access_log_record(
        actor=user,
        kind=AccessLog.Kind.EXPORT,
        obj=branch,
        organization=branch,
        detail={"导出": f"{year}年组织生活会议记录（PDF）", "记录数": len(records)},
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = _disposition(f"{branch.code}-{year}年会议记录.pdf")
    return response


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The start of the section: the user's own branch, or the top of the reach's dashboard."""
    roots = scope_roots(request.user, "view")
    if not roots:
        raise PermissionDenied("您没有查看组织生活的权限")
    top = roots[0]
    if top.kind in BRANCH_KINDS:
        return redirect("orglife:calendar", top.code)
    return redirect(reverse("orglife:compliance", args=[top.code]))
