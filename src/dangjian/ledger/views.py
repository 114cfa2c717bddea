"""Ledger pages: the rectification ledgers under an organization, one ledger with its items
(progress notes, close request, the superior's approve or return), dispatch sheets with the
recipients' progress and a respond form, and the year's targets at a level with its children.
Reads go through restricted querysets and `ledger.selectors` (out of reach is a 404); every
write goes through `ledger.services`, whose Chinese errors are shown on the fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import add_service_errors
from dangjian.core.restrict import path_in_scope
from dangjian.io.writers import table_workbook, xlsx_response
from dangjian.orgs.selectors import breadcrumb, organization_get, scope_roots

from . import rules, selectors, services
from .choices import ItemStatus, RecipientStatus
from .forms import (
    CloseRequestForm,
    DispatchSheetForm,
    ProgressNoteForm,
    RecipientChoiceForm,
    RespondForm,
    ReturnForm,
    TargetForm,
)
from .models import DispatchRecipient, DispatchSheet, Ledger, LedgerItem, ProgressNote

LAGGARDS_SHOWN = 20


def _last_on_time(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=rules.OVERDUE_FROM_DAYS_AFTER)


def _is_superior(user: Any, organization: Any) -> bool:
    return organization.depth > 1 and path_in_scope(user, "change", organization.parent_path)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    roots = scope_roots(request.user, "view")
    if not roots:
        raise PermissionDenied("您没有查看台账的权限")
    return redirect("ledger:list", roots[0].code)


@login_required
@require_GET
def ledgers(request: HttpRequest, code: str) -> HttpResponse:
    """Every ledger in the organization's subtree with its open and overdue counts: one query."""
    user = request.user
    organization = organization_get(user, code)
    today = timezone.localdate()
    open_statuses = [ItemStatus.OPEN, ItemStatus.CLOSE_REQUESTED]
    rows = (
        Ledger.objects.restrict(user, "view")
        .filter(organization__path__startswith=organization.path)
        .select_related("organization")
        .annotate(
            item_count=Count("items"),
            open_count=Count("items", filter=Q(items__status__in=open_statuses)),
            requested_count=Count("items", filter=Q(items__status=ItemStatus.CLOSE_REQUESTED)),
            overdue_count=Count(
                "items",
                filter=Q(items__status__in=open_statuses, items__deadline__lte=_last_on_time(today)),
            ),
        )
        .order_by("-year", "organization__path", "id")
    )
    overdue = selectors.overdue_items(user=user, today=today, organization=organization)
    return render(
        request,
        "ledger/list.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "ledgers": rows,
            "overdue": overdue[:50],
            "today": today,
            "can_export": path_in_scope(user, "export", organization.path),
        },
    )


def _ledger_page(request: HttpRequest, ledger: Ledger, bound: dict[tuple[int, str], Any] | None = None):
    user = request.user
    bound = bound or {}
    today = timezone.localdate()
    notes = ProgressNote.objects.order_by("noted_on", "id")
    items = list(ledger.items.order_by("number").prefetch_related(Prefetch("notes", queryset=notes)))
    can_change = path_in_scope(user, "change", ledger.organization.path)
    is_superior = _is_superior(user, ledger.organization)
    rows = []
    for item in items:
        forms: dict[str, Any] = {}
        if can_change and item.status == ItemStatus.OPEN:
            forms["note"] = bound.get((item.pk, "note")) or ProgressNoteForm(prefix=f"n{item.pk}")
            forms["close"] = bound.get((item.pk, "close")) or CloseRequestForm(prefix=f"c{item.pk}")
        if is_superior and item.status == ItemStatus.CLOSE_REQUESTED:
            forms["return"] = bound.get((item.pk, "return")) or ReturnForm(prefix=f"r{item.pk}")
            forms["approve"] = bound.get((item.pk, "approve"))
        overdue = item.status != ItemStatus.CLOSED and rules.is_overdue(deadline=item.deadline, today=today)
        rows.append((item, overdue, forms))
    return render(
        request,
        "ledger/ledger.html",
        {
            "ledger": ledger,
            "organization": ledger.organization,
            "crumbs": breadcrumb(user, ledger.organization),
            "rows": rows,
            "is_superior": is_superior,
        },
        status=400 if bound else 200,
    )


@login_required
@require_GET
def ledger(request: HttpRequest, pk: int) -> HttpResponse:
    found = Ledger.objects.restrict(request.user, "view").select_related("organization").filter(pk=pk).first()
    if found is None:
        raise Http404("台账不存在或不在授权范围内")
    return _ledger_page(request, found)


def _item(request: HttpRequest, pk: int) -> LedgerItem:
    item = (
        LedgerItem.objects.restrict(request.user, "view")
        .select_related("ledger__organization")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404("整改事项不存在或不在授权范围内")
    return item


def _done(request: HttpRequest, item: LedgerItem, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("ledger:ledger", item.ledger_id)


def _item_form_action(
    request: HttpRequest,
    item: LedgerItem,
    form: Any,
    slot: str,
    write: Callable[[dict], object],
    success: str,
    field_map: dict,
) -> HttpResponse:
    """A form posted on one item of the ledger page: on success back to the ledger with a
    message, otherwise the ledger page again with this form's Chinese errors in its slot."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, field_map)
        else:
            return _done(request, item, success)
    return _ledger_page(request, item.ledger, {(item.pk, slot): form})


@login_required
@require_POST
def item_note(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return _item_form_action(
        request,
        item,
        ProgressNoteForm(request.POST, prefix=f"n{item.pk}"),
        "note",
        lambda data: services.progress_note_add(
            actor=request.user,
            item=item,
            note=data["note"],
            evidence=data["evidence"],
            noted_on=data["noted_on"],
        ),
        f"第{item.number}项已登记进展",
        {"item": None},
    )


@login_required
@require_POST
def item_close_request(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return _item_form_action(
        request,
        item,
        CloseRequestForm(request.POST, prefix=f"c{item.pk}"),
        "close",
        lambda data: services.ledger_item_close_request(
            actor=request.user, item=item, evidence=data["evidence"]
        ),
        f"第{item.number}项已申请销号，待上级确认",
        {"status": None},
    )


@login_required
@require_POST
def item_approve(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    try:
        services.ledger_item_close_approve(actor=request.user, item=item)
    except ValidationError as error:
        # The other approver's decision already stands: say so and show the item as it is now.
        for message in error.messages:
            messages.error(request, message)
        return redirect("ledger:ledger", item.ledger_id)
    return _done(request, item, f"第{item.number}项已销号")


@login_required
@require_POST
def item_return(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return _item_form_action(
        request,
        item,
        ReturnForm(request.POST, prefix=f"r{item.pk}"),
        "return",
        lambda data: services.ledger_item_close_return(actor=request.user, item=item, reason=data["reason"]),
        f"第{item.number}项已退回",
        {"status": None},
    )


@login_required
@require_GET
def dispatches(request: HttpRequest, code: str) -> HttpResponse:
    """Sheets issued in the subtree with their completion, and tasks received by it: two queries."""
    user = request.user
    organization = organization_get(user, code)
    today = timezone.localdate()
    late = _last_on_time(today)
    issued = (
        DispatchSheet.objects.restrict(user, "view")
        .filter(issuer__path__startswith=organization.path)
        .select_related("issuer")
        .annotate(
            recipient_count=Count("recipients"),
            completed_count=Count("recipients", filter=Q(recipients__status=RecipientStatus.COMPLETED)),
            overdue_count=Count(
                "recipients",
                filter=Q(~Q(recipients__status=RecipientStatus.COMPLETED), recipients__deadline__lte=late)
                | Q(
                    recipients__status=RecipientStatus.COMPLETED,
                    recipients__completed_on__gt=F("recipients__deadline"),
                ),
            ),
        )
        .order_by("-issued_on", "id")
    )
    received = (
        DispatchRecipient.objects.restrict(user, "view")
        .filter(organization__path__startswith=organization.path)
        .exclude(sheet__issuer__path__startswith=organization.path)
        .select_related("sheet__issuer", "organization")
        .order_by("status", "deadline", "id")
    )
    return render(
        request,
        "ledger/dispatches.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "issued": issued,
            "received": [(r, r.status != RecipientStatus.COMPLETED and r.deadline <= late) for r in received],
            "can_change": path_in_scope(user, "change", organization.path),
        },
    )


@login_required
@require_GET
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    found = DispatchSheet.objects.restrict(user, "view").select_related("issuer").filter(pk=pk).first()
    if found is None:
        raise Http404("交办单不存在或不在授权范围内")
    today = timezone.localdate()
    late = _last_on_time(today)
    recipients = (
        DispatchRecipient.objects.restrict(user, "view")
        .filter(sheet=found)
        .select_related("organization")
        .order_by("organization__path")
    )
    rows = [
        (
            r,
            rules.is_overdue(deadline=r.deadline, today=today, done_on=r.completed_on)
            if r.status == RecipientStatus.COMPLETED
            else r.deadline <= late,
        )
        for r in recipients
    ]
    return render(
        request,
        "ledger/sheet.html",
        {
            "sheet": found,
            "crumbs": breadcrumb(user, found.issuer),
            "progress": selectors.dispatch_progress(user=user, sheet=found, today=today),
            "rows": rows,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    """The recipient reports progress or completion of its task."""
    user = request.user
    recipient = (
        DispatchRecipient.objects.restrict(user, "change")
        .select_related("sheet__issuer", "organization")
        .filter(pk=pk)
        .first()
    )
    if recipient is None:
        raise Http404("交办事项不存在或不在授权范围内")
    form = RespondForm(
        request.POST if request.method == "POST" else None, initial={"response": recipient.response}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dispatch_response_record(
                actor=user,
                recipient=recipient,
                response=form.cleaned_data["response"],
                completed=form.cleaned_data["completed"],
            )
        except ValidationError as error:
            add_service_errors(form, error, {"status": None})
        else:
            messages.success(request, "办理情况已保存")
            return redirect("ledger:dispatches", recipient.organization.code)
    return render(
        request,
        "ledger/respond.html",
        {
            "recipient": recipient,
            "crumbs": breadcrumb(user, recipient.organization),
            "form": form,
            "overdue": recipient.status != RecipientStatus.COMPLETED
            and rules.is_overdue(deadline=recipient.deadline, today=timezone.localdate()),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def targets(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The year's targets set at this level or above, computed live over this level's subtree
    and each of its children, with the branches that hold each one back."""
    user = request.user
    organization = organization_get(user, code)
    if not 2000 <= year <= 2100:
        raise Http404("年度无效")
    found = list(selectors.targets_at_level(user=user, level=organization, year=year))
    progress = selectors.targets_progress_at_level(
        user=user, targets=found, level=organization, year=year, laggards_shown=LAGGARDS_SHOWN
    )
    rows = [(p.target, p.total, p.children, p.laggards) for p in progress]
    return render(
        request,
        "ledger/targets.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "year": year,
            "rows": rows,
            "can_set": path_in_scope(user, "manage_orgs", organization.path),
        },
    )


def _recipient_rows(request: HttpRequest, candidates: list[Any], choice: RecipientChoiceForm | None):
    """One row per candidate: picked?, deadline and responsible person as typed (on a POST) or
    from the common values of the selection (on a GET)."""
    post = request.method == "POST"
    common_deadline = choice.cleaned_data.get("deadline") if choice and choice.is_valid() else None
    common_person = choice.cleaned_data.get("responsible_person", "") if choice and choice.is_valid() else ""
    picked = set(request.POST.getlist("pick")) if post else None
    rows = []
    for org in candidates:
        key = str(org.pk)
        rows.append(
            {
                "organization": org,
                "picked": key in picked if picked is not None else True,
                "deadline": request.POST.get(f"deadline-{key}", "") if post else (common_deadline or ""),
                "person": request.POST.get(f"person-{key}", "") if post else common_person,
                "errors": [],
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def dispatch_issue(request: HttpRequest, code: str) -> HttpResponse:
    """交办: choose the recipients (all branches below, a sector, a class of the year, or a list
    of codes), then give each its deadline and responsible person, and issue."""
    user = request.user
    issuer = organization_get(user, code, "change")
    source = request.POST if request.method == "POST" else request.GET
    choice = RecipientChoiceForm(
        source if "mode" in source else None, initial={"year": timezone.localdate().year}
    )
    candidates: list[Any] = []
    if choice.is_bound and choice.is_valid():
        data = choice.cleaned_data
        candidates = list(
            selectors.dispatch_candidates(
                user=user,
                issuer=issuer,
                mode=data["mode"],
                sector=data.get("sector") or "",
                grade=data.get("grade"),
                year=data.get("year"),
                codes=choice.code_list(),
            )
        )
        if not candidates:
            choice.add_error(None, "按此条件没有找到下级党组织")
        elif data["mode"] == "list":
            missing = set(choice.code_list()) - {org.code for org in candidates}
            for missing_code in sorted(missing):
                choice.add_error(
                    "codes", f"党组织代码“{missing_code}”不存在、不在本级以下或不在您的授权范围内"
                )
    sheet_form = DispatchSheetForm(request.POST if request.method == "POST" else None)
    rows = _recipient_rows(request, candidates, choice)
    problems: list[str] = []
    if request.method == "POST" and sheet_form.is_valid() and candidates:
        assignments = []
        for row in rows:
            if not row["picked"]:
                continue
            deadline = parse_date(row["deadline"]) if row["deadline"] else None
            if deadline is None:
                row["errors"].append("请填写有效的办理时限")
                continue
            assignments.append(services.Assignment(row["organization"], deadline, row["person"]))
        if any(row["errors"] for row in rows):
            problems.append("有承办单位的办理时限未填写或无效，请检查标红的行")
        else:
            try:
                sheet = services.dispatch_sheet_issue(
                    actor=user,
                    issuer=issuer,
                    title=sheet_form.cleaned_data["title"],
                    content=sheet_form.cleaned_data["content"],
                    assignments=assignments,
                )
            except ValidationError as error:
                problems.extend(error.messages)
            else:
                messages.success(request, f"已向{len(assignments)}个单位交办“{sheet.title}”")
                return redirect("ledger:sheet", sheet.pk)
    return render(
        request,
        "ledger/dispatch_issue.html",
        {
            "organization": issuer,
            "crumbs": breadcrumb(user, issuer),
            "choice": choice,
            "sheet_form": sheet_form,
            "rows": rows,
            "problems": problems,
        },
        status=400 if request.method == "POST" and (problems or sheet_form.errors or choice.errors) else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def target_new(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """A level's admin sets a target of the year over its subtree."""
    user = request.user
    organization = organization_get(user, code, "manage_orgs")
    if not 2000 <= year <= 2100:
        raise Http404("年度无效")
    form = TargetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.target_set(actor=user, organization=organization, year=year, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"已设定{year}年目标“{form.cleaned_data['name']}”")
            return redirect("ledger:targets", code, year)
    return render(
        request,
        "ledger/target_new.html",
        {"organization": organization, "crumbs": breadcrumb(user, organization), "year": year, "form": form},
        status=400 if form.errors else 200,
    )


def _export_org(request: HttpRequest, code: str) -> Any:
    organization = organization_get(request.user, code)
    if not path_in_scope(request.user, "export", organization.path):
        raise PermissionDenied("您没有导出数据的权限")
    return organization


ITEM_HEADER = [
    "党组织",
    "台账",
    "序号",
    "来源",
    "问题",
    "整改措施",
    "责任人",
    "完成时限",
    "状态",
    "逾期",
    "销号日期",
]
ITEM_WIDTHS = [24, 28, 6, 12, 36, 36, 10, 12, 10, 6, 12]


def _item_rows(items: Any, today: dt.date) -> list[list[Any]]:
    return [
        [
            item.ledger.organization.name,
            item.ledger.title,
            item.number,
            item.get_source_display(),
            item.problem,
            item.measure,
            item.responsible_person,
            item.deadline,
            item.get_status_display(),
            item.status != ItemStatus.CLOSED and rules.is_overdue(deadline=item.deadline, today=today),
            item.closed_on,
        ]
        for item in items
    ]


@login_required
@require_GET
def ledgers_export(request: HttpRequest, code: str) -> HttpResponse:
    """Every ledger item of the subtree (the ledger pages as one table); `?overdue=1` is the
    通报 of overdue items only."""
    organization = _export_org(request, code)
    today = timezone.localdate()
    if request.GET.get("overdue") == "1":
        items = selectors.overdue_items(user=request.user, today=today, organization=organization)
        title = f"{organization.name} 逾期未销号整改事项通报（截至{today:%Y-%m-%d}）"
    else:
        items = (
            LedgerItem.objects.restrict(request.user, "view")
            .filter(ledger__organization__path__startswith=organization.path)
            .select_related("ledger__organization")
            .order_by("-ledger__year", "ledger__organization__path", "ledger_id", "number")
        )
        title = f"{organization.name} 整改台账（截至{today:%Y-%m-%d}）"
    content = table_workbook(
        actor=request.user, title=title, header=ITEM_HEADER, rows=_item_rows(items, today), widths=ITEM_WIDTHS
    )
    return xlsx_response(content, f"{title}.xlsx")


@login_required
@require_GET
def sheet_export(request: HttpRequest, pk: int) -> HttpResponse:
    found = (
        DispatchSheet.objects.restrict(request.user, "view").select_related("issuer").filter(pk=pk).first()
    )
    if found is None:
        raise Http404("交办单不存在或不在授权范围内")
    _export_org(request, found.issuer.code)
    today = timezone.localdate()
    recipients = (
        DispatchRecipient.objects.restrict(request.user, "view")
        .filter(sheet=found)
        .select_related("organization")
        .order_by("organization__path")
    )
    rows = [
        [
            r.organization.name,
            r.deadline,
            r.responsible_person,
            r.get_status_display(),
            r.response,
            r.completed_on,
            rules.is_overdue(deadline=r.deadline, today=today, done_on=r.completed_on),
        ]
        for r in recipients
    ]
    title = f"{found.issuer.name} 交办单：{found.title}（{found.issued_on:%Y-%m-%d}）"
    content = table_workbook(
        actor=request.user,
        title=title,
        header=["承办单位", "办理时限", "责任人", "办理状态", "办理情况", "办结日期", "逾期"],
        rows=rows,
        widths=[28, 12, 10, 10, 40, 12, 6],
    )
    return xlsx_response(content, f"交办单-{found.pk}.xlsx")


@login_required
@require_GET
def targets_export(request: HttpRequest, code: str, year: int) -> HttpResponse:
    organization = _export_org(request, code)
    found = list(selectors.targets_at_level(user=request.user, level=organization, year=year))
    progress = selectors.targets_progress_at_level(
        user=request.user, targets=found, level=organization, year=year, laggards_shown=LAGGARDS_SHOWN
    )
    rows = []
    for item in progress:
        target = item.target
        for row in [item.total, *item.children]:
            rows.append(
                [
                    target.name,
                    f"{target.get_comparison_display()}{target.threshold}",
                    row.organization.name,
                    row.numerator,
                    row.denominator,
                    row.value,
                    row.met,
                ]
            )
    title = f"{organization.name} {year}年目标完成情况"
    content = table_workbook(
        actor=request.user,
        title=title,
        header=["目标", "要求", "单位", "计数", "基数", "数值", "达标"],
        rows=rows,
        widths=[32, 12, 28, 8, 8, 8, 6],
    )
    return xlsx_response(content, f"{title}.xlsx")
