"""Error pages in Chinese (a user never sees a stack trace) and the audit-log page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dangjian.orgs.models import Organization

from . import selectors
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


@login_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    """操作记录 and 访问记录 of the organizations under the user's `audit` grants."""
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
    page = Paginator(records.order_by("-at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
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
