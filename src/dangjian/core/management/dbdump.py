"""Backup and restore of the whole database, with a manifest that proves what a dump holds.

SQLite goes through the online backup API (a consistent copy while the site runs, for a file
or the in-memory test database alike); PostgreSQL through pg_dump/pg_restore, the dump taken
on the same snapshot as the row counts of the manifest so the two always agree.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

MANIFEST_SUFFIX = ".manifest.json"
DUMP_SUFFIX = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is for the operator, in Chinese."""


@dataclass
class Manifest:
    path: Path
    data: dict[str, Any]

    @property
    def dump_path(self) -> Path:
        return self.path.parent / self.data["file"]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _quote(connection: Any, table: str) -> str:
    return connection.ops.quote_name(table)


def _table_counts(connection: Any, cursor: Any) -> dict[str, int]:
    counts = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(connection, table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _sqlite_file_counts(path: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


def applied_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    loader = MigrationLoader(connections[alias], ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.applied_migrations)


def _require_binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"找不到 {name}：PostgreSQL 的备份和恢复需要安装 PostgreSQL 客户端工具"
            f"（如 apt install postgresql-client），且版本不低于数据库服务器。"
        )
    return found


def _libpq_environment(alias: str) -> dict[str, str]:
    """Connection settings for pg_dump/pg_restore, passed through the environment so the
    password never shows in the process list."""
    settings = connections[alias].settings_dict
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", settings.get("HOST")),
        ("PGPORT", settings.get("PORT")),
        ("PGUSER", settings.get("USER")),
        ("PGPASSWORD", settings.get("PASSWORD")),
        ("PGDATABASE", settings.get("NAME")),
    ):
        if value:
            env[key] = str(value)
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} 执行失败（状态 {result.returncode}）：{result.stderr.strip()}"
        )


@contextlib.contextmanager
def _postgres_snapshot(alias: str) -> Iterator[tuple[str, dict[str, int]]]:
    """Row counts and an exported snapshot id, valid while the block runs, for pg_dump --snapshot."""
    connection = connections[alias]
    connection.ensure_connection()
    raw = connection.connection
    previous_autocommit = raw.autocommit
    raw.autocommit = False
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _table_counts(connection, cursor)
        yield snapshot, counts
    finally:
        raw.rollback()
        raw.autocommit = previous_autocommit


def backup(directory: Path, alias: str = DEFAULT_DB_ALIAS, now: dt.datetime | None = None) -> Manifest:
    connection = connections[alias]
    engine = connection.vendor
    if engine not in DUMP_SUFFIX:
        raise BackupError(f"不支持备份 {engine} 数据库，只支持 SQLite 和 PostgreSQL。")
    directory.mkdir(parents=True, exist_ok=True)
    created = now or timezone.now()
    stem = f"dangjian-{created.astimezone(dt.UTC):%Y%m%d-%H%M%S}"
    dump = directory / f"{stem}{DUMP_SUFFIX[engine]}"
    if dump.exists():
        raise BackupError(f"备份文件 {dump} 已存在，请稍后再试或换一个目录。")
    if engine == "sqlite":
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(dump)) as target:
            connection.connection.backup(target)
        counts = _sqlite_file_counts(dump)
    else:
        pg_dump = _require_binary("pg_dump")
        with _postgres_snapshot(alias) as (snapshot, counts):
            _run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-owner", f"--file={dump}"],
                _libpq_environment(alias),
            )
    data = {
        "format": 1,
        "created_at": created.astimezone(dt.UTC).isoformat(),
        "engine": engine,
        "file": dump.name,
        "sha256": sha256_of(dump),
        "size": dump.stat().st_size,
        "migrations": applied_migrations(alias),
        "row_counts": counts,
    }
    manifest_path = directory / f"{stem}{MANIFEST_SUFFIX}"
    manifest_path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return Manifest(manifest_path, data)


def read_manifest(path: Path) -> Manifest:
    """The manifest named, or the one beside the dump named."""
    if not path.name.endswith(MANIFEST_SUFFIX):
        path = path.with_name(path.name.removesuffix(path.suffix) + MANIFEST_SUFFIX)
    if not path.exists():
        raise BackupError(f"找不到清单文件 {path}：没有清单无法确认备份完整，拒绝恢复。")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"清单文件 {path} 无法读取：{exc}") from exc
    return Manifest(path, data)


def check_restorable(manifest: Manifest, alias: str = DEFAULT_DB_ALIAS) -> None:
    """Refuse a dump that is not exactly what the manifest describes, or not for this database."""
    dump = manifest.dump_path
    if not dump.exists():
        raise BackupError(f"找不到备份文件 {dump}。")
    actual = sha256_of(dump)
    if actual != manifest.data.get("sha256"):
        raise BackupError(
            f"备份文件 {dump.name} 的校验值与清单不符（清单 {manifest.data.get('sha256')}，实际 {actual}）："
            "文件可能已损坏或被改动，拒绝恢复。"
        )
    engine = connections[alias].vendor
    if manifest.data.get("engine") != engine:
        raise BackupError(
            f"这是 {manifest.data.get('engine')} 数据库的备份，当前数据库是 {engine}，不能直接恢复。"
        )
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = {f"{app}.{name}" for app, name in loader.disk_migrations}
    newer = sorted(set(manifest.data.get("migrations", [])) - known)
    if newer:
        raise BackupError(
            f"备份来自更新版本的程序（本程序没有这些迁移：{'、'.join(newer[:5])}），请先升级程序再恢复。"
        )


def restore(manifest: Manifest, alias: str = DEFAULT_DB_ALIAS) -> dict[str, tuple[int, int]]:
    """Replace the database with the dump; return the tables whose row counts differ from the
    manifest afterwards (table → (expected, found)), empty when nothing was lost."""
    check_restorable(manifest, alias)
    connection = connections[alias]
    dump = manifest.dump_path
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(dump)) as source:
            source.backup(connection.connection)
    else:
        pg_restore = _require_binary("pg_restore")
        connection.close()
        env = _libpq_environment(alias)
        _run(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={env['PGDATABASE']}",
                str(dump),
            ],
            env,
        )
    with connection.cursor() as cursor:
        counts = _table_counts(connection, cursor)
    expected = manifest.data["row_counts"]
    return {
        table: (expected.get(table, 0), counts.get(table, 0))
        for table in sorted(set(expected) | set(counts))
        if expected.get(table, 0) != counts.get(table, 0)
    }
