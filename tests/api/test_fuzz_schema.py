"""schemathesis against /api/schema/: every operation, called in-process through the WSGI app with
the token of a user granted one township, must answer without a server error and must never
carry an organization or a member outside that township's subtree.

Bounded in `make test` (a few examples per operation); `make fuzz` (HYPOTHESIS_PROFILE=fuzz)
runs many more."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token

from dangjian.members.models import Member
from dangjian.orgs.models import Organization

# The active hypothesis profile (tests/conftest.py) decides how hard to push. `make fuzz` adds
# schemathesis' coverage phase (boundary values of every parameter, as explicit examples) and
# hundreds of random examples per operation; `make test` draws a few random ones.
LONG_RUN = hypothesis_settings().max_examples > 100
# FUZZ_EXAMPLES overrides the count, e.g. for a medium run on a busy machine.
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES") or (300 if LONG_RUN else 6))
PHASES = (
    [Phase.explicit, Phase.generate, Phase.target, Phase.shrink]
    if LONG_RUN
    else [Phase.generate, Phase.shrink]
)


@dataclass
class Scope:
    """What the fuzzing user may see: read from the database at each check, because the
    fuzzed writes themselves create organizations and members inside the subtree."""

    root: Organization

    def org_codes(self) -> set[str]:
        return set(
            Organization.objects.filter(path__startswith=self.root.path).values_list("code", flat=True)
        )

    def org_ids(self) -> set[int]:
        return set(Organization.objects.filter(path__startswith=self.root.path).values_list("pk", flat=True))

    def member_ids(self) -> set[int]:
        return set(
            Member.objects.filter(organization__path__startswith=self.root.path).values_list("pk", flat=True)
        )

    def parent_code(self) -> str | None:
        parent = self.root.get_parent()
        return parent.code if parent else None


def foreign_references(body: Any, path: str, scope: Scope) -> list[str]:
    """Every organization code, organization id or member id in a response body that lies
    outside the scope, described for the failure message."""
    codes, org_ids, member_ids = scope.org_codes(), scope.org_ids(), scope.member_ids()
    # A township's own record names its superior as "parent": that code is the one step up
    # the user is told about, not data of another subtree.
    parent_codes = codes | {scope.parent_code()}
    member_endpoint = path.startswith("/api/members/")
    found: list[str] = []

    def walk(node: Any, top_level: bool) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, top_level)
            return
        if not isinstance(node, dict):
            return
        if "results" in node and isinstance(node["results"], list):
            walk(node["results"], top_level=True)
            return
        if "code" in node and "name" in node and node["code"] not in codes:
            found.append(f"organization {node['code']}")
        for key in ("org", "group"):
            value = node.get(key)
            if isinstance(value, str) and value not in codes:
                found.append(f"{key} {value}")
        if isinstance(node.get("parent"), str) and node["parent"] not in parent_codes:
            found.append(f"parent {node['parent']}")
        for key in ("member", "speaker_member"):
            value = node.get(key)
            if isinstance(value, int) and value not in member_ids:
                found.append(f"{key} {value}")
        if isinstance(node.get("organization"), int) and node["organization"] not in org_ids:
            found.append(f"organization id {node['organization']}")
        if member_endpoint and top_level and isinstance(node.get("id"), int) and node["id"] not in member_ids:
            found.append(f"member {node['id']}")
        for key, value in node.items():
            if key != "results" and isinstance(value, dict | list):
                walk(value, top_level=False)

    walk(body, top_level=True)
    return found


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request, which inside the
    test's transaction would roll the world back; Django's own test client unhooks it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def township_scope(world) -> tuple[Scope, str]:
    user = world.users["township_a_admin"]
    return Scope(world.township_a), Token.objects.create(user=user).key


# Loaded once at collection, from the served /api/schema/ (no database needed to describe the API).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    max_examples=EXAMPLES_PER_OPERATION,
    database="none",
)


@schema.parametrize()
@hypothesis_settings(
    deadline=None,
    phases=PHASES,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_answers_without_server_error_inside_the_scope(
    case, township_scope, in_process_requests
):
    scope, token = township_scope
    response = case.call(headers={"Authorization": f"Token {token}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} → {response.status_code}\n{case.as_curl_command()}\n{response.text[:2000]}"
    )
    if "json" not in response.headers.get("Content-Type", [""])[0]:
        return
    leaks = foreign_references(response.json(), case.formatted_path, scope)
    assert not leaks, f"{case.method} {case.formatted_path} returned data outside 甲镇: {leaks}"
