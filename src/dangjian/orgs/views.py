"""Organization pages: the lazy tree, search, the organization page and its forms.

Reads go through `orgs.selectors` (scoped by `restrict`); an organization out of reach is a
404. Writes go through `orgs.services`, which check the reach again and write the audit row."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from dangjian.core.forms import add_service_errors
from dangjian.core.restrict import path_in_scope, require
from dangjian.core.selectors import describe_events
from dangjian.members.selectors import organization_members

from . import selectors, services
from .forms import (
    OrganizationCreateForm,
    OrganizationDetailsForm,
    OrganizationDissolveForm,
    OrganizationMoveForm,
)
from .models import Organization


@login_required
@require_GET
def tree(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results, more = selectors.organization_search(request.user, request.GET) if query else ([], False)
    return render(
        request,
        "orgs/tree.html",
        {
            # The tops of the reach open with their children; deeper levels load when opened.
            "roots": [
                (row, selectors.organization_children(request.user, row.organization))
                for row in selectors.roots_with_figures(request.user)
            ],
            "query": query,
            "results": results,
            "more": more,
        },
    )


@login_required
@require_GET
def tree_children(request: HttpRequest, code: str) -> HttpResponse:
    organization = selectors.organization_get(request.user, code)
    rows = selectors.organization_children(request.user, organization)
    return render(request, "orgs/_children.html", {"rows": rows, "parent": organization})


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    results, more = selectors.organization_search(request.user, request.GET)
    return render(
        request,
        "orgs/_search_results.html",
        {"results": results, "more": more, "query": request.GET.get("q", "").strip()},
    )


@login_required
@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    organization = selectors.organization_get(user, code)
    row = selectors.organization_row(organization)
    return render(
        request,
        "orgs/detail.html",
        {
            "org": organization,
            "row": row,
            "crumbs": selectors.breadcrumb(user, organization),
            "children": selectors.organization_children(user, organization),
            "members": organization_members(user, organization),
            "history": describe_events(selectors.organization_history(organization)),
            "can_change": path_in_scope(user, "change", organization.path),
            "can_manage": path_in_scope(user, "manage_orgs", organization.path),
        },
    )


def _form_page(
    request: HttpRequest,
    organization: Organization,
    form: Any,
    *,
    title: str,
    submit: str,
    danger: bool = False,
    extra: dict | None = None,
) -> HttpResponse:
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": title,
            "submit": submit,
            "danger": danger,
            "cancel_url": reverse("orgs:detail", args=[organization.code]),
            "crumbs": [
                *selectors.breadcrumb(request.user, organization),
                selectors.Crumb(organization, True),
            ],
            **(extra or {}),
        },
    )


def _save(form: Any, write: Callable[[], Organization], field_map: dict | None = None) -> Organization | None:
    """Run a service call; on a ValidationError put its messages on the form and return None."""
    try:
        return write()
    except ValidationError as error:
        add_service_errors(form, error, field_map)
        return None


@login_required
def create_child(request: HttpRequest, code: str) -> HttpResponse:
    parent = selectors.organization_get(request.user, code)
    require(request.user, "manage_orgs", parent)
    form = OrganizationCreateForm(request.POST or None, initial={"sector": parent.sector})
    if request.method == "POST" and form.is_valid():
        created = _save(
            form,
            lambda: services.organization_create(
                actor=request.user, parent=parent, code=form.cleaned_data["code"], **form.details()
            ),
        )
        if created is not None:
            messages.success(request, f"已新建“{created.name}”")
            return redirect("orgs:detail", created.code)
    return _form_page(request, parent, form, title=f"在“{parent.name}”下新建党组织", submit="新建")


@login_required
def edit(request: HttpRequest, code: str) -> HttpResponse:
    organization = selectors.organization_get(request.user, code)
    require(request.user, "change", organization)
    form = OrganizationDetailsForm.for_organization(organization, request.POST or None)
    if request.method == "POST" and form.is_valid():
        changes = form.changed_details()
        saved = _save(
            form,
            lambda: services.organization_update(actor=request.user, organization=organization, **changes),
        )
        if saved is not None:
            messages.success(request, "已保存" if changes else "没有改动")
            return redirect("orgs:detail", saved.code)
    return _form_page(request, organization, form, title=f"编辑“{organization.name}”", submit="保存")


@login_required
def move(request: HttpRequest, code: str) -> HttpResponse:
    organization = selectors.organization_get(request.user, code)
    require(request.user, "manage_orgs", organization)
    targets = selectors.move_targets(request.user, organization)
    form = OrganizationMoveForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        new_parent = form.cleaned_data["parent_code"]
        moved = _save(
            form,
            lambda: services.organization_move(
                actor=request.user, organization=organization, new_parent=new_parent
            ),
            {"parent": "parent_code"},
        )
        if moved is not None:
            messages.success(request, f"已将“{moved.name}”移到“{new_parent.name}”之下")
            return redirect("orgs:detail", moved.code)
    return _form_page(
        request,
        organization,
        form,
        title=f"调整“{organization.name}”的上级组织",
        submit="移动",
        extra={"datalist_id": "move-targets", "datalist": targets[:500]},
    )


@login_required
def dissolve(request: HttpRequest, code: str) -> HttpResponse:
    organization = selectors.organization_get(request.user, code)
    require(request.user, "manage_orgs", organization)
    form = OrganizationDissolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        dissolved = _save(
            form,
            lambda: services.organization_dissolve(
                actor=request.user,
                organization=organization,
                dissolved_on=form.cleaned_data["dissolved_on"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if dissolved is not None:
            messages.success(request, f"已撤销“{dissolved.name}”")
            return redirect("orgs:detail", dissolved.code)
    return _form_page(
        request, organization, form, title=f"撤销“{organization.name}”", submit="撤销", danger=True
    )
