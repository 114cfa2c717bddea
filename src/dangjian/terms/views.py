"""Terms pages: the election calendar of a subtree (overdue and due within six months), one
organization's term with its elections and postponements, and the two forms. Reads go
through `terms.selectors` (out of reach is a 404); writes through `terms.services`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.core.forms import add_service_errors
from dangjian.core.restrict import path_in_scope
from dangjian.orgs.choices import BRANCH_KINDS
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import breadcrumb, organization_get, scope_roots
from dangjian.recruitment.services import full_members_on

from . import rules, selectors, services
from .forms import ElectionForm, PostponementForm


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    roots = scope_roots(request.user, "view")
    if not roots:
        raise PermissionDenied("您没有查看换届工作的权限")
    return redirect("terms:calendar", roots[0].code)


@login_required
@require_GET
def calendar(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    organization = organization_get(user, code)
    today = timezone.localdate()
    return render(
        request,
        "terms/calendar.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "calendar": selectors.term_calendar(user=user, organization=organization, today=today),
            "today": today,
        },
    )


def _can_postpone(user: object, organization: Organization) -> bool:
    parent_path = organization.parent_path
    return bool(parent_path) and path_in_scope(user, "change", parent_path)


@login_required
@require_GET
def organization_term(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    organization = organization_get(user, code)
    today = timezone.localdate()
    term = selectors.organization_term(user=user, organization=organization)
    elects = organization.kind in rules.ELECTED_KINDS
    return render(
        request,
        "terms/organization.html",
        {
            "organization": organization,
            "crumbs": breadcrumb(user, organization),
            "term": term,
            "today": today,
            "days_left": (term.due_on - today).days if term.due_on else None,
            "elects": elects,
            "can_elect": elects and path_in_scope(user, "change", organization.path),
            "can_postpone": elects
            and organization.term_ends_on is not None
            and _can_postpone(user, organization),
        },
    )


@login_required
def election_create(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    organization = organization_get(user, code, "change")
    if organization.kind not in rules.ELECTED_KINDS:
        raise Http404("该组织不进行换届选举")
    today = timezone.localdate()
    initial = {
        "held_on": today,
        "term_years": rules.allowed_term_years(organization.kind, organization.sector)[-1],
    }
    if organization.kind in BRANCH_KINDS:
        # The full members on the roster today have the vote (选举条例第五条); the clerk may
        # correct the figure, e.g. for a member whose rights are suspended.
        initial["voters_entitled"] = len(full_members_on(organization, today))
    form = ElectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.election_record(
                actor=user, organization=organization, today=today, **form.service_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"已记录{organization.name}换届选举，新一届任期开始")
            return redirect("terms:org", organization.code)
    return render(request, "terms/election_form.html", {"organization": organization, "form": form})


@login_required
def postponement_create(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    organization = organization_get(user, code)
    if not _can_postpone(user, organization) or organization.kind not in rules.ELECTED_KINDS:
        raise Http404("延期换届须由上级党组织批准")
    today = timezone.localdate()
    parent = Organization.objects.get_parent(organization)
    form = PostponementForm(
        request.POST or None, initial={"approved_on": today, "approved_by": parent.name if parent else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.term_postpone(actor=user, organization=organization, today=today, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"已记录{organization.name}延期换届")
            return redirect("terms:org", organization.code)
    return render(
        request,
        "terms/postpone_form.html",
        {"organization": organization, "form": form, "latest": _latest(organization)},
    )


def _latest(organization: Organization) -> object:
    ends = organization.term_ends_on
    return rules.latest_postponement(ends) if ends else None
