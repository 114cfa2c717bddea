"""Backup and restore: a round trip loses nothing, and a damaged dump is refused.

These tests run against the test database itself (transaction=True, so nothing wraps them in
an open transaction): on SQLite that is pytest-django's in-memory database, which the online
backup API copies as well as a file; on PostgreSQL it is the test database, dumped with the
real pg_dump/pg_restore when present."""

import json
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dangjian.core.audit import audit_verify
from dangjian.core.management.dbdump import MANIFEST_SUFFIX, sha256_of
from dangjian.core.models import AuditEvent
from dangjian.members import services as member_services
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _dump_tools():
    if connection.vendor == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("没有安装 pg_dump/pg_restore，跳过 PostgreSQL 备份测试")


def _backup(tmp_path):
    call_command("backup", str(tmp_path))
    (manifest_path,) = tmp_path.glob(f"*{MANIFEST_SUFFIX}")
    return manifest_path, json.loads(manifest_path.read_text(encoding="utf-8"))


def _counts():
    with connection.cursor() as cursor:
        return {
            table: cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}").fetchone()[0]
            for table in connection.introspection.table_names(cursor)
        }


def test_round_trip_restores_every_row(world, tmp_path, capsys):
    _, manifest = _backup(tmp_path)
    assert manifest["engine"] == connection.vendor
    assert manifest["sha256"] == sha256_of(tmp_path / manifest["file"])
    assert "core.0002_audit_hash_chain" in manifest["migrations"]
    assert manifest["row_counts"]["members_member"] == 4
    assert manifest["row_counts"] == {
        table: count for table, count in _counts().items() if table in manifest["row_counts"]
    }
    zhang = world.members["zhang"]
    original_name, original_audit = zhang.name, AuditEvent.objects.count()

    member_services.member_update(actor=None, member=zhang, name="改过的名字")
    Member.objects.filter(pk=world.members["wang"].pk).delete()

    call_command("restore", str(tmp_path / manifest["file"]), "--yes")

    assert "各表行数与清单一致" in capsys.readouterr().out
    assert Member.objects.get(pk=zhang.pk).name == original_name
    assert Member.objects.filter(pk=world.members["wang"].pk).exists()
    assert Organization.objects.get(code="TA01").name == world.branch_a1.name
    assert AuditEvent.objects.count() == original_audit
    assert {t: c for t, c in _counts().items() if t in manifest["row_counts"]} == manifest["row_counts"]
    assert all(report.ok for report in audit_verify())


def test_restore_refuses_a_dump_that_does_not_match_its_checksum(world, tmp_path):
    manifest_path, manifest = _backup(tmp_path)
    dump = tmp_path / manifest["file"]
    dump.write_bytes(dump.read_bytes() + b"\0")
    member_services.member_update(actor=None, member=world.members["zhang"], name="恢复前的名字")

    with pytest.raises(CommandError, match="校验值与清单不符"):
        call_command("restore", str(manifest_path), "--yes")
    assert Member.objects.get(pk=world.members["zhang"].pk).name == "恢复前的名字"


def test_restore_refuses_without_a_manifest(world, tmp_path):
    manifest_path, manifest = _backup(tmp_path)
    manifest_path.unlink()
    with pytest.raises(CommandError, match="找不到清单文件"):
        call_command("restore", str(tmp_path / manifest["file"]), "--yes")


def test_restore_asks_before_overwriting(world, tmp_path, monkeypatch):
    manifest_path, _ = _backup(tmp_path)
    member_services.member_update(actor=None, member=world.members["zhang"], name="不该被覆盖")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="已取消"):
        call_command("restore", str(manifest_path))
    assert Member.objects.get(pk=world.members["zhang"].pk).name == "不该被覆盖"
