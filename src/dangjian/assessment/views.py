"""Standardization pages: a branch's year (start, self-check item by item, submit), the
superior's item-by-item assessment with sign-off, and the class distribution per child with
drill-down. Reads go through restricted querysets and `assessment.selectors` (out of reach is
a 404); every write goes through `assessment.services`, whose Chinese errors land on fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import add_service_errors
from dangjian.core.restrict import path_in_scope
from dangjian.io.writers import table_workbook, xlsx_response
from dangjian.ledger.choices import ItemStatus
from dangjian.ledger.rules import share_percent as rules_share
from dangjian.orgs.choices import BRANCH_KINDS, OrgStatus
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import breadcrumb, organization_get, scope_roots

from . import selectors, services
from .checklist_io import template_workbook
from .choices import AssessmentStatus, Grade, GradeChange, ScoringMethod
from .forms import (
    ChecklistItemForm,
    RectificationRowForm,
    ScoreForm,
    SelfCheckEntryForm,
    SignOffForm,
    TemplateCopyForm,
    TemplateImportForm,
    TemplateSettingsForm,
    WeakCategoryForm,
    WeakIdentifyForm,
)
from .models import Assessment, AssessmentEntry, ChecklistTemplate, WeakOrganization


def _valid_year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise Http404("年度无效")
    return year


def _branch(user: Any, code: str, action: str = "view") -> Organization:
    organization = organization_get(user, code, action)
    if organization.kind not in BRANCH_KINDS:
        raise Http404("规范化考评按党支部进行")
    return organization


def _assessment(branch: Organization, year: int) -> Assessment | None:
    # The branch was fetched through restrict, so its own assessment is in reach.
    return (
        Assessment.objects.filter(organization=branch, year=year).select_related("template", "ledger").first()
    )


def _entries(assessment: Assessment) -> list[AssessmentEntry]:
    return list(assessment.entries.select_related("item", "rectification").order_by("item__number"))


def _is_superior(user: Any, organization: Organization) -> bool:
    return organization.depth > 1 and path_in_scope(user, "change", organization.parent_path)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    roots = scope_roots(request.user, "view")
    if not roots:
        raise PermissionDenied("您没有查看规范化考评的权限")
    top, year = roots[0], timezone.localdate().year
    if top.kind in BRANCH_KINDS:
        return redirect("assessment:branch", top.code, year)
    return redirect("assessment:distribution", top.code, year)


@login_required
@require_GET
def branch(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The branch's year at a glance: its state, the items and, once confirmed, its class."""
    user = request.user
    organization = _branch(user, code)
    assessment = _assessment(organization, _valid_year(year))
    return render(
        request,
        "assessment/branch.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "year": year,
            "assessment": assessment,
            "entries": _entries(assessment) if assessment else [],
            "template": selectors.template_applicable(organization=organization, year=year),
            "can_change": path_in_scope(user, "change", organization.path),
            "is_superior": _is_superior(user, organization),
        },
    )


@login_required
@require_POST
def start(request: HttpRequest, code: str, year: int) -> HttpResponse:
    organization = _branch(request.user, code, "change")
    try:
        services.assessment_start(actor=request.user, organization=organization, year=_valid_year(year))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"未能开始自查：{message}")
        return redirect("assessment:branch", code, year)
    messages.success(request, f"{year}年规范化自查已开始，请逐项填写")
    return redirect("assessment:self-check", code, year)


@login_required
@require_http_methods(["GET", "POST"])
def self_check(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """体检, item by item. "保存" records every filled item; "提交" then submits, which puts
    every weak or missing item on the rectification ledger."""
    user = request.user
    organization = _branch(user, code, "change")
    assessment = _assessment(organization, _valid_year(year))
    if assessment is None:
        raise Http404("本年度自查尚未开始")
    if assessment.status != AssessmentStatus.DRAFT:
        messages.info(request, "自查已提交")
        return redirect("assessment:branch", code, year)
    entries = _entries(assessment)
    data = request.POST if request.method == "POST" else None
    rows = [
        (
            entry,
            SelfCheckEntryForm(
                data,
                prefix=f"n{entry.item.number}",
                initial={
                    "result": entry.self_result,
                    "evidence": entry.self_evidence,
                    "measure": entry.measure,
                    "responsible_person": entry.responsible_person,
                    "deadline": entry.deadline,
                },
            ),
        )
        for entry in entries
    ]
    problems: list[str] = []
    if data is not None:
        saved_all = True
        for entry, form in rows:
            if not form.is_valid():
                saved_all = False
                continue
            if not form.cleaned_data["result"] and not entry.self_result:
                continue
            try:
                services.self_check_record(
                    actor=user,
                    assessment=assessment,
                    number=entry.item.number,
                    result=form.cleaned_data["result"],
                    evidence=form.cleaned_data["evidence"],
                    measure=form.cleaned_data["measure"],
                    responsible_person=form.cleaned_data["responsible_person"],
                    deadline=form.cleaned_data["deadline"],
                )
            except ValidationError as error:
                saved_all = False
                add_service_errors(form, error, {"number": "result", "status": "result"})
        if saved_all and "submit" in request.POST:
            try:
                services.self_check_submit(actor=user, assessment=assessment)
            except ValidationError as error:
                problems = error.messages
            else:
                messages.success(request, "自查已提交；薄弱、缺失事项已列入整改台账")
                return redirect("assessment:branch", code, year)
        elif saved_all:
            messages.success(request, "自查已保存")
            return redirect("assessment:self-check", code, year)
    return render(
        request,
        "assessment/self_check.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "year": year,
            "assessment": assessment,
            "rows": rows,
            "problems": problems,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """照单考评 by the superior: scores with evidence notes for the manual items, then the
    sign-off, with the class set by hand when a reason is given."""
    user = request.user
    organization = _branch(user, code)
    if not _is_superior(user, organization):
        raise PermissionDenied("考评由上级党组织进行")
    assessment = _assessment(organization, _valid_year(year))
    if assessment is None or assessment.status != AssessmentStatus.SELF_CHECKED:
        messages.info(request, "只有已提交自查、尚未确认的考评可以评分")
        return redirect("assessment:branch", code, year)
    entries = _entries(assessment)
    data = request.POST if request.method == "POST" else None
    rows = [
        (
            entry,
            ScoreForm(
                data,
                prefix=f"s{entry.item.number}",
                initial={"score": entry.score, "evidence": entry.assessor_evidence},
            )
            if entry.item.method == ScoringMethod.MANUAL
            else None,
        )
        for entry in entries
    ]
    sign_off = SignOffForm(data, prefix="sign")
    if data is not None:
        saved_all = True
        for entry, form in rows:
            if form is None:
                continue
            if not form.is_valid():
                saved_all = False
                continue
            if form.cleaned_data["score"] is None:
                continue
            try:
                services.assessment_score(
                    actor=user,
                    assessment=assessment,
                    number=entry.item.number,
                    score=form.cleaned_data["score"],
                    evidence=form.cleaned_data["evidence"],
                )
            except ValidationError as error:
                saved_all = False
                add_service_errors(form, error, {"number": "score", "status": "score"})
        if saved_all and "sign" in request.POST and sign_off.is_valid():
            try:
                services.assessment_sign_off(
                    actor=user,
                    assessment=assessment,
                    grade=sign_off.cleaned_data["grade"],
                    reason=sign_off.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_errors(sign_off, error, {"entries": None, "status": None})
            else:
                messages.success(request, "考评已确认")
                return redirect("assessment:branch", code, year)
        elif saved_all and "sign" not in request.POST:
            messages.success(request, "评分已保存")
            return redirect("assessment:assess", code, year)
    return render(
        request,
        "assessment/assess.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "year": year,
            "assessment": assessment,
            "rows": rows,
            "sign_off": sign_off,
        },
    )


@login_required
@require_GET
def distribution(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Confirmed classes under each child of a committee, with 晋位/持平/降级; a child
    committee drills down, a branch opens its own year."""
    user = request.user
    organization = organization_get(user, code)
    if organization.kind in BRANCH_KINDS:
        return redirect("assessment:branch", code, year)
    rows = selectors.grade_distribution(user=user, organization=organization, year=_valid_year(year))
    grades = list(Grade)
    table = [
        (
            row,
            [row.by_grade.get(grade.value, 0) for grade in grades],
            [row.changes.get(change.value, 0) for change in GradeChange],
            [row.by_stars.get(n, 0) for n in STAR_COLUMNS],
        )
        for row in rows
    ]
    totals = [sum(row.by_grade.get(grade.value, 0) for row in rows) for grade in grades]
    star_totals = [(n, sum(row.by_stars.get(n, 0) for row in rows)) for n in STAR_COLUMNS]
    return render(
        request,
        "assessment/distribution.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "year": year,
            "grades": grades,
            "changes": list(GradeChange),
            "table": table,
            "summary": list(zip(grades, totals, strict=True)),
            "graded": sum(totals),
            # Star columns only where some branch was rated (评星晋级, community by default).
            "star_totals": star_totals if any(n for _, n in star_totals) else [],
        },
    )


STAR_COLUMNS = (5, 4, 3, 2, 1)
PLAN_ROWS = 5


def _weak_page_context(user: Any, organization: Organization, year: int, category: str) -> dict[str, Any]:
    records = list(
        selectors.weak_organizations(user=user, year=year)
        .filter(organization__path__startswith=organization.path)
        .annotate(
            item_count=Count("ledger__items"),
            open_count=Count("ledger__items", filter=~Q(ledger__items__status=ItemStatus.CLOSED)),
        )
    )
    if category:
        records = [r for r in records if category in r.categories]
    labels = selectors.weak_category_labels(organization)
    rows = [
        (
            record,
            [labels.get(c, c) for c in record.categories],
            _is_superior(user, record.organization),
            path_in_scope(user, "change", record.organization.path),
        )
        for record in records
    ]
    candidates = selectors.weak_candidates(user=user, year=year).filter(
        organization__path__startswith=organization.path
    )
    return {
        "rows": rows,
        "candidates": candidates,
        "categories": list(labels.items()),
        "category": category,
    }


@login_required
@require_GET
def weak_list(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """软弱涣散: the organizations identified under this level, filterable by problem category,
    and the 四类 results of the year not yet on the list."""
    user = request.user
    organization = organization_get(user, code)
    category = request.GET.get("category", "")
    if category and category not in selectors.weak_category_labels(organization):
        category = ""
    return render(
        request,
        "assessment/weak_list.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "year": _valid_year(year),
            **_weak_page_context(user, organization, year, category),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def weak_identify(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The superior names a weak organization: its problem categories, the leader in charge
    (包联) and the rectification plan, item by item."""
    user = request.user
    organization = organization_get(user, code)
    if not _is_superior(user, organization):
        raise PermissionDenied("软弱涣散党组织由上级党组织确定")
    data = request.POST if request.method == "POST" else None
    _owner, choices = selectors.weak_categories_for(organization)
    form = WeakIdentifyForm(data, prefix="weak", categories=[(c.code, c.label) for c in choices if c.active])
    plan = [RectificationRowForm(data, prefix=f"p{n}") for n in range(1, PLAN_ROWS + 1)]
    if data is not None and form.is_valid() and all(row.is_valid() for row in plan):
        items = [
            services.RectificationSpec(
                problem=row.cleaned_data["problem"],
                measure=row.cleaned_data["measure"],
                responsible_person=row.cleaned_data["responsible_person"],
                deadline=row.cleaned_data["deadline"],
            )
            for row in plan
            if not row.is_blank()
        ]
        try:
            services.weak_org_identify(
                actor=user,
                organization=organization,
                year=_valid_year(year),
                categories=form.cleaned_data["categories"],
                leader_name=form.cleaned_data["leader_name"],
                items=items,
            )
        except ValidationError as error:
            add_service_errors(form, error, {"organization": None, "items": None})
        else:
            messages.success(request, f"已将“{organization.name}”列为{year}年软弱涣散党组织，整顿台账已建立")
            parent = Organization.objects.get(path=organization.parent_path)
            return redirect("assessment:weak", parent.code, year)
    return render(
        request,
        "assessment/weak_identify.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "year": year,
            "form": form,
            "plan": plan,
        },
        status=400 if data is not None else 200,
    )


def _weak_record(request: HttpRequest, pk: int) -> WeakOrganization:
    found = (
        WeakOrganization.objects.restrict(request.user, "view")
        .select_related("organization")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("记录不存在或不在授权范围内")
    return found


def _weak_action(request: HttpRequest, pk: int, write: Any, success: str) -> HttpResponse:
    record = _weak_record(request, pk)
    try:
        write(record)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success.format(name=record.organization.name))
    back = request.POST.get("back", "")
    if back and Organization.objects.restrict(request.user, "view").filter(code=back).exists():
        return redirect("assessment:weak", back, record.year)
    return redirect("assessment:weak", record.organization.code, record.year)


@login_required
@require_POST
def weak_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    return _weak_action(
        request,
        pk,
        lambda record: services.weak_org_recheck_request(actor=request.user, record=record),
        "“{name}”已申请复查，待上级验收销号",
    )


@login_required
@require_POST
def weak_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _weak_action(
        request,
        pk,
        lambda record: services.weak_org_close(actor=request.user, record=record),
        "“{name}”复查合格，已销号",
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def _templates_page(request: HttpRequest, organization: Organization, import_form: Any, status: int = 200):
    user = request.user
    rows = (
        selectors.templates_relevant(user=user)
        .filter(
            Q(owner__path__in=selectors.ancestor_paths(organization))
            | Q(owner__path__startswith=organization.path)
        )
        .select_related("owner")
        .annotate(item_count=Count("items"), points=Sum("items__points"))
        .order_by("-year", "owner__path", "sector")
    )
    can_manage = organization.kind not in BRANCH_KINDS and path_in_scope(
        user, "manage_orgs", organization.path
    )
    return render(
        request,
        "assessment/templates.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "templates": rows,
            "can_manage": can_manage,
            "import_form": import_form,
            "year": timezone.localdate().year,
        },
        status=status,
    )


@login_required
@require_GET
def templates(request: HttpRequest, code: str) -> HttpResponse:
    """The checklists that apply at this level: set here, above, or below it."""
    organization = organization_get(request.user, code)
    return _templates_page(request, organization, TemplateImportForm(prefix="imp"))


@login_required
@require_POST
def templates_install(request: HttpRequest, code: str) -> HttpResponse:
    organization = organization_get(request.user, code, "manage_orgs")
    year = timezone.localdate().year
    try:
        created = services.checklist_defaults_install(actor=request.user, owner=organization, year=year)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, f"已安装{len(created)}份默认清单" if created else f"{year}年的默认清单都已存在"
        )
    return redirect("assessment:templates", code)


@login_required
@require_POST
def templates_import(request: HttpRequest, code: str) -> HttpResponse:
    organization = organization_get(request.user, code, "manage_orgs")
    form = TemplateImportForm(request.POST, request.FILES, prefix="imp")
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            template = services.checklist_template_import(
                actor=request.user,
                owner=organization,
                sector=form.cleaned_data["sector"],
                year=form.cleaned_data["year"],
                name=form.cleaned_data["name"],
                stream=upload,
                filename=upload.name,
            )
        except ValidationError as error:
            add_service_errors(form, error, {"file": "file", "owner": None, "__all__": None})
        else:
            messages.success(request, f"已导入“{template.name}”，共{template.items.count()}项")
            return redirect("assessment:template", template.pk)
    return _templates_page(request, organization, form, status=400)


def _template(request: HttpRequest, pk: int) -> ChecklistTemplate:
    found = selectors.templates_relevant(user=request.user).select_related("owner").filter(pk=pk).first()
    if found is None:
        raise Http404("清单不存在或不在授权范围内")
    return found


def _template_page(request: HttpRequest, template: ChecklistTemplate, bound: dict | None = None):
    user = request.user
    bound = bound or {}
    editable = (
        path_in_scope(user, "manage_orgs", template.owner.path)
        and not template.assessments.filter(status=AssessmentStatus.SIGNED).exists()
    )
    items = list(template.items.order_by("number"))
    rows = [
        (
            item,
            bound.get(item.number)
            or (
                ChecklistItemForm(
                    prefix=f"i{item.number}",
                    initial={f: getattr(item, f) for f in services.ITEM_FIELDS},
                )
                if editable
                else None
            ),
        )
        for item in items
    ]
    return render(
        request,
        "assessment/template.html",
        {
            "template": template,
            "organization": template.owner,
            "crumbs": breadcrumb(user, template.owner)
            if path_in_scope(user, "view", template.owner.path)
            else [],
            "rows": rows,
            "editable": editable,
            "can_copy": path_in_scope(user, "manage_orgs", template.owner.path),
            "copy_form": bound.get("copy")
            or TemplateCopyForm(prefix="copy", initial={"year": template.year + 1}),
            "settings_form": (
                bound.get("settings")
                or TemplateSettingsForm(
                    prefix="set",
                    initial={f: getattr(template, f) for f in services.TEMPLATE_SETTING_FIELDS}
                    | {"star_lines": "、".join(template.star_lines)},
                )
            )
            if editable or "settings" in bound
            else None,
            "total": sum((item.points for item in items), Decimal(0)),
        },
        status=400 if bound else 200,
    )


@login_required
@require_GET
def template(request: HttpRequest, pk: int) -> HttpResponse:
    return _template_page(request, _template(request, pk))


@login_required
@require_POST
def template_item(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    found = _template(request, pk)
    item = found.items.filter(number=number).first()
    if item is None:
        raise Http404("清单中没有该事项")
    form = ChecklistItemForm(request.POST, prefix=f"i{number}")
    if form.is_valid():
        try:
            services.checklist_item_update(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, {"template": None})
        else:
            messages.success(request, f"第{number}项已保存")
            return redirect("assessment:template", pk)
    return _template_page(request, found, {number: form})


@login_required
@require_POST
def template_copy(request: HttpRequest, pk: int) -> HttpResponse:
    found = _template(request, pk)
    form = TemplateCopyForm(request.POST, prefix="copy")
    if form.is_valid():
        try:
            copy = services.checklist_template_copy(
                actor=request.user, template=found, year=form.cleaned_data["year"]
            )
        except ValidationError as error:
            add_service_errors(form, error, {"owner": None, "template": None, "__all__": "year"})
        else:
            messages.success(request, f"已复制为{copy.year}年版本")
            return redirect("assessment:template", copy.pk)
    return _template_page(request, found, {"copy": form})


@login_required
@require_GET
def template_export(request: HttpRequest, pk: int) -> HttpResponse:
    found = _template(request, pk)
    response = HttpResponse(template_workbook(found, request.user), content_type=XLSX)
    response["Content-Disposition"] = _disposition(f"{found.name}-{found.year}.xlsx")
    return response


RESULT_HEADER = [
    "党组织",
    "代码",
    "单位属性",
    "状态",
    "自查日期",
    "得分",
    "总分",
    "得分率（%）",
    "类别",
    "上年类别",
    "晋位升级",
    "定级说明",
    "确认日期",
    "星级",
    "上年星级",
    "评星晋级",
]


def _result_rows(rows: Any) -> list[list[Any]]:
    return [
        [
            a.organization.name,
            a.organization.code,
            a.organization.get_sector_display(),
            a.get_status_display(),
            a.self_checked_on,
            a.total_score,
            a.max_score,
            a.percent,
            a.get_grade_display() if a.grade else "",
            a.get_previous_grade_display() if a.previous_grade else "",
            a.get_grade_change_display() if a.grade_change else "",
            a.grade_reason,
            a.signed_on,
            a.stars,
            a.previous_stars,
            a.get_star_change_display() if a.star_change else "",
        ]
        for a in rows
    ]


@login_required
@require_GET
def results_export(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Every branch's result of the year under this level, one row each."""
    user = request.user
    organization = organization_get(user, code)
    if not path_in_scope(user, "export", organization.path):
        raise PermissionDenied("您没有导出数据的权限")
    rows = selectors.assessments_of_year(user=user, year=_valid_year(year), organization=organization)
    title = f"{organization.name} {year}年规范化建设考评结果"
    content = table_workbook(
        actor=user,
        title=title,
        header=RESULT_HEADER,
        rows=_result_rows(rows),
        widths=[28, 12, 10, 14, 12, 8, 8, 10, 8, 8, 8, 24, 12, 8, 8, 8],
    )
    return xlsx_response(content, f"{title}.xlsx")


@login_required
@require_GET
def year_report(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The year-end assessment of a township (or any committee) as a printable report: the class
    distribution and its change, every branch's result, the targets at this level, the weak
    organizations and the rectification ledgers' close-out. A constant number of queries."""
    from dangjian.ledger import selectors as ledger_selectors
    from dangjian.ledger.models import LedgerItem

    user = request.user
    organization = organization_get(user, code)
    if organization.kind in BRANCH_KINDS:
        return redirect("assessment:branch", code, year)
    year = _valid_year(year)
    results = list(selectors.assessments_of_year(user=user, year=year, organization=organization))
    signed = [a for a in results if a.status == AssessmentStatus.SIGNED]
    grades = [(grade, sum(1 for a in signed if a.grade == grade.value)) for grade in Grade]
    changes = [(change, sum(1 for a in signed if a.grade_change == change.value)) for change in GradeChange]
    # 评星晋级 applies to the branches whose checklist rates stars (communities by default).
    star_counts = [(n, sum(1 for a in signed if a.stars == n)) for n in range(5, 0, -1)]
    branches = (
        Organization.objects.restrict(user, "view")
        .filter(path__startswith=organization.path, kind__in=BRANCH_KINDS, status=OrgStatus.ACTIVE)
        .count()
    )
    targets = list(ledger_selectors.targets_at_level(user=user, level=organization, year=year))
    progress = ledger_selectors.targets_progress_at_level(
        user=user, targets=targets, level=organization, year=year, laggards_shown=10
    )
    today = timezone.localdate()
    ledger_figures = (
        LedgerItem.objects.restrict(user, "view")
        .filter(ledger__organization__path__startswith=organization.path, ledger__year=year)
        .aggregate(
            total=Count("id"),
            closed=Count("id", filter=Q(status=ItemStatus.CLOSED)),
            overdue=Count("id", filter=~Q(status=ItemStatus.CLOSED) & Q(deadline__lt=today)),
        )
    )
    weak = list(
        selectors.weak_organizations(user=user, year=year).filter(
            organization__path__startswith=organization.path
        )
    )
    labels = selectors.weak_category_labels(organization)
    return render(
        request,
        "assessment/year_report.html",
        {
            "organization": organization,
            "year": year,
            "today": today,
            "results": results,
            "signed": len(signed),
            "branches": branches,
            "grades": grades,
            "changes": changes,
            "star_counts": star_counts if any(n for _, n in star_counts) else [],
            "one_two_share": rules_share(sum(n for g, n in grades if g.value <= 2), len(signed)),
            "progress": progress,
            "ledger": ledger_figures,
            "weak": [(w, "；".join(labels.get(c, c) for c in w.categories)) for w in weak],
        },
    )


@login_required
@require_POST
def template_settings(request: HttpRequest, pk: int) -> HttpResponse:
    found = _template(request, pk)
    form = TemplateSettingsForm(request.POST, prefix="set")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.checklist_template_update(
                actor=request.user,
                template=found,
                name=data["name"],
                bands=(data["grade_one_min"], data["grade_two_min"], data["grade_three_min"]),
                grade_basis=data["grade_basis"] or None,
                five_goods=form.five_goods(),
                # Absent from an older client's form: the star lines stay as they are.
                star_lines=data["star_lines"] if "set-star_lines" in request.POST else None,
            )
        except ValidationError as error:
            add_service_errors(
                form,
                error,
                {
                    "bands": None,
                    "template": None,
                    "five_goods": None,
                    "grade_basis": "grade_basis",
                    "star_lines": "star_lines",
                },
            )
        else:
            messages.success(request, "清单名称和定级办法已保存")
            return redirect("assessment:template", pk)
    return _template_page(request, found, {"settings": form})


def _export_scope(request: HttpRequest, code: str) -> Organization:
    organization = organization_get(request.user, code)
    if not path_in_scope(request.user, "export", organization.path):
        raise PermissionDenied("您没有导出数据的权限")
    return organization


@login_required
@require_GET
def distribution_export(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The class distribution per child, as on the page."""
    user = request.user
    organization = _export_scope(request, code)
    rows = selectors.grade_distribution(user=user, organization=organization, year=_valid_year(year))
    title = f"{organization.name} {year}年分类定级分布"
    content = table_workbook(
        actor=user,
        title=title,
        header=[
            "下级组织",
            *[g.label for g in Grade],
            *[c.label for c in GradeChange],
            "已定级",
            *[f"{n}星" for n in STAR_COLUMNS],
        ],
        rows=[
            [
                row.organization.name,
                *[row.by_grade.get(g.value, 0) for g in Grade],
                *[row.changes.get(c.value, 0) for c in GradeChange],
                row.graded,
                *[row.by_stars.get(n, 0) for n in STAR_COLUMNS],
            ]
            for row in rows
        ],
        widths=[28, 8, 8, 8, 8, 8, 8, 8, 8, 8, 6, 6, 6, 6, 6],
    )
    return xlsx_response(content, f"{title}.xlsx")


@login_required
@require_GET
def weak_export(request: HttpRequest, code: str, year: int) -> HttpResponse:
    user = request.user
    organization = _export_scope(request, code)
    context = _weak_page_context(user, organization, _valid_year(year), "")
    title = f"{organization.name} {year}年软弱涣散党组织整顿台账"
    content = table_workbook(
        actor=user,
        title=title,
        header=["党组织", "问题类别", "包联领导", "确定日期", "整改事项", "未销号", "状态", "销号日期"],
        rows=[
            [
                record.organization.name,
                "；".join(labels),
                record.leader_name,
                record.identified_on,
                record.item_count,
                record.open_count,
                record.get_status_display(),
                record.closed_on,
            ]
            for record, labels, _superior, _change in context["rows"]
        ],
        widths=[28, 40, 12, 12, 8, 8, 12, 12],
    )
    return xlsx_response(content, f"{title}.xlsx")


@login_required
@require_GET
def secretary(request: HttpRequest, pk: int) -> HttpResponse:
    """A secretary's summary for the evaluation: the branch's class, stars and their change by
    year while the member held the post, open rectification items and weak-organization status."""
    from dangjian.members.selectors import member_get

    user = request.user
    member = member_get(user, pk)
    return render(
        request,
        "assessment/secretary.html",
        {
            "member": member,
            "crumbs": breadcrumb(user, member.organization),
            "branches": selectors.secretary_summary(user=user, member=member),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def weak_categories(request: HttpRequest, code: str) -> HttpResponse:
    """The problem categories of the weak-organization screening that apply at this level;
    a county (or township) administrator adds categories, rewords them or stops using them."""
    user = request.user
    organization = organization_get(user, code)
    can_edit = organization.kind not in BRANCH_KINDS and path_in_scope(user, "manage_orgs", organization.path)
    form = WeakCategoryForm(prefix="cat")
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("只有本级组织部门管理员可以修改问题类别")
        form = WeakCategoryForm(request.POST, prefix="cat")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.weak_category_save(
                    actor=user,
                    owner=organization,
                    code=data["code"],
                    label=data["label"],
                    active=data["active"],
                )
            except ValidationError as error:
                add_service_errors(form, error, {"owner": None})
            else:
                messages.success(request, f"问题类别“{data['label'].strip()}”已保存")
                return redirect("assessment:weak-categories", code)
        status = 400
    owner, choices = selectors.weak_categories_for(organization)
    return render(
        request,
        "assessment/weak_categories.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "owner": owner,
            "choices": choices,
            "can_edit": can_edit,
            "form": form,
            "year": timezone.localdate().year,
        },
        status=status,
    )
