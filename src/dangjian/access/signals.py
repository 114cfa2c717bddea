"""Logins, failed logins, lockouts and logouts go into the hash-chained audit trail.

Each event is filed under the user's highest granted organization, so the auditor over that
subtree can find it; an attempt on a name that does not exist belongs to no organization and
only a superuser sees it."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.functions import Length
from django.dispatch import receiver

from dangjian.core.models import AuditEvent, Outcome

LOGIN = "auth.login"
LOGIN_FAILED = "auth.login_failed"
LOCKOUT = "auth.lockout"
LOGOUT = "auth.logout"


def _came_over_http(request: Any) -> bool:
    """Whether an authentication happened on a real request. Code can also log a user in on a
    bare HttpRequest (the test client's login() and force_login() do, without a method or an
    address); that is no sign-in by a person and would bury the real ones."""
    return request is not None and bool(getattr(request, "method", None))


def home_organization(user: Any) -> Any:
    grant = (
        user.grants.select_related("organization")
        .order_by(Length("organization__path"), "organization__path")
        .first()
    )
    return grant.organization if grant is not None else None


def record_auth_event(
    *,
    action: str,
    request: Any,
    username: str,
    user: Any = None,
    outcome: str = Outcome.SUCCESS,
    **detail: Any,
) -> AuditEvent:
    if user is None and username:
        user = get_user_model().objects.filter(username=username).first()
    event = AuditEvent(
        actor=user,
        actor_name=(user.get_username() if user is not None else username)[:150],
        action=action,
        object_type="user",
        object_id=str(user.pk) if user is not None else "",
        object_repr=(user.get_username() if user is not None else username)[:200],
        organization=home_organization(user) if user is not None else None,
        after=detail or None,
        remote_addr=request.META.get("REMOTE_ADDR") or None,
        outcome=outcome,
    )
    event.save()
    return event


@receiver(user_logged_in, dispatch_uid="dangjian.access.note_password_validity")
def note_password_validity_at_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        from .middleware import note_password_validity

        note_password_validity(session, user)


@receiver(user_logged_in, dispatch_uid="dangjian.access.audit_login")
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if _came_over_http(request):
        record_auth_event(action=LOGIN, request=request, username=user.get_username(), user=user)


@receiver(user_logged_out, dispatch_uid="dangjian.access.audit_logout")
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and _came_over_http(request):
        record_auth_event(action=LOGOUT, request=request, username=user.get_username(), user=user)


@receiver(user_login_failed, dispatch_uid="dangjian.access.audit_login_failed")
def audit_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    # Django has already replaced the password in `credentials` with asterisks.
    if _came_over_http(request):
        record_auth_event(
            action=LOGIN_FAILED,
            request=request,
            username=str(credentials.get("username") or ""),
            outcome=Outcome.FAILURE,
        )


@receiver(user_locked_out, dispatch_uid="dangjian.access.audit_lockout")
def audit_lockout(
    sender: Any, request: Any, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    # A locked account's attempt is refused without looking at the password.
    record_auth_event(
        action=LOCKOUT,
        request=request,
        username=username or "",
        outcome=Outcome.REFUSED,
        address=ip_address,
    )
