from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dangjian.core.selectors import can_audit
from dangjian.orglife.pending import pending_for_user

from .selectors import home_figures


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    figures = home_figures(user)
    auditor = can_audit(user)
    if figures is None:
        # An auditor reads logs, not rosters; anyone else without a grant waits for one.
        template = "dashboards/auditor_home.html" if auditor else "dashboards/no_grant.html"
        return render(request, template, {})
    organizations, members = figures.organizations, figures.members
    return render(
        request,
        "dashboards/home.html",
        {
            "roots": figures.roots,
            "members": members,
            "organizations": organizations,
            "warnings": figures.warnings,
            "warning_count": figures.warning_count,
            "can_audit": auditor,
            "pending": pending_for_user(user, timezone.localdate()),
            "show_branch": True,
            "charts": {
                "kinds": organizations["kinds"],
                "sectors": organizations["sectors"],
                "categories": [
                    {"name": "正式党员", "value": members["full"]},
                    {"name": "预备党员", "value": members["probationary"]},
                ],
                "ages": members["ages"],
                "education": members["education"],
            },
        },
    )
