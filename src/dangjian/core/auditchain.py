"""The hash chain that makes the audit tables append-only in a checkable way.

Each entry stores the hash of the entry before it (`prev_hash`) and its own hash
(`entry_hash` = SHA-256 over a canonical JSON of its recorded fields plus `prev_hash`). Editing
an entry changes its hash; deleting one breaks the link of the next. `dangjian audit-verify`
walks the chains. The list of hashed fields is fixed per table on purpose: adding a column
later must not silently change the hash of every entry already written.

Kept free of model imports so that migrations can compute the same hashes on historical
models.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections

GENESIS_HASH = "0" * 64

# attnames, so foreign keys hash their stored id and never need a query.
HASHED_FIELDS: dict[str, tuple[str, ...]] = {
    "auditevent": (
        "at",
        "actor_id",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "organization_id",
        "before",
        "after",
        "remote_addr",
    ),
    "accesslog": (
        "at",
        "actor_id",
        "actor_name",
        "kind",
        "object_type",
        "object_id",
        "object_repr",
        "organization_id",
        "detail",
        "remote_addr",
    ),
}


# The outcome column came after entries were already chained. An entry's hash covers its
# outcome only where it differs from the outcome its action implies; the rows written before
# the column existed were given exactly that implied outcome (migration core 0003), so their
# hashes stay as they were, while changing any outcome later adds, drops or alters the key and
# breaks the hash. This table is frozen for the same reason as HASHED_FIELDS: new actions
# state their outcome explicitly instead of being added here.
IMPLIED_OUTCOMES: dict[str, dict[str, str]] = {
    "auditevent": {
        "auth.login_failed": "failure",
        "auth.otp_failed": "failure",
        "otp.enrol_failed": "failure",
        "auth.lockout": "refused",
    },
    "accesslog": {},
}
DEFAULT_OUTCOME = "success"


def implied_outcome(model_name: str, action: str) -> str:
    return IMPLIED_OUTCOMES.get(model_name, {}).get(action, DEFAULT_OUTCOME)


def _canonical_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        # The database hands back the instant in UTC (or naive UTC on SQLite without tz support);
        # the hash must not depend on which time zone the writing process ran in.
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    return value


def _prepared(instance: Any, attname: str) -> Any:
    value = getattr(instance, attname)
    field = instance._meta.get_field(attname)
    if field.get_internal_type() == "GenericIPAddressField":
        # Stored in normalized form (IPv6 compressed); hash what the database will hold.
        value = field.get_prep_value(value)
    return _canonical_value(value)


def canonical_bytes(instance: Any, prev_hash: str) -> bytes:
    fields = HASHED_FIELDS[instance._meta.model_name]
    payload = {name: _prepared(instance, name) for name in fields}
    # Historical models of migrations before core 0003 have no outcome (None): nothing to add.
    outcome = getattr(instance, "outcome", None)
    model_name = instance._meta.model_name
    action = getattr(instance, "action", "") if model_name == "auditevent" else ""
    if outcome is not None and outcome != implied_outcome(model_name, action):
        payload["outcome"] = outcome
    payload["prev_hash"] = prev_hash
    # sort_keys + fixed separators: PostgreSQL's jsonb reorders keys, so order must not matter.
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def entry_hash(instance: Any, prev_hash: str) -> str:
    return hashlib.sha256(canonical_bytes(instance, prev_hash)).hexdigest()


def link(entries: Sequence[Any], head: str) -> str:
    """Fill prev_hash/entry_hash of new entries in write order; return the new head."""
    for entry in entries:
        entry.prev_hash = head
        entry.entry_hash = entry_hash(entry, head)
        head = entry.entry_hash
    return head


def lock_chain(model: Any, using: str) -> None:
    """Serialize writers of one chain until the end of the current transaction.

    PostgreSQL: a transaction-scoped advisory lock. Locking the last row with SELECT ... FOR
    UPDATE is not enough: under READ COMMITTED a waiting writer re-reads the *same* row after
    the first one commits and would chain to it a second time (a fork), and an empty table has
    no row to lock. SQLite: the project opens every transaction with BEGIN IMMEDIATE, which
    already holds the single write lock, so nothing more is needed."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        key = zlib.crc32(model._meta.db_table.encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def chain_head(model: Any, using: str) -> str:
    last = model._base_manager.using(using).order_by("-pk").values_list("entry_hash", flat=True).first()
    return last or GENESIS_HASH


def relink_all(model: Any, using: str, batch_size: int = 1000) -> None:
    """Compute the chain of rows written before the chain existed (used by the migration)."""
    head = GENESIS_HASH
    batch: list[Any] = []
    for row in model._base_manager.using(using).order_by("pk").iterator(chunk_size=batch_size):
        head = link([row], head)
        batch.append(row)
        if len(batch) >= batch_size:
            model._base_manager.using(using).bulk_update(batch, ["prev_hash", "entry_hash"])
            batch = []
    if batch:
        model._base_manager.using(using).bulk_update(batch, ["prev_hash", "entry_hash"])


def first_break(rows: Iterable[Any], accepted_starts: set[str]) -> tuple[Any, str] | None:
    """The first entry whose content or link does not check out, with the reason (Chinese)."""
    previous = None
    for row in rows:
        if previous is None:
            if row.prev_hash not in accepted_starts:
                return row, "链首与起点或清理锚点都对不上，更早的记录可能被删除"
        elif row.prev_hash != previous.entry_hash:
            return row, f"与前一条（编号 {previous.pk}）的链接断开，中间的记录可能被删除"
        if entry_hash(row, row.prev_hash) != row.entry_hash:
            return row, "内容与校验值不符，记录可能被修改"
        previous = row
    return None
