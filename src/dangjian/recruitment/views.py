"""Recruitment pages: the candidates of an organization's subtree with the pool by stage, a
candidate's timeline, the form recording the next step and the form adding an applicant.
Reads go through `recruitment.selectors` (scoped by `restrict`, out of reach is a 404);
writes go through `recruitment.services`, which check the reach again and judge the rules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.core.forms import add_service_errors
from dangjian.core.restrict import path_in_scope
from dangjian.members.choices import Category, MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.choices import BRANCH_KINDS
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import breadcrumb, organization_get, scope_roots

from . import selectors, services
from .choices import Step
from .forms import STEP_EXTRA_FIELDS, CandidateFilterForm, CandidateForm, PlanForm, StepForm
from .models import Candidate


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    roots = scope_roots(request.user, "view")
    if not roots:
        raise PermissionDenied("您没有查看发展党员工作的权限")
    return redirect("recruitment:list", roots[0].code)


@login_required
@require_GET
def candidate_list(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    organization = organization_get(user, code)
    today = timezone.localdate()
    filters = CandidateFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    under = organization
    if data.get("org"):
        under = (
            Organization.objects.restrict(user, "view")
            .filter(code=data["org"], path__startswith=organization.path)
            .first()
        )
        if under is None:
            filters.add_error("org", f"“{data['org']}”不是{organization.name}下属的党组织或不在授权范围内")
            under = organization
    rows = selectors.candidate_rows(
        user=user,
        today=today,
        organization=under,
        stage=data.get("stage") or None,
        overdue_only=bool(data.get("overdue")),
    )
    return render(
        request,
        "recruitment/list.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "filters": filters,
            "rows": rows,
            "today": today,
            "pool": selectors.candidate_pool(user=user, organization=organization, today=today),
            "is_branch": organization.kind in BRANCH_KINDS,
            "can_change": organization.kind in BRANCH_KINDS
            and path_in_scope(user, "change", organization.path),
        },
    )


def _branch_for_change(user: Any, code: str) -> Organization:
    organization = organization_get(user, code, "change")
    if organization.kind not in BRANCH_KINDS:
        raise Http404("入党申请人只能登记在党支部")
    return organization


@login_required
def candidate_create(request: HttpRequest, code: str) -> HttpResponse:
    branch = _branch_for_change(request.user, code)
    form = CandidateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            candidate = services.candidate_create(
                actor=request.user,
                organization=branch,
                today=timezone.localdate(),
                **{**form.cleaned_data, "documents": form.cleaned_data["documents"] or "入党申请书"},
            )
        except ValidationError as error:
            add_service_errors(form, error, {"occurred_on": "applied_on", "organization": "__all__"})
        else:
            messages.success(request, f"已登记入党申请人{candidate.name}")
            return redirect("recruitment:candidate", candidate.pk)
    return render(request, "recruitment/candidate_form.html", {"branch": branch, "form": form})


@login_required
@require_GET
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    timeline = selectors.candidate_timeline(user=user, candidate_id=pk)
    candidate = timeline.candidate
    today = timezone.localdate()
    overdue = {item.step for item in timeline.overdue(today)}
    return render(
        request,
        "recruitment/candidate.html",
        {
            "candidate": candidate,
            "crumbs": breadcrumb(user, candidate.organization),
            "timeline": timeline,
            "upcoming": [(item, item.step in overdue) for item in timeline.next],
            "today": today,
            "can_change": path_in_scope(user, "change", candidate.organization.path),
        },
    )


def _full_members(branch: Organization) -> Any:
    """The branch's full members today, for choosing contacts and sponsors; the service checks
    again that each was a full member of the branch on the step's own date."""
    return Member.objects.filter(
        organization=branch, category=Category.FULL, status=MemberStatus.ACTIVE
    ).order_by("name_pinyin", "id")


@login_required
def step_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    candidate = (
        Candidate.objects.restrict(user, "change").select_related("organization").filter(pk=pk).first()
    )
    if candidate is None:
        raise Http404("发展对象不存在或不在授权范围内")
    timeline = selectors.candidate_timeline(user=user, candidate_id=pk)
    suggested = timeline.next[0].step if timeline.next else Step.ARCHIVING
    chosen = request.POST.get("step") or request.GET.get("step") or suggested
    if chosen not in Step.values:
        chosen = suggested
    form = StepForm(
        request.POST if request.method == "POST" else None,
        initial={"step": chosen, "occurred_on": timezone.localdate()},
        step=chosen,
        full_members=_full_members(candidate.organization),
    )
    # Choosing another step redraws the form with that step's own fields.
    form.fields["step"].widget.attrs.update(
        {
            "hx-get": reverse("recruitment:step", args=[candidate.pk]),
            "hx-target": "#step-form",
            "hx-swap": "outerHTML",
        }
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.recruitment_step_record(
                actor=user,
                candidate=candidate,
                step=chosen,
                today=timezone.localdate(),
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"已记录“{Step(chosen).label}”")
            return redirect("recruitment:candidate", candidate.pk)
    template = (
        "recruitment/_step_fields.html" if request.headers.get("HX-Request") else "recruitment/step_form.html"
    )
    return render(
        request,
        template,
        {
            "candidate": candidate,
            "form": form,
            "step": Step(chosen),
            "next": timeline.next,
            "has_extra": bool(STEP_EXTRA_FIELDS.get(chosen)),
        },
    )


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    today = timezone.localdate()
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year + 1 else today.year


def _may_set_plan(user: Any, organization: Organization) -> bool:
    """The plan is handed down by the superior."""
    return bool(organization.parent_path) and path_in_scope(user, "change", organization.parent_path)


@login_required
@require_GET
def plans(request: HttpRequest, code: str) -> HttpResponse:
    """The year's plans and progress of an organization and its children, and the gaps:
    villages without a new member for two years, village 党小组 without members."""
    user = request.user
    organization = organization_get(user, code)
    year = _year(request)
    rows = selectors.plan_progress(user=user, organization=organization, year=year)
    return render(
        request,
        "recruitment/plans.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "year": year,
            "years": range(timezone.localdate().year + 1, timezone.localdate().year - 4, -1),
            "own": rows[0],
            "children": [(row, path_in_scope(user, "change", organization.path)) for row in rows[1:]],
            "can_set_own": _may_set_plan(user, organization),
            "children_quota": sum(row.plan.quota for row in rows[1:] if row.plan),
            "gaps": selectors.recruitment_gaps(
                user=user, organization=organization, today=timezone.localdate()
            ),
            "gap_years": selectors.VILLAGE_GAP_YEARS,
        },
    )


@login_required
def plan_set(request: HttpRequest, code: str, year: int) -> HttpResponse:
    user = request.user
    organization = organization_get(user, code)
    if not _may_set_plan(user, organization) or organization.is_group:
        raise Http404("发展党员计划由上级党组织下达")
    current = selectors.plan_progress(user=user, organization=organization, year=year)[0].plan
    initial = (
        {
            "quota": current.quota,
            "under_35_quota": current.under_35_quota,
            "women_quota": current.women_quota,
            "note": current.note,
        }
        if current
        else {}
    )
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.recruitment_plan_set(
                actor=user,
                organization=organization,
                year=year,
                **{**form.cleaned_data, "note": form.cleaned_data["note"] or ""},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"已下达{organization.name}{year}年发展党员计划")
            parent = Organization.objects.get_parent(organization)
            target = parent.code if parent and path_in_scope(user, "view", parent.path) else organization.code
            return redirect(f"{reverse('recruitment:plans', args=[target])}?year={year}")
    return render(
        request, "recruitment/plan_form.html", {"organization": organization, "form": form, "year": year}
    )
