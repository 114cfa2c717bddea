"""The auditor exports the filtered 操作记录 and 访问记录 as .xlsx (issue 7: "searchable by the
auditor, exportable"); only within the audit grant, and the export is itself access-logged."""

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from dangjian.access.roles import Role
from dangjian.core.models import AccessLog, AuditEvent
from dangjian.core.testing.world import make_user

pytestmark = pytest.mark.django_db


def sheet_rows(response) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(book.active.iter_rows(values_only=True))


@pytest.mark.parametrize("username", ["township_a_admin", "secretary_a1", "inspector_a", "nobody"])
def test_only_auditors_export(world, client_for, username):
    assert client_for(username).get(reverse("core:audit-export")).status_code == 403
    assert not AccessLog.objects.filter(detail__table="audit_event").exists()


def test_the_export_holds_the_filtered_events_and_is_logged(world, client_for):
    response = client_for("auditor").get(reverse("core:audit-export"), {"org": world.township_a.code})
    assert response.status_code == 200
    rows = sheet_rows(response)
    assert rows[0][0].startswith("导出人：auditor")  # the watermark line
    assert rows[2][:3] == ("时间", "操作人", "操作")
    exported = {row[5] for row in rows[3:]}
    in_township_a = AuditEvent.objects.filter(organization__path__startswith=world.township_a.path)
    assert exported == set(in_township_a.values_list("object_repr", flat=True))
    assert len(rows) - 3 == in_township_a.count() > 0
    log = AccessLog.objects.get(detail__table="audit_event")
    assert (log.actor.username, log.kind, log.detail["rows"]) == ("auditor", "export", len(rows) - 3)


def test_an_auditor_of_one_township_exports_nothing_of_the_other(world):
    client = Client()
    client.force_login(make_user("auditor_a", Role.AUDITOR, world.township_a))
    rows = sheet_rows(client.get(reverse("core:audit-export")))
    organizations = {row[6] for row in rows[3:]}
    assert organizations  # township A's own events are there
    assert not any(name and name.startswith("乙镇") for name in organizations)


def test_the_access_log_exports_too(world, client_for):
    client = client_for("auditor")
    client.get(reverse("core:audit-export"))  # leaves one access-log row to export
    rows = sheet_rows(client.get(reverse("core:audit-export"), {"log": "access"}))
    assert rows[2][:3] == ("时间", "用户", "类型")
    assert any(row[2] == "导出" for row in rows[3:])
