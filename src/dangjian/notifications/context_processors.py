from django.http import HttpRequest


def notifications(request: HttpRequest) -> dict:
    from .selectors import unread_count

    user = getattr(request, "user", None)
    # A callable, so the count is one query only on pages that draw the bell, and at most one.
    cached: list[int] = []

    def count() -> int:
        if not cached:
            cached.append(unread_count(user))
        return cached[0]

    return {"nav_unread_notifications": count}
