"""Member pages: the filtered list, the member page with its full-ID reveal, and the forms that
change a member through `members.services` (which check the reach again and audit)."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dangjian.core.audit import access_log_record
from dangjian.core.forms import add_service_errors, style_fields
from dangjian.core.models import AccessLog
from dangjian.core.restrict import path_in_scope, require, restrict
from dangjian.core.selectors import describe_events
from dangjian.orgs.selectors import Crumb, breadcrumb

from . import selectors, services
from .forms import ConvertForm, ExitForm, MemberEditForm, RoleAssignForm, RoleEndForm, TransferForm
from .models import Member, MemberRole

PAGE_SIZE = 50


@login_required
@require_GET
def member_list(request: HttpRequest) -> HttpResponse:
    filterset = selectors.member_list(request.user, request.GET)
    form = filterset.form
    style_fields(form)
    members = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    member = selectors.member_get(user, pk)
    organization = member.organization
    can_change = path_in_scope(user, "change", organization.path)
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "crumbs": [*breadcrumb(user, organization), Crumb(organization, True)],
            "events": selectors.member_events(member),
            "roles": selectors.member_roles(member),
            "trail": describe_events(selectors.member_audit_trail(member)),
            "can_change": can_change and member.status == "active",
            "can_end_roles": can_change,
            "can_reveal": path_in_scope(user, "reveal_id", organization.path),
        },
    )


@login_required
@require_POST
def reveal_id(request: HttpRequest, pk: int) -> HttpResponse:
    """The full ID number, for a user who may see it; each display is written to the access log."""
    member = selectors.member_get(request.user, pk)
    require(request.user, "reveal_id", member.organization)
    access_log_record(
        actor=request.user,
        kind=AccessLog.Kind.REVEAL_ID,
        obj=member,
        organization=member.organization,
        detail={"页面": "党员信息"},
    )
    return render(request, "members/_full_id.html", {"member": member})


def _form_page(
    request: HttpRequest, member: Member, form: Any, *, title: str, submit: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": title,
            "submit": submit,
            "cancel_url": reverse("members:detail", args=[member.pk]),
            "crumbs": [*breadcrumb(request.user, member.organization), Crumb(member.organization, True)],
            **extra,
        },
    )


def _changeable_member(request: HttpRequest, pk: int) -> Member:
    member = selectors.member_get(request.user, pk)
    require(request.user, "change", member.organization)
    return member


def _save(form: Any, write: Callable[[], Any], field_map: dict | None = None) -> bool:
    try:
        write()
    except ValidationError as error:
        add_service_errors(form, error, field_map)
        return False
    return True


def _member_form(
    request: HttpRequest,
    member: Member,
    form: Any,
    write: Callable[[], Any],
    *,
    done: Callable[[], str],
    field_map: dict | None = None,
    **page: Any,
) -> HttpResponse:
    """The shape every form on a member shares: on a valid POST run the service, report its
    refusals on the form's fields, and go back to the member's page with `done()`'s message."""
    if request.method == "POST" and form.is_valid() and _save(form, write, field_map):
        messages.success(request, done())
        return redirect("members:detail", member.pk)
    return _form_page(request, member, form, **page)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _changeable_member(request, pk)
    form = MemberEditForm(
        request.POST or None, member=member, groups=selectors.member_groups(member.organization)
    )
    changes: dict[str, Any] = {}

    def write() -> None:
        changes.update(form.changes())
        services.member_update(actor=request.user, member=member, **changes)

    return _member_form(
        request,
        member,
        form,
        write,
        done=lambda: "已保存" if changes else "没有改动",
        title=f"编辑党员“{member.name}”",
        submit="保存",
    )


@login_required
def convert(request: HttpRequest, pk: int) -> HttpResponse:
    member = _changeable_member(request, pk)
    form = ConvertForm(request.POST or None)
    return _member_form(
        request,
        member,
        form,
        lambda: services.member_convert(
            actor=request.user, member=member, converted_on=form.cleaned_data["converted_on"]
        ),
        done=lambda: f"{member.name}已转为正式党员",
        field_map={"category": "converted_on", "status": "converted_on"},
        title=f"“{member.name}”转为正式党员",
        submit="确认转正",
    )


@login_required
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    member = _changeable_member(request, pk)
    targets = selectors.transfer_targets(request.user, member)
    form = TransferForm(request.POST or None, targets=targets)
    return _member_form(
        request,
        member,
        form,
        lambda: services.member_transfer(
            actor=request.user,
            member=member,
            to_organization=form.cleaned_data["to_code"],
            on=form.cleaned_data["on"],
            note=form.cleaned_data["note"],
            expected_from=member.organization,
        ),
        done=lambda: f"已将{member.name}的组织关系转入“{form.cleaned_data['to_code'].name}”",
        field_map={"to_organization": "to_code", "member": "to_code"},
        title=f"转接“{member.name}”的组织关系",
        submit="转接",
        intro="转入系统内的另一个党支部；转到系统外请用“离开”。",
        datalist_id="transfer-targets",
        datalist=targets[:500],
    )


@login_required
def exit_roll(request: HttpRequest, pk: int) -> HttpResponse:
    member = _changeable_member(request, pk)
    form = ExitForm(request.POST or None)
    return _member_form(
        request,
        member,
        form,
        lambda: services.member_exit(
            actor=request.user,
            member=member,
            kind=form.cleaned_data["kind"],
            on=form.cleaned_data["on"],
            counterpart_name=form.cleaned_data["counterpart_name"],
            note=form.cleaned_data["note"],
        ),
        done=lambda: f"{member.name}已不在册",
        title=f"“{member.name}”离开党员名册",
        submit="确认",
        danger=True,
    )


@login_required
def role_assign(request: HttpRequest, pk: int) -> HttpResponse:
    member = _changeable_member(request, pk)
    form = RoleAssignForm(
        request.POST or None, organizations=selectors.role_organizations(request.user, member)
    )
    return _member_form(
        request,
        member,
        form,
        lambda: services.member_role_assign(
            actor=request.user,
            member=member,
            organization=form.cleaned_data["organization"],
            role=form.cleaned_data["role"],
            started_on=form.cleaned_data["started_on"],
        ),
        done=lambda: "已记录任职",
        field_map={"member": "role"},
        title=f"“{member.name}”任职",
        submit="保存",
    )


@login_required
def role_end(request: HttpRequest, pk: int, role_pk: int) -> HttpResponse:
    member = selectors.member_get(request.user, pk)
    post = get_object_or_404(
        restrict(request.user, "view", MemberRole.objects.select_related("organization", "member")),
        pk=role_pk,
        member=member,
    )
    require(request.user, "change", post.organization)
    form = RoleEndForm(request.POST or None)
    return _member_form(
        request,
        member,
        form,
        lambda: services.member_role_end(
            actor=request.user, post=post, ended_on=form.cleaned_data["ended_on"]
        ),
        done=lambda: "已记录离任",
        title=f"“{member.name}”离任：{post.organization.name}{post.get_role_display()}",
        submit="确认离任",
    )
