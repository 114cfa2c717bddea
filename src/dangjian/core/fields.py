"""Model fields for personal data at rest: an encrypted text field and the keyed digest that
finds it (see core.crypto for the formats and keys).

Both work with save(), bulk_create() and bulk_update(): encryption happens in get_prep_value,
which every write path calls, and the digest is recomputed whenever the clear value is
assigned, so it is current before validation (uniqueness) and before any bulk write."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django import forms
from django.core.exceptions import FieldError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from . import crypto


class _DigestingAttribute(DeferredAttribute):
    """Assigning the clear value also refreshes its digest fields."""

    field: EncryptedTextField

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value
        for digest_field in self.field.digest_fields:
            instance.__dict__[digest_field.attname] = digest_field.digest_of(value)


class EncryptedTextField(models.TextField):
    """Text kept encrypted in the database (AES-256-GCM). `max_length` limits the clear text.

    Only `isnull` can be queried: any other look-up would compare ciphertexts, which differ on
    every write, and silently find nothing; query the digest field instead."""

    description = "加密存储的文本"
    descriptor_class = _DigestingAttribute

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(MaxLengthValidator(self.max_length))

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only)
        # Bound into every ciphertext, so a value copied into another column does not decrypt.
        self.crypto_context = f"{cls._meta.label_lower}.{name}"

    @cached_property
    def digest_fields(self) -> list[KeyedDigestField]:
        return [
            field
            for field in self.model._meta.fields
            if isinstance(field, KeyedDigestField) and field.source == self.name
        ]

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            # Blank stays blank: it says only that nothing was filled in.
            return value
        return crypto.encrypt(value, context=self.crypto_context)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self.crypto_context)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        hint = "、".join(field.name for field in self.digest_fields) or "摘要字段"
        raise FieldError(
            f"{self.crypto_context} 加密存储，不能按“{lookup_name}”查询；精确查找请用 {hint}（见 core.crypto.digests）"
        )

    def formfield(self, **kwargs: Any) -> Any:
        # A one-line input, as for the CharField this replaces, not TextField's textarea.
        return models.Field.formfield(self, form_class=forms.CharField, max_length=self.max_length, **kwargs)


class KeyedDigestField(models.CharField):
    """HMAC-SHA256 digest of another field's clear value, for exact look-ups and uniqueness.

    Declare it before its source field: Model.__init__ assigns fields in order, and the
    source's assignment is what fills it."""

    description = "加密字段的查找摘要"

    def __init__(self, *args: Any, source: str, purpose: str, **kwargs: Any) -> None:
        self.source = source
        self.purpose = purpose
        kwargs.setdefault("max_length", crypto.DIGEST_MAX_LENGTH)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["purpose"] = self.purpose
        if kwargs.get("max_length") == crypto.DIGEST_MAX_LENGTH:
            del kwargs["max_length"]
        if kwargs.get("editable") is False:
            del kwargs["editable"]
        return name, path, args, kwargs

    def digest_of(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        return crypto.digest(str(value), purpose=self.purpose)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        # Recomputed from the clear value on every save and bulk_create, whatever was assigned.
        value = self.digest_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def rewrite_rows_for_migration(apps: Any, schema_editor: Any, label: str, *, encrypt: bool) -> None:
    """For data migrations: encrypt (or, going back, decrypt) every value of a model's encrypted
    fields and fill (or clear) its digests, through a plain cursor, since the model fields would
    try to decrypt the clear text they read. Batched by primary key; a row already in the wanted
    form is not written, so a rerun changes nothing."""
    model = apps.get_model(label)
    encrypted = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    digests = [f for f in model._meta.concrete_fields if isinstance(f, KeyedDigestField)]
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    pk = quote(model._meta.pk.column)
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in [*encrypted, *digests])
    select = f"SELECT {pk}, {columns} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT 2000"
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in [*encrypted, *digests])
    update = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"

    def clear(field: EncryptedTextField, value: str | None) -> str | None:
        if value and crypto.is_token(value):
            return crypto.decrypt(value, context=field.crypto_context)
        return value

    def stored(field: EncryptedTextField, value: str | None) -> str | None:
        if not value or crypto.is_token(value) == encrypt:
            return value
        return crypto.encrypt(value, context=field.crypto_context) if encrypt else clear(field, value)

    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(select, [last])
            rows = cursor.fetchall()
            if not rows:
                return
            changes = []
            for pk_value, *values in rows:
                old_values, old_digests = values[: len(encrypted)], values[len(encrypted) :]
                plain = {f.name: clear(f, v) for f, v in zip(encrypted, old_values, strict=True)}
                new_values = [stored(f, v) for f, v in zip(encrypted, old_values, strict=True)]
                new_digests = [d.digest_of(plain[d.source]) if encrypt else None for d in digests]
                if new_values != old_values or new_digests != old_digests:
                    changes.append((*new_values, *new_digests, pk_value))
            cursor.executemany(update, changes)
            last = rows[-1][0]
