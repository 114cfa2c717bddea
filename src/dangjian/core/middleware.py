from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from .request_context import current_remote_addr


class RequestContextMiddleware:
    """Remembers the client address so services can stamp it on audit rows without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_remote_addr.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            current_remote_addr.reset(token)


NUL_REFUSED = "请求参数中含有空字符（0x00），已拒绝。"


class NulCharacterGuardMiddleware:
    """Refuses a query string holding a NUL character before any view reads it.

    PostgreSQL text cannot hold NUL, so a filter value carrying one fails inside the database
    (a server error) instead of meaning "nothing found"; no honest client sends one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": NUL_REFUSED}, status=400)
            return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
