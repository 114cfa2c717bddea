from typing import Any

from .models import Grant
from .roles import roles_allowing


def granted_paths(user: Any, action: str) -> list[str]:
    return list(
        Grant.objects.filter(user=user, role__in=roles_allowing(action)).values_list(
            "organization__path", flat=True
        )
    )
