"""`dangjian rotate-keys`: rewrite every encrypted value and look-up digest still made with an
older key (see core.crypto), so the older keys can then be removed from the environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from . import crypto
from .fields import EncryptedTextField, KeyedDigestField
from .models import AuditEvent

ACTION = "crypto.rotate_keys"


@dataclass
class KeyRotationResult:
    data_key: str
    hash_key: str
    rewritten: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rewritten.values())


def encrypted_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if any(isinstance(f, EncryptedTextField) for f in model._meta.concrete_fields)
    ]


def _fields(model: type[models.Model]) -> tuple[list[EncryptedTextField], list[KeyedDigestField]]:
    concrete = model._meta.concrete_fields
    return (
        [f for f in concrete if isinstance(f, EncryptedTextField)],
        [f for f in concrete if isinstance(f, KeyedDigestField)],
    )


def rows_on_old_keys(model: type[models.Model]) -> models.QuerySet:
    """Rows whose ciphertexts or digests were written with a key that is no longer current."""
    data_prefix = f"{crypto.TOKEN_PREFIX}:{crypto.data_keys().current_id}:"
    hash_prefix = f"{crypto.hash_keys().current_id}{crypto.DIGEST_SEPARATOR}"
    encrypted, digests = _fields(model)
    # Cast to plain text, so the stored ciphertext is compared instead of being decrypted.
    stored = {f"stored_{f.name}": Cast(f.name, TextField()) for f in encrypted}
    stale = Q()
    for alias in stored:
        stale |= ~Q(**{alias: ""}) & ~Q(**{f"{alias}__startswith": data_prefix})
    for digest in digests:
        stale |= Q(**{f"{digest.name}__isnull": False}) & ~Q(**{f"{digest.name}__startswith": hash_prefix})
    return model._base_manager.annotate(**stored).filter(stale)


def rows_on_old_keys_count() -> dict[str, int]:
    return {model._meta.label: rows_on_old_keys(model).count() for model in encrypted_models()}


def rotate_keys(*, actor: Any = None, batch_size: int = 1000) -> KeyRotationResult:
    """Re-encrypt with the current data key and recompute digests with the current hash key.

    Only rows still on an older key are read, a batch per transaction: an interrupted run goes on
    where it stopped, and a second run rewrites nothing. Each run leaves one audit row."""
    result = KeyRotationResult(data_key=crypto.data_keys().current_id, hash_key=crypto.hash_keys().current_id)
    for model in encrypted_models():
        encrypted, digests = _fields(model)
        names = [f.name for f in [*encrypted, *digests]]
        result.rewritten[model._meta.label] = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                batch = list(
                    rows_on_old_keys(model)
                    .filter(pk__gt=last_pk)
                    .order_by("pk")
                    .only("pk", *names)
                    .select_for_update()[:batch_size]
                )
                if not batch:
                    break
                for row in batch:
                    for f in encrypted:
                        # Assigning the clear value refreshes its digests under the current key.
                        setattr(row, f.attname, getattr(row, f.attname))
                model._base_manager.bulk_update(batch, names)
                last_pk = batch[-1].pk
                result.rewritten[model._meta.label] += len(batch)
    authenticated = getattr(actor, "is_authenticated", False)
    AuditEvent(
        actor=actor if authenticated else None,
        actor_name=actor.get_username() if authenticated else "系统",
        action=ACTION,
        object_type="crypto",
        object_id="",
        object_repr="身份证号、联系电话的加密密钥轮换",
        after={"rewritten": result.rewritten, "data_key": result.data_key, "hash_key": result.hash_key},
    ).save()
    return result
