"""Every audit and access record carries its outcome (success / failure / refused), the hash
covers it without changing the hash of rows written before the column, and a refused request
of a signed-in user (403, or 404 for an object of another subtree) leaves a refused row."""

import hashlib
import io
import json
from importlib import import_module

import openpyxl
import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from dangjian.core import auditchain
from dangjian.core.audit import access_log_record, audit_record, audit_verify
from dangjian.core.models import AccessLog, AuditEvent, Outcome

pytestmark = pytest.mark.django_db

implied_outcomes = import_module("dangjian.core.migrations.0003_audit_outcome").implied_outcomes


@pytest.fixture
def client_for(world):
    def make(username):
        client = Client()
        client.force_login(world.users[username])
        return client

    return make


def _chains_ok():
    reports = audit_verify()
    return all(report.ok for report in reports), [report.describe() for report in reports]


def _hash_without_outcome(row):
    """The hash as it was computed before the outcome column existed."""
    payload = {
        name: auditchain._prepared(row, name) for name in auditchain.HASHED_FIELDS[row._meta.model_name]
    }
    payload["prev_hash"] = row.prev_hash
    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode()).hexdigest()


def _set_outcome(model, pk, outcome):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {model._meta.db_table} SET outcome = %s WHERE id = %s", [outcome, pk])


def _failed_login(client, username="township_a_admin"):
    client.post(reverse("login"), {"username": username, "password": "wrong-password"})
    return AuditEvent.objects.filter(action="auth.login_failed").latest("pk")


def test_failed_login_is_a_failure_and_hashes_as_before(world):
    event = _failed_login(Client())
    assert event.outcome == Outcome.FAILURE
    # Its outcome is the one its action implies: the hash is the pre-outcome one.
    assert event.entry_hash == _hash_without_outcome(event)
    ordinary = audit_record(actor=None, action="test.note", obj=world.members["zhang"])
    assert ordinary.outcome == Outcome.SUCCESS
    assert ordinary.entry_hash == _hash_without_outcome(ordinary)
    log = access_log_record(actor=world.users["auditor"], kind=AccessLog.Kind.EXPORT)
    assert log.outcome == Outcome.SUCCESS and log.entry_hash == _hash_without_outcome(log)
    assert _chains_ok()[0]


def test_an_outcome_other_than_the_implied_one_is_hashed(world):
    refused = audit_record(
        actor=None, action="test.note", obj=world.members["zhang"], outcome=Outcome.REFUSED
    )
    assert refused.entry_hash != _hash_without_outcome(refused)
    assert _chains_ok()[0]


@pytest.mark.parametrize(
    "action, written, tampered",
    [
        ("test.note", Outcome.SUCCESS, Outcome.FAILURE),
        ("test.note", Outcome.REFUSED, Outcome.SUCCESS),
        ("test.note", Outcome.REFUSED, Outcome.FAILURE),
        ("auth.login_failed", Outcome.FAILURE, Outcome.SUCCESS),
    ],
)
def test_changing_an_outcome_breaks_the_chain(world, action, written, tampered):
    event = audit_record(actor=None, action=action, obj=world.members["zhang"], outcome=written)
    assert _chains_ok()[0]
    _set_outcome(AuditEvent, event.pk, tampered)
    ok, described = _chains_ok()
    assert not ok
    assert any(f"编号 {event.pk}" in line and "被修改" in line for line in described), described


def test_access_log_outcome_is_covered_too(world):
    log = access_log_record(actor=world.users["auditor"], kind=AccessLog.Kind.EXPORT)
    _set_outcome(AccessLog, log.pk, Outcome.REFUSED)
    assert not _chains_ok()[0]


def test_migration_gives_old_rows_their_implied_outcome_and_the_chain_verifies(world):
    client = Client()
    failed = _failed_login(client)
    # The state right after AddField: every old row holds the column default.
    _set_outcome(AuditEvent, failed.pk, Outcome.SUCCESS)
    assert not _chains_ok()[0]
    implied_outcomes(global_apps, connection.schema_editor())
    failed.refresh_from_db()
    assert failed.outcome == Outcome.FAILURE
    assert _chains_ok()[0]


def _refusals():
    return AccessLog.objects.filter(kind=AccessLog.Kind.REQUEST).order_by("pk")


def test_another_subtrees_org_page_and_api_object_leave_refused_rows(world, client_for):
    client = client_for("township_a_admin")
    assert client.get(reverse("orgs:detail", args=["TB01"]), REMOTE_ADDR="10.1.2.3").status_code == 404
    token = Token.objects.create(user=world.users["township_a_admin"])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/orgs/TB01/?q=11010519491231002X", REMOTE_ADDR="10.1.2.4").status_code == 404
    zhao = world.members["zhao"]
    assert client.get(reverse("members:detail", args=[zhao.pk])).status_code == 404
    assert (
        api.patch(f"/api/members/{zhao.pk}/", {"name": "改名"}, content_type="application/json").status_code
        == 404
    )

    rows = list(_refusals())
    assert [(r.object_type, r.object_id, r.detail["method"]) for r in rows] == [
        ("organization", "TB01", "GET"),
        ("organization", "TB01", "GET"),
        ("member", str(zhao.pk), "GET"),
        ("member", str(zhao.pk), "PATCH"),
    ]
    assert all(r.outcome == Outcome.REFUSED for r in rows)
    assert all(r.actor_name == "township_a_admin" for r in rows)
    assert all(r.organization == world.township_a for r in rows)  # the user's own auditor sees it
    assert [r.remote_addr for r in rows[:2]] == ["10.1.2.3", "10.1.2.4"]
    assert rows[1].detail["path"] == "/api/orgs/TB01/"  # no query string: it can hold personal data
    # No personal data: not the member's name, nor the ID number searched for.
    for row in rows:
        text = json.dumps([row.object_repr, row.detail], ensure_ascii=False)
        assert "赵丽" not in text and "11010519491231002X" not in text
    assert _chains_ok()[0]


def test_a_403_is_refused_and_a_real_404_or_an_allowed_page_is_not(world, client_for):
    client = client_for("township_a_admin")
    assert client.get(reverse("orgs:detail", args=["NOPE"])).status_code == 404
    assert client.get(reverse("orgs:detail", args=["TA01"])).status_code == 200
    assert client.get(f"/api/members/{world.members['zhang'].pk}/").status_code == 200
    assert not _refusals().exists()
    assert client.get(reverse("core:audit")).status_code == 403
    (row,) = _refusals()
    assert (row.object_type, row.object_repr, row.detail, row.outcome) == (
        "",
        "GET /audit/",
        {"method": "GET", "path": "/audit/", "status": 403},
        Outcome.REFUSED,
    )


def test_anonymous_requests_are_not_logged_as_refusals(world):
    assert Client().get("/api/orgs/TB01/").status_code in (401, 403)
    assert not _refusals().exists()


def _sheet(response):
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_auditor_filters_and_exports_by_outcome(world, client_for):
    client_for("township_a_admin").get(reverse("orgs:detail", args=["TB01"]))
    _failed_login(Client())
    auditor = client_for("auditor")

    events = auditor.get(reverse("core:audit"), {"outcome": "failure"})
    assert [event.action for event in events.context["rows"]] == ["auth.login_failed"]
    assert "登录失败" in events.content.decode()
    rows = _sheet(auditor.get(reverse("core:audit-export"), {"outcome": "failure"}))
    assert rows[2][3] == "结果"
    assert [(row[2], row[3]) for row in rows[3:]] == [("登录失败", "失败")]

    refused = auditor.get(reverse("core:audit"), {"log": "access", "outcome": "refused"})
    assert [log.kind for log in refused.context["rows"]] == ["request"]
    text = refused.content.decode()
    assert "访问页面或接口" in text and "拒绝" in text
    rows = _sheet(auditor.get(reverse("core:audit-export"), {"log": "access", "outcome": "refused"}))
    assert [(row[2], row[3], row[5]) for row in rows[3:]] == [("访问页面或接口", "拒绝", "乙镇南村党支部")]
    succeeded = auditor.get(reverse("core:audit"), {"log": "access", "outcome": "success"})
    kinds = [log.kind for log in succeeded.context["rows"]]
    assert kinds and "request" not in kinds  # the exports above, not the refusal
