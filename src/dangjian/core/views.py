"""Error pages in Chinese (a user never sees a stack trace) and the audit-log page."""

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.io.writers import table_workbook, xlsx_response
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import scope_roots

from . import selectors
from .audit import access_log_record
from .forms import AuditFilterForm
from .models import AccessLog

PAGE_SIZE = 50


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(
        request, "error.html", {"status": status, "title": title, "message": message}, status=status
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "请求有误", "请求的内容不完整或格式不对，请返回重试。")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "您没有权限访问此页面。"
    return _error(request, 403, "无权访问", message)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "页面不存在", "您要找的页面不存在，或不在您的授权范围内。")


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "系统出错", "系统暂时出错，已记录。请稍后重试，或联系管理员。")


def _audit_records(request: HttpRequest) -> tuple[AuditFilterForm, bool, Any]:
    """The filter form, which log, and its records in the user's audit reach, filtered."""
    if not selectors.can_audit(request.user):
        raise PermissionDenied("只有审计员可以查看操作记录和访问记录。")
    access = request.GET.get("log") == "access"
    action_choices = (
        list(AccessLog.Kind.choices)
        if access
        else sorted(selectors.ACTION_LABELS.items(), key=lambda c: c[0])
    )
    form = AuditFilterForm(
        request.GET or None,
        action_choices=action_choices,
        object_type_choices=list(selectors.OBJECT_TYPE_LABELS.items()),
    )
    records = selectors.access_logs(request.user) if access else selectors.audit_events(request.user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            records = records.filter(actor_name__icontains=data["actor"].strip())
        if data["action"]:
            records = records.filter(**{"kind" if access else "action": data["action"]})
        if data["object_type"]:
            records = records.filter(object_type=data["object_type"])
        if data["outcome"]:
            records = records.filter(outcome=data["outcome"])
        if data["org"]:
            organization = Organization.objects.filter(code=data["org"].strip()).only("path").first()
            # The records are already restricted; an unknown or foreign code only empties the list.
            records = (
                records.filter(organization__path__startswith=organization.path)
                if organization
                else records.none()
            )
        if data["date_from"]:
            records = records.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            records = records.filter(at__date__lte=data["date_to"])
    elif form.is_bound:
        records = records.none()
    return form, access, records.order_by("-at", "-id")


@login_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    """操作记录 and 访问记录 of the organizations under the user's `audit` grants."""
    form, access, records = _audit_records(request)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = page.object_list if access else selectors.describe_events(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit.html",
        {
            "form": form,
            "access": access,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "kind_labels": dict(AccessLog.Kind.choices),
        },
    )


# An export is for an inspection, not a backup of the log (that is `dangjian backup`).
AUDIT_EXPORT_LIMIT = 50_000


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered 操作记录 or 访问记录 as .xlsx; the export itself goes to the access log."""
    _, access, records = _audit_records(request)
    records = list(records[:AUDIT_EXPORT_LIMIT])
    title = "访问记录" if access else "操作记录"
    if access:
        kinds = dict(AccessLog.Kind.choices)
        header = ["时间", "用户", "类型", "结果", "对象类型", "对象", "党组织", "来源地址", "详情"]
        rows = [
            [
                timezone.localtime(log.at).strftime("%Y-%m-%d %H:%M:%S"),
                log.actor_name,
                kinds.get(log.kind, log.kind),
                log.get_outcome_display(),
                log.object_type,
                log.object_repr,
                log.organization.name if log.organization else "",
                log.remote_addr or "",
                json.dumps(log.detail, ensure_ascii=False) if log.detail else "",
            ]
            for log in records
        ]
    else:
        header = [
            "时间",
            "操作人",
            "操作",
            "结果",
            "对象类型",
            "对象",
            "党组织",
            "来源地址",
            "变更前",
            "变更后",
        ]
        rows = [
            [
                timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                event.actor_name,
                event.action_label,
                event.get_outcome_display(),
                event.object_type_label,
                event.object_repr,
                event.organization.name if event.organization else "",
                event.remote_addr or "",
                json.dumps(event.before, ensure_ascii=False) if event.before else "",
                json.dumps(event.after, ensure_ascii=False) if event.after else "",
            ]
            for event in selectors.describe_events(records)
        ]
    roots = scope_roots(request.user, "audit")
    access_log_record(
        actor=request.user,
        kind=AccessLog.Kind.EXPORT,
        organization=roots[0] if roots else None,
        detail={
            "table": "access_log" if access else "audit_event",
            "rows": len(rows),
            "filters": request.GET.dict(),
        },
    )
    content = table_workbook(
        actor=request.user, title=title, header=header, rows=rows, widths=(20, 14, 18, 8, 12, 30, 20, 16)
    )
    return xlsx_response(content, f"{title}-{timezone.localdate():%Y%m%d}.xlsx")
