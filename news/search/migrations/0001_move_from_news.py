"""The search app takes over its models from the news app (state only: the tables keep their names)."""

import django.db.models.deletion
from django.db import migrations, models


MOVED = ["searchdocument"]


def rename_content_types(apps, schema_editor, old="news", new="search"):
    """The content types of the moved models change app label; their ids (and so every
    permission, group grant and admin log entry pointing at them) stay."""
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if not rows.filter(app_label=new, model=model).exists():
            rows.filter(app_label=old, model=model).update(app_label=new)


def restore_content_types(apps, schema_editor):
    rename_content_types(apps, schema_editor, old="search", new="news")


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
                    name="SearchDocument",
                    fields=[
                        (
                            "article",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="search_document",
                                serialize=False,
                                to="news.article",
                            ),
                        ),
                        ("title", models.TextField(blank=True)),
                        ("body", models.TextField(blank=True)),
                        ("status", models.CharField(blank=True, max_length=16)),
                        ("published_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "verbose_name": "search document",
                        "verbose_name_plural": "search documents",
                        "db_table": "news_searchdocument",
                    },
                ),
            ],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
