import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from dangjian.core.auditchain import relink_all


def chain_existing_rows(apps, schema_editor):
    # Rows written before the chain existed get linked in id order, so audit-verify can check
    # them from now on (it cannot tell whether they were altered before this migration).
    for name in ("AuditEvent", "AccessLog"):
        relink_all(apps.get_model("core", name), schema_editor.connection.alias)


def historical_reference(to):
    return models.ForeignKey(
        blank=True,
        db_constraint=False,
        null=True,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to=to,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("orgs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name=model_name,
            name=field_name,
            field=models.CharField(default="", editable=False, max_length=64, verbose_name=label),
            preserve_default=False,
        )
        for model_name in ("auditevent", "accesslog")
        for field_name, label in (("prev_hash", "前一条校验值"), ("entry_hash", "校验值"))
    ] + [
        migrations.AlterField(model_name=model_name, name=field_name, field=historical_reference(to))
        for model_name in ("auditevent", "accesslog")
        for field_name, to in (("actor", settings.AUTH_USER_MODEL), ("organization", "orgs.organization"))
    ] + [
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
    ]
