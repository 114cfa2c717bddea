from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    from .selectors import can_audit

    # Callables, so the grant queries run only on pages that draw the navigation.
    return {
        "site_title": settings.DANGJIAN_SITE_TITLE,
        "nav_can_audit": lambda: can_audit(getattr(request, "user", None)),
    }
