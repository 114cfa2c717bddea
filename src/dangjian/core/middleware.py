from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
