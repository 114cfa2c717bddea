"""ID and phone numbers encrypted at rest, with a keyed digest of the ID number for look-ups and
uniqueness. The rows are rewritten through a plain cursor (the model field would try to decrypt
the clear text it reads), in batches, skipping values already encrypted; reversible."""

import dangjian.core.fields
from django.db import migrations

from dangjian.core import crypto

BATCH = 2000


def _rewrite(apps, schema_editor, convert):
    Member = apps.get_model("members", "Member")
    id_field, phone_field = Member._meta.get_field("id_number"), Member._meta.get_field("phone")
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table = quote(Member._meta.db_table)
    select = (
        f"SELECT {quote('id')}, {quote('id_number')}, {quote('phone')} FROM {table} "
        f"WHERE {quote('id')} > %s ORDER BY {quote('id')} LIMIT {BATCH}"
    )
    update = (
        f"UPDATE {table} SET {quote('id_number')} = %s, {quote('phone')} = %s, "
        f"{quote('id_number_hash')} = %s WHERE {quote('id')} = %s"
    )
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(select, [last])
            rows = cursor.fetchall()
            if not rows:
                return
            changes = [convert(id_field, phone_field, *row) for row in rows]
            cursor.executemany(update, [change for change in changes if change is not None])
            last = rows[-1][0]


def _encrypted_row(id_field, phone_field, pk, id_number, phone):
    if crypto.is_token(id_number or ""):
        return None
    return (
        crypto.encrypt(id_number, context=id_field.crypto_context),
        crypto.encrypt(phone, context=phone_field.crypto_context) if phone else phone,
        crypto.digest(id_number, purpose="id_number"),
        pk,
    )


def _clear_row(id_field, phone_field, pk, id_number, phone):
    if not crypto.is_token(id_number or ""):
        return None
    return (
        crypto.decrypt(id_number, context=id_field.crypto_context),
        crypto.decrypt(phone, context=phone_field.crypto_context) if phone else phone,
        None,
        pk,
    )


def encrypt_rows(apps, schema_editor):
    _rewrite(apps, schema_editor, _encrypted_row)


def decrypt_rows(apps, schema_editor):
    _rewrite(apps, schema_editor, _clear_row)


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='member',
            name='id_number_hash',
            field=dangjian.core.fields.KeyedDigestField(blank=True, null=True, purpose='id_number', source='id_number', unique=True, verbose_name='公民身份号码摘要'),
        ),
        migrations.AlterField(
            model_name='member',
            name='id_number',
            field=dangjian.core.fields.EncryptedTextField(max_length=18, verbose_name='公民身份号码'),
        ),
        migrations.AlterField(
            model_name='member',
            name='phone',
            field=dangjian.core.fields.EncryptedTextField(blank=True, max_length=30, verbose_name='联系电话'),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
    ]
