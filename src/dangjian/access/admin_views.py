"""The administrators' pages (三员分立): the system administrator keeps the accounts (create,
disable, set a password), the security administrator the grants, the second factors and the
lockouts. Each page is for its role only (anyone else gets a 403, which the refusal log
records); every change goes through `access.services`, which check the reach again and write
the audit row."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from dangjian.core.forms import add_service_errors
from dangjian.core.selectors import holds_anywhere
from dangjian.orgs.models import Organization

from . import selectors, services
from .forms import GrantForm, NewPasswordForm, UserCreateForm
from .models import Grant

SYSADMIN_ONLY = "只有系统管理员可以管理用户账号"
SECURITY_ADMIN_ONLY = "只有安全管理员可以管理授权、动态口令和登录锁定"


def _require_role_action(request: HttpRequest, action: str, refusal: str) -> None:
    if not holds_anywhere(request.user, action):
        raise PermissionDenied(refusal)


def _account(request: HttpRequest, action: str, pk: int) -> Any:
    """The account `pk` if the administrator may act on it; one outside the reach is a 403
    (logged as refused), an unknown id a 404."""
    user = selectors.user_in_reach(request.user, action, pk)
    if user is None:
        if get_user_model().objects.filter(pk=pk).exists():
            raise PermissionDenied("该用户不在您的授权范围内")
        raise Http404("用户不存在")
    return user


@login_required
@require_http_methods(["GET"])
def users(request: HttpRequest) -> HttpResponse:
    _require_role_action(request, "manage_users", SYSADMIN_ONLY)
    accounts = list(selectors.users_in_reach(request.user, "manage_users")[: selectors.PAGE_LIMIT])
    return render(request, "access/users.html", {"accounts": accounts, "limit": selectors.PAGE_LIMIT})


def _form_page(request: HttpRequest, form: Any, *, title: str, submit: str, intro: str = "") -> HttpResponse:
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": title,
            "submit": submit,
            "intro": intro,
            "cancel_url": reverse("access:users"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    _require_role_action(request, "manage_users", SYSADMIN_ONLY)
    form = UserCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(
                actor=request.user,
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"password": "password1"})
        else:
            messages.success(request, f"已新建用户“{user.get_username()}”，首次登录时须修改密码")
            return redirect("access:users")
    return _form_page(
        request,
        form,
        title="新建用户",
        submit="新建",
        intro="密码要求：" + "；".join(password_validators_help_texts()) + "。用户首次登录时须修改密码。",
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    _require_role_action(request, "manage_users", SYSADMIN_ONLY)
    user = _account(request, "manage_users", pk)
    form = NewPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_set(actor=request.user, user=user, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            add_service_errors(form, exc, {"password": "password1"})
        else:
            messages.success(
                request, f"已重设“{user.get_username()}”的密码，其登录会话已结束，下次登录时须修改密码"
            )
            return redirect("access:users")
    return _form_page(
        request,
        form,
        title=f"重设“{user.get_username()}”的密码",
        submit="重设密码",
        intro="密码要求：" + "；".join(password_validators_help_texts()) + "。",
    )


@login_required
@require_POST
def user_disable(request: HttpRequest, pk: int) -> HttpResponse:
    _require_role_action(request, "manage_users", SYSADMIN_ONLY)
    user = _account(request, "manage_users", pk)
    try:
        services.user_disable(actor=request.user, user=user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已停用“{user.get_username()}”，其登录会话和接口令牌已失效")
    return redirect("access:users")


@login_required
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    """Grants in the security administrator's reach, the form to add one, and the accounts
    whose second factor or lockout it looks after."""
    _require_role_action(request, "security", SECURITY_ADMIN_ONLY)
    form = GrantForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = get_user_model().objects.filter(username=data["username"].strip()).first()
        organization = (
            Organization.objects.restrict(request.user, "grant").filter(code=data["org"].strip()).first()
        )
        if user is None:
            form.add_error("username", f"用户“{data['username'].strip()}”不存在")
        if organization is None:
            form.add_error("org", f"党组织代码“{data['org'].strip()}”不存在或不在您的授权范围内")
        if user is not None and organization is not None:
            try:
                services.grant_create(
                    actor=request.user, user=user, organization=organization, role=data["role"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc, {"organization": "org"})
            else:
                messages.success(request, f"已授予“{user.get_username()}”在“{organization.name}”的角色")
                return redirect("access:security")
    grants = list(selectors.grants_in_reach(request.user)[: selectors.PAGE_LIMIT])
    accounts = list(selectors.users_in_reach(request.user, "security")[: selectors.PAGE_LIMIT])
    return render(
        request,
        "access/security.html",
        {"form": form, "grants": grants, "accounts": accounts, "limit": selectors.PAGE_LIMIT},
    )


@login_required
@require_POST
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require_role_action(request, "security", SECURITY_ADMIN_ONLY)
    grant = get_object_or_404(Grant.objects.select_related("user", "organization"), pk=pk)
    # Out of reach: services.grant_revoke raises PermissionDenied (a logged 403).
    services.grant_revoke(actor=request.user, grant=grant)
    messages.success(request, f"已撤销：{grant}")
    return redirect("access:security")


@login_required
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    _require_role_action(request, "security", SECURITY_ADMIN_ONLY)
    user = _account(request, "security", pk)
    cleared = services.user_unlock(actor=request.user, user=user)
    messages.success(request, f"已解除“{user.get_username()}”的登录锁定（清除 {cleared} 条失败记录）")
    return redirect("access:security")


@login_required
@require_POST
def user_otp_reset(request: HttpRequest, pk: int) -> HttpResponse:
    _require_role_action(request, "security", SECURITY_ADMIN_ONLY)
    user = _account(request, "security", pk)
    removed = services.otp_reset(actor=request.user, user=user)
    messages.success(
        request, f"已重置“{user.get_username()}”的动态口令（删除 {removed} 个设备），下次登录时重新启用"
    )
    return redirect("access:security")
