"""The legacy app takes over its models from the news app (state only: the tables keep their names)."""

from django.db import migrations, models


MOVED = ["legacyid"]


def rename_content_types(apps, schema_editor, old="news", new="legacy"):
    """The content types of the moved models change app label; their ids (and so every
    permission, group grant and admin log entry pointing at them) stay."""
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if not rows.filter(app_label=new, model=model).exists():
            rows.filter(app_label=old, model=model).update(app_label=new)


def restore_content_types(apps, schema_editor):
    rename_content_types(apps, schema_editor, old="legacy", new="news")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("news", "0012_move_models_to_their_apps"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LegacyId",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("category", "category"),
                                    ("article", "article"),
                                    ("member", "member"),
                                    ("comment", "comment"),
                                    ("image", "image"),
                                ],
                                max_length=16,
                                verbose_name="kind",
                            ),
                        ),
                        ("old_id", models.CharField(max_length=255, verbose_name="old id")),
                        ("new_id", models.CharField(max_length=255, verbose_name="new id")),
                        ("fingerprint", models.CharField(blank=True, max_length=64, verbose_name="fingerprint")),
                        ("imported_at", models.DateTimeField(auto_now=True, verbose_name="imported")),
                    ],
                    options={
                        "verbose_name": "imported row",
                        "verbose_name_plural": "imported rows",
                        "db_table": "news_legacyid",
                        "constraints": [
                            models.UniqueConstraint(fields=("kind", "old_id"), name="legacy_id_once_per_kind")
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
