"""The candidate's ID and phone numbers encrypted at rest like the member's; the one-live-
candidacy rule moves to the ID number's keyed digest. Existing rows are rewritten in batches."""

import dangjian.core.fields
from django.db import migrations, models


def encrypt_rows(apps, schema_editor):
    dangjian.core.fields.rewrite_rows_for_migration(apps, schema_editor, "recruitment.Candidate", encrypt=True)


def decrypt_rows(apps, schema_editor):
    dangjian.core.fields.rewrite_rows_for_migration(apps, schema_editor, "recruitment.Candidate", encrypt=False)


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0002_encrypt_personal_data'),
        ('orgs', '0001_initial'),
        ('recruitment', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='candidate',
            name='candidate_one_active_per_person',
        ),
        migrations.AddField(
            model_name='candidate',
            name='id_number_hash',
            field=dangjian.core.fields.KeyedDigestField(blank=True, null=True, purpose='id_number', source='id_number', verbose_name='公民身份号码摘要'),
        ),
        migrations.AlterField(
            model_name='candidate',
            name='id_number',
            field=dangjian.core.fields.EncryptedTextField(max_length=18, verbose_name='公民身份号码'),
        ),
        migrations.AlterField(
            model_name='candidate',
            name='phone',
            field=dangjian.core.fields.EncryptedTextField(blank=True, max_length=30, verbose_name='联系电话'),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
        migrations.AddConstraint(
            model_name='candidate',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'active')), fields=('id_number_hash',), name='candidate_one_active_per_person'),
        ),
    ]
