"""The audit tables are append-only: chained by hashes, refusing edits, verified by a command."""

import datetime as dt
import itertools
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.models import QuerySet
from django.utils import timezone

from dangjian.core import auditchain
from dangjian.core.audit import (
    PRUNE_ACTION,
    access_log_record,
    audit_prune,
    audit_record,
    audit_record_many,
    audit_verify,
    build_audit_event,
)
from dangjian.core.models import AccessLog, AuditEvent, AuditImmutableError

pytestmark = pytest.mark.django_db


def _write_some(world, count=3):
    zhang = world.members["zhang"]
    for number in range(count):
        audit_record(actor=None, action="test.note", obj=zhang, after={"n": number})
    access_log_record(actor=world.users["auditor"], kind=AccessLog.Kind.EXPORT, detail={"rows": 1})


def _report(model):
    return next(r for r in audit_verify() if r.table == model._meta.db_table)


def _tamper(model, pk, column, value):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {model._meta.db_table} SET {column} = %s WHERE id = %s", [value, pk])


def test_every_write_path_links_into_one_chain(world):
    _write_some(world)
    audit_record_many(
        [
            build_audit_event(actor=None, action="test.bulk", obj=world.members["li"], after={"n": n})
            for n in range(5)
        ]
    )
    events = list(AuditEvent.objects.order_by("pk"))
    assert events[0].prev_hash == auditchain.GENESIS_HASH
    for previous, current in itertools.pairwise(events):
        assert current.prev_hash == previous.entry_hash
    assert all(len(e.entry_hash) == 64 for e in events)
    assert all(report.ok for report in audit_verify()), [r.describe() for r in audit_verify()]


def test_entries_refuse_update_and_delete(world):
    _write_some(world)
    event = AuditEvent.objects.first()
    event.action = "forged"
    with pytest.raises(AuditImmutableError, match="只能追加"):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AuditImmutableError):
        AccessLog.objects.all().delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.bulk_update([event], ["action"])
    assert not AuditEvent.objects.filter(action="forged").exists()


def test_verify_names_the_edited_entry(world, capsys):
    _write_some(world)
    victim = AuditEvent.objects.order_by("pk")[2]
    _tamper(AuditEvent, victim.pk, "actor_name", "别人")
    report = _report(AuditEvent)
    assert (report.broken_pk, report.broken_position) == (victim.pk, 3)
    assert "被修改" in report.describe()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify")
    assert exit_info.value.code == 1
    assert f"编号 {victim.pk}" in capsys.readouterr().err


def test_verify_notices_a_removed_entry(world):
    _write_some(world)
    rows = list(AuditEvent.objects.order_by("pk"))
    QuerySet.delete(AuditEvent.objects.filter(pk=rows[1].pk))
    report = _report(AuditEvent)
    assert report.broken_pk == rows[2].pk
    assert "链接断开" in report.reason


def test_verify_notices_a_rechained_forgery_at_the_start(world):
    """Deleting the oldest entries leaves a chain that starts at no known point."""
    _write_some(world)
    first = AuditEvent.objects.order_by("pk").first()
    QuerySet.delete(AuditEvent.objects.filter(pk=first.pk))
    assert "链首" in _report(AuditEvent).reason


def test_verify_passes_on_an_intact_log(world, capsys):
    _write_some(world)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "校验通过" in out and "操作记录" in out and "访问记录" in out


def test_deleting_a_user_or_organization_keeps_the_log_intact(world):
    from dangjian.access.models import Grant

    auditor = world.users["auditor"]
    access_log_record(actor=auditor, kind=AccessLog.Kind.EXPORT)
    Grant.objects.filter(user=auditor).delete()
    auditor.delete()
    log = AccessLog.objects.get(actor_name="auditor")
    assert log.actor_id is not None  # the id it was written with, not rewritten to NULL
    assert all(report.ok for report in audit_verify())


def _age(model, before: dt.datetime):
    """Backdate entries (a raw write, as time would) and re-link the chain over them."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {model._meta.db_table} SET at = %s", [before])
    auditchain.relink_all(model, "default")


def test_prune_keeps_the_retention_period_and_leaves_a_verifiable_chain(world):
    now = timezone.now()
    _write_some(world)
    _age(AuditEvent, now - dt.timedelta(days=400))
    _age(AccessLog, now - dt.timedelta(days=400))
    old_count = AuditEvent.objects.count()
    _write_some(world, count=2)

    summary = audit_prune(months=6)

    assert summary["deleted"] == {"auditevent": old_count, "accesslog": 1}
    assert not AuditEvent.objects.filter(at__lt=now - dt.timedelta(days=200)).exists()
    assert AuditEvent.objects.filter(action="test.note").count() == 2
    assert AccessLog.objects.count() == 1
    prune = AuditEvent.objects.get(action=PRUNE_ACTION)
    assert prune.after["retention_months"] == 6
    assert all(report.ok for report in audit_verify()), [r.describe() for r in audit_verify()]
    # The anchor is only good for the first kept entry, not for a deeper cut.
    first_kept = AuditEvent.objects.order_by("pk").first()
    QuerySet.delete(AuditEvent.objects.filter(pk=first_kept.pk))
    assert not _report(AuditEvent).ok


def test_prune_refuses_less_than_six_months(world):
    with pytest.raises(CommandError, match="至少保留 6 个月"):
        call_command("audit_prune", "--months", "3")


def test_data_migration_relinks_rows_written_before_the_chain(world):
    _write_some(world)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET prev_hash = '', entry_hash = ''")
    assert not _report(AuditEvent).ok
    auditchain.relink_all(AuditEvent, "default")
    assert _report(AuditEvent).ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain(world):
    if connection.vendor != "postgresql":
        pytest.skip("并发写入的锁只在 PostgreSQL 上有意义；SQLite 由 BEGIN IMMEDIATE 串行化写入")
    zhang = world.members["zhang"]
    barrier = threading.Barrier(6)
    errors = []

    def writer(number):
        try:
            barrier.wait()
            for step in range(10):
                audit_record(actor=None, action="test.race", obj=zhang, after={"w": number, "s": step})
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert AuditEvent.objects.filter(action="test.race").count() == 60
    assert all(report.ok for report in audit_verify()), [r.describe() for r in audit_verify()]
