from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    from .selectors import can_audit, holds_anywhere

    # Callables, so the grant queries run only on pages that draw the navigation.
    return {
        "site_title": settings.DANGJIAN_SITE_TITLE,
        "nav_can_audit": lambda: can_audit(getattr(request, "user", None)),
        # The business sections are hidden from those who may read none of it (the 审计员).
        "nav_can_view": lambda: holds_anywhere(getattr(request, "user", None), "view"),
        "nav_can_manage_users": lambda: holds_anywhere(getattr(request, "user", None), "manage_users"),
        "nav_can_secure": lambda: holds_anywhere(getattr(request, "user", None), "security"),
    }
