"""API conventions shared by every app: errors in Chinese, never a stack trace; reads scoped by
`restrict(user, "view")`, writes refused up front to users who hold the write right nowhere."""

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .restrict import scope_prefixes

logger = logging.getLogger("dangjian.api")


def validation_detail(exc: DjangoValidationError, rename: Mapping[str, str] | None = None) -> dict:
    """A Django ValidationError as DRF's error body: {field: [messages]}.

    Services name fields as their keyword arguments (`on`); `rename` maps them to the names the
    API client sent (`date`), so each message lands on the field the client knows."""
    rename = rename or {}
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    detail: dict[str, list[str]] = {}
    for field, messages in exc.message_dict.items():
        key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else rename.get(field, field)
        detail.setdefault(key, []).extend(messages)
    return detail


@contextmanager
def service_errors(rename: Mapping[str, str]) -> Iterator[None]:
    """Run a service call, reporting its validation errors under the API's field names."""
    try:
        yield
    except DjangoValidationError as exc:
        raise exceptions.ValidationError(validation_detail(exc, rename)) from exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        return Response(validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied) and not isinstance(exc, exceptions.PermissionDenied):
        message = str(exc) or "无权执行此操作"
        return Response({"detail": message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, exceptions.ParseError):
        # DRF's own text quotes the parser's English message.
        return Response({"detail": "请求内容格式错误，无法解析"}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    # Anything else is a bug: the log keeps the trace, the client gets a sentence.
    request = context.get("request")
    logger.exception("API 请求出错：%s", getattr(request, "path", ""))
    return Response(
        {"detail": "系统暂时出错，已记录。请稍后重试，或联系管理员。"},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


# Years a filter may ask for: wide enough for any record the platform holds, narrow enough that
# the database's date arithmetic (years 1 to 9999) never sees an impossible date.
YEAR_RANGE = (1900, 2100)


BIGINT_MAX = 2**63 - 1


def ascii_int(text: str) -> int | None:
    """An integer written in ASCII digits, else None. `str.isdigit()` alone also accepts "²" and
    other Unicode digits that `int()` then refuses with a server error."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    # Beyond a 64-bit key no row can match, and SQLite refuses to even compare such a number.
    return value if value <= BIGINT_MAX else None


def int_param(request: Request, name: str, *, label: str, low: int, high: int) -> int | None:
    """An optional whole-number query parameter within [low, high]; anything else is a 400 in Chinese."""
    text = request.query_params.get(name, "").strip()
    if not text:
        return None
    value = ascii_int(text)
    if value is None or not low <= value <= high:
        raise exceptions.ValidationError({name: [f"{label}应为 {low} 至 {high} 之间的整数"]})
    return value


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class ScopedWritePermission(BasePermission):
    """Refuse a write at once to a user who holds its action on no organization at all.

    A view names the action each of its write actions needs in `write_scopes`
    ({"create": "manage_orgs", ...}); the service still checks the particular organization.
    Reads pass: their querysets are restricted, so a user without reach sees an empty list."""

    messages = {
        "change": "您没有修改数据的权限",
        "manage_orgs": "您没有设立、调整或撤销党组织的权限",
    }

    def has_permission(self, request: Request, view: Any) -> bool:
        needed = getattr(view, "write_scopes", {}).get(getattr(view, "action", None))
        if needed is None:
            return True
        if scope_prefixes(request.user, needed):
            return True
        self.message = self.messages.get(needed, "无权执行此操作")
        return False


def in_org_param(request: Request, queryset: QuerySet, path_field: str = "organization__path") -> QuerySet:
    """The `?org=CODE` filter of list endpoints: that organization and everything below it; an
    unknown code matches nothing (the queryset is already restricted to the user's reach)."""
    code = request.query_params.get("org")
    if not code:
        return queryset
    from dangjian.orgs.models import Organization

    root = Organization.objects.filter(code=code).first()
    return queryset.filter(**{f"{path_field}__startswith": root.path}) if root else queryset.none()
