"""Test-settings helpers for authentication."""

from typing import Any

from axes.backends import AxesStandaloneBackend


class AxesBackendForTestClient(AxesStandaloneBackend):
    """django-axes refuses any authenticate() call without a request, but Django's test
    `Client.login()` makes exactly that call. Only the test settings use this class: the login
    page always passes its request, so lockouts are still tested through it."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
