"""ID and phone numbers encrypted at rest, with a keyed digest of the ID number for look-ups and
uniqueness; existing rows are rewritten in batches (see rewrite_rows_for_migration). Reversible."""

import dangjian.core.fields
from django.db import migrations


def encrypt_rows(apps, schema_editor):
    dangjian.core.fields.rewrite_rows_for_migration(apps, schema_editor, "members.Member", encrypt=True)


def decrypt_rows(apps, schema_editor):
    dangjian.core.fields.rewrite_rows_for_migration(apps, schema_editor, "members.Member", encrypt=False)


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
