"""SQLite "database is locked": two threads writing to one database file with the settings the
platform really uses (`database_from_env`: WAL, BEGIN IMMEDIATE, a 20-second busy timeout)
queue behind each other instead of failing.

Why IMMEDIATE matters: a DEFERRED transaction reads under a shared lock and asks for the write
lock only at its first write. When two such transactions both hold the shared lock, SQLite
cannot make either wait (it would deadlock) and answers SQLITE_BUSY at once, whatever the busy
timeout. The control test below shows that failure with the same code and DEFERRED."""

import threading
import time

import pytest
from django.db import connections, transaction

from dangjian.settings.base import database_from_env

WRITERS = 2
INCREMENTS_EACH = 15


@pytest.fixture
def file_database(tmp_path, monkeypatch, django_db_blocker):
    """A connection alias to a fresh SQLite file configured exactly as in production; returns
    a function that makes the alias with optional overrides of its OPTIONS."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'race.sqlite3'}")
    created: list[str] = []

    def make(alias: str, **option_overrides) -> str:
        config = database_from_env()
        config["OPTIONS"] = {**config["OPTIONS"], **option_overrides}
        everything = {"default": dict(connections.settings["default"]), alias: config}
        connections.settings[alias] = connections.configure_settings(everything)[alias]
        created.append(alias)
        with django_db_blocker.unblock(), connections[alias].cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, value INTEGER)")
            cursor.execute("INSERT OR REPLACE INTO counter (id, value) VALUES (1, 0)")
        connections[alias].close()
        return alias

    with django_db_blocker.unblock():
        yield make
    for alias in created:
        connections[alias].close()
        del connections.settings[alias]


def read_then_write(alias: str, after_read: threading.Barrier | None = None) -> None:
    """A service-shaped transaction: read a value, think, write the value back plus one."""
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SELECT value FROM counter WHERE id = 1")
        (value,) = cursor.fetchone()
        if after_read is not None:
            after_read.wait(timeout=5)
        time.sleep(0.005)
        cursor.execute("UPDATE counter SET value = %s WHERE id = 1", [value + 1])


def run_writers(alias: str, *, meet_after_first_read: bool) -> list[Exception]:
    errors: list[Exception] = []
    barrier = threading.Barrier(WRITERS) if meet_after_first_read else None

    def writer() -> None:
        try:
            for step in range(INCREMENTS_EACH):
                read_then_write(alias, barrier if step == 0 else None)
        except Exception as error:
            errors.append(error)
        finally:
            connections[alias].close()

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def counter_value(alias: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT value FROM counter WHERE id = 1")
        return cursor.fetchone()[0]


def test_the_production_settings_queue_concurrent_writers(file_database):
    alias = file_database("sqlite_file")
    assert connections.settings[alias]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    errors = run_writers(alias, meet_after_first_read=False)
    assert errors == []
    # Every read-then-write saw the previous one's result: no update was lost either.
    assert counter_value(alias) == WRITERS * INCREMENTS_EACH


def test_control_deferred_transactions_do_fail_with_database_is_locked(file_database):
    """Without IMMEDIATE the same writers fail: the test above would catch a lost setting."""
    alias = file_database("sqlite_deferred", transaction_mode="DEFERRED")
    errors = run_writers(alias, meet_after_first_read=True)
    assert any("database is locked" in str(error) for error in errors), errors
