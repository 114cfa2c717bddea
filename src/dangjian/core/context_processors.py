from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    return {"site_title": settings.DANGJIAN_SITE_TITLE}
