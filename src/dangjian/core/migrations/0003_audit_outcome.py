from django.db import migrations, models

from dangjian.core.auditchain import IMPLIED_OUTCOMES

OUTCOMES = [("success", "成功"), ("failure", "失败"), ("refused", "拒绝")]


def implied_outcomes(apps, schema_editor):
    # Rows written before the column get the outcome their action implies, which the hash
    # leaves out (auditchain.IMPLIED_OUTCOMES): the chain verifies exactly as before. A plain
    # QuerySet update: the append-only manager refuses updates, and historical models do not
    # use it anyway.
    AuditEvent = apps.get_model("core", "AuditEvent")
    for action, outcome in IMPLIED_OUTCOMES["auditevent"].items():
        models.QuerySet(AuditEvent, using=schema_editor.connection.alias).filter(action=action).update(
            outcome=outcome
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_hash_chain")]

    operations = [
        migrations.AddField(
            model_name=model_name,
            name="outcome",
            field=models.CharField(
                choices=OUTCOMES,
                db_index=True,
                default="success",
                db_default="success",
                max_length=10,
                verbose_name="结果",
            ),
        )
        for model_name in ("auditevent", "accesslog")
    ] + [
        migrations.RunPython(implied_outcomes, migrations.RunPython.noop),
        # Refused page and API requests go to the access log (RefusalAuditMiddleware).
        migrations.AlterField(
            model_name="accesslog",
            name="kind",
            field=models.CharField(
                choices=[
                    ("reveal_id", "查看完整身份证号"),
                    ("export", "导出"),
                    ("export_unmasked", "导出（含完整身份证号）"),
                    ("import", "导入"),
                    ("request", "访问页面或接口"),
                ],
                db_index=True,
                max_length=20,
                verbose_name="类型",
            ),
        ),
    ]
