"""Content Security Policy header on every response (Django 5.2 has none built in; Django 6's
ContentSecurityPolicyMiddleware can replace this one when the project moves up).

Scripts load only from the site itself: templates carry no inline <script> code and no on*=
attributes (chart data travels in json_script blocks, which are data, not code). Inline styles
stay allowed: Bootstrap's progress bars are sized by a style attribute, and htmx and ECharts
set styles at run time."""

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
DEFAULT_POLICY: Mapping[str, Sequence[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy_header(policy: Mapping[str, Sequence[str]]) -> str:
    return "; ".join(f"{directive} {' '.join(sources)}".strip() for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = policy_header(getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A view that needs a narrower or wider policy sets its own header.
        response.headers.setdefault(HEADER, self.header)
        return response
