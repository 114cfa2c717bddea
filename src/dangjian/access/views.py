"""The login steps after the password: enrolling and verifying the second factor, and
changing a password that was set by someone else or has expired."""

import base64
from typing import Any

import django_otp
import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.core.forms import add_service_errors

from . import services
from .forms import OtpTokenForm, PasswordChangeForm
from .middleware import note_password_validity, remember_password_ok, with_next
from .policy import otp_required

ENROL_DEVICE = "dangjian_otp_enrol_device"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


def qr_svg(text: str) -> str:
    """The QR code as inline SVG markup: no image file, no external service."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :]


def manual_secret(device: TOTPDevice) -> str:
    """The key in base32, four letters a group, for authenticator apps without a camera."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user_has_device(user):
        # A password alone must never be enough to add a second device: a lost phone is
        # replaced through the security administrator (`dangjian otp-reset`).
        return redirect(with_next(reverse("access:otp-verify"), _next_url(request)))
    device = TOTPDevice.objects.filter(
        pk=request.session.get(ENROL_DEVICE), user=user, confirmed=False
    ).first()
    if device is None or request.method == "GET":
        device = services.otp_device_start(user=user)
        request.session[ENROL_DEVICE] = device.pk
    form = OtpTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if services.otp_device_confirm(user=user, device=device, token=form.cleaned_data["token"]):
            request.session.pop(ENROL_DEVICE, None)
            django_otp.login(request, device)
            messages.success(request, "动态口令已启用，今后登录时须输入验证器上的6位口令")
            return redirect(_next_url(request))
        form.add_error("token", "动态口令不正确，请核对手机时间后输入验证器上当前显示的口令")
    context = {
        "form": form,
        "qr_svg": qr_svg(device.config_url),
        "secret": manual_secret(device),
        "next": _next_url(request),
    }
    return render(request, "access/otp_enrol.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user_has_device(user):
        return redirect(with_next(reverse("access:otp-enrol"), _next_url(request)))
    if user.is_verified():
        return redirect(_next_url(request))
    form = OtpTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = services.otp_verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            django_otp.login(request, device)
            # A new key for the session that now carries the second factor.
            request.session.cycle_key()
            return redirect(_next_url(request))
        form.add_error("token", "动态口令不正确或已使用过，请输入验证器上新的口令")
    return render(request, "access/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if otp_required(user) and not user.is_verified():
        return redirect(with_next(reverse("access:otp-verify"), request.get_full_path()))
    note_password_validity(request.session, user)
    due = not remember_password_ok(request)
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            update_session_auth_hash(request, user)
            note_password_validity(request.session, user)
            messages.success(request, "密码已修改")
            return redirect(_next_url(request))
    context = {
        "form": form,
        "due": due,
        "help_texts": password_validators_help_texts(),
        "next": _next_url(request),
    }
    return render(request, "access/password_change.html", context)
