"""Holds a signed-in user at the login steps that are not done yet: the second factor for
those who need one, then a password change when the password was set by someone else or
has expired. Every page and every API call is held, except the steps themselves."""

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp import user_has_device

from dangjian.core.api import ascii_int
from dangjian.core.models import AccessLog, Outcome
from dangjian.core.restrict import path_in_scope

from .policy import otp_required, password_valid_until
from .signals import home_organization

# The session remembers until when the password is good, so the check costs no query per request.
PASSWORD_OK_UNTIL = "dangjian_password_ok_until"
PASSWORD_NEVER_EXPIRES = "never"

OTP_REFUSAL = "须先完成动态口令（双因素）验证"
PASSWORD_REFUSAL = "须先修改密码"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _refuse(request: HttpRequest, url_name: str, message: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": message}, status=403)
    target = reverse(url_name)
    if request.headers.get("HX-Request"):
        # The browser follows a 302 inside htmx's request unseen; HX-Redirect moves the page.
        response = HttpResponse(status=200)
        response["HX-Redirect"] = target
        return response
    # After the step, come back to the page that was asked for (a form post is not repeated).
    return redirect(with_next(target, request.get_full_path() if request.method == "GET" else ""))


def note_password_validity(session: Any, user: Any) -> None:
    """Write into the session until when the user's password is good (at login, and after a
    change), so that the requests in between cost no query for it."""
    valid_until = password_valid_until(user)
    session[PASSWORD_OK_UNTIL] = (
        PASSWORD_NEVER_EXPIRES if valid_until is None else str(valid_until.timestamp())
    )


def remember_password_ok(request: HttpRequest) -> bool:
    """Whether the password is still good at this moment."""
    if PASSWORD_OK_UNTIL not in request.session:
        # A session opened before this check existed.
        note_password_validity(request.session, request.user)
    until = request.session[PASSWORD_OK_UNTIL]
    return until == PASSWORD_NEVER_EXPIRES or float(until) > timezone.now().timestamp()


class LoginStepsMiddleware:
    """After django_otp's OTPMiddleware, which tells whether this session verified a device."""

    EXEMPT_URL_NAMES = ("login", "logout", "access:otp-enrol", "access:otp-verify", "access:password-change")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self._exempt_paths: frozenset[str] | None = None

    def exempt_paths(self) -> frozenset[str]:
        if self._exempt_paths is None:
            self._exempt_paths = frozenset(reverse(name) for name in self.EXEMPT_URL_NAMES)
        return self._exempt_paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path in self.exempt_paths():
            return self.get_response(request)
        if not user.is_verified() and otp_required(user):
            if user_has_device(user):
                return _refuse(request, "access:otp-verify", OTP_REFUSAL)
            return _refuse(request, "access:otp-enrol", OTP_REFUSAL)
        if not remember_password_ok(request):
            return _refuse(request, "access:password-change", PASSWORD_REFUSAL)
        return self.get_response(request)


logger = logging.getLogger(__name__)


class RefusalAuditMiddleware:
    """Writes an access-log row (kind `request`, outcome `refused`) for every request of a
    signed-in user that was refused: any 403, page or API, and any 404 for an organization or
    member that exists but lies outside the user's reach (those are answered 404 so as not to
    reveal that they exist, but an attempt on another subtree is what an inspector wants to
    see). The row holds the method and the path without its query string (searches can carry
    personal data) and, for a member, only the id. The access log, not the operations log:
    nothing changed, and the operations log stays a record of changes only."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in (403, 404):
            # DRF authenticates tokens inside the view and sets request.user then.
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                try:
                    record_refusal(request, response.status_code, user)
                except Exception:  # the refusal stands even if it could not be logged
                    logger.exception("越权访问记录写入失败")
        return response


def _target(request: HttpRequest) -> tuple[str, str, str, str | None]:
    """(object type, id, repr, organization path) of the organization or member the route
    names, or empty values; the path says where the object lies."""
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization

    match = request.resolver_match
    if match is None:
        return "", "", "", None
    kwargs = match.kwargs
    if "code" in kwargs:
        organization = Organization.objects.filter(code=str(kwargs["code"])).only("path", "name").first()
        if organization is not None:
            return "organization", str(kwargs["code"]), organization.name[:200], organization.path
    elif "pk" in kwargs and (match.namespace == "members" or (match.url_name or "").startswith("api-member")):
        member_path = (
            Member.objects.filter(pk=ascii_int(str(kwargs["pk"])) or 0)
            .values_list("organization__path", flat=True)
            .first()
        )
        if member_path is not None:
            return "member", str(kwargs["pk"]), f"党员（编号 {kwargs['pk']}）", member_path
    return "", "", "", None


def record_refusal(request: HttpRequest, status: int, user: Any) -> AccessLog | None:
    object_type, object_id, object_repr, target_path = _target(request)
    if status == 404 and (target_path is None or path_in_scope(user, "view", target_path)):
        return None  # a real "not found", not a refusal
    return AccessLog.objects.create(
        actor=user,
        actor_name=user.get_username()[:150],
        kind=AccessLog.Kind.REQUEST,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr or f"{request.method} {request.path}"[:200],
        organization=home_organization(user),
        detail={"method": request.method, "path": request.path[:500], "status": status},
        remote_addr=request.META.get("REMOTE_ADDR") or None,
        outcome=Outcome.REFUSED,
    )
