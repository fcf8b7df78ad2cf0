"""The viewcounts app takes over its models from the news app (state only: the tables keep their names)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ["articledailyviews", "reaction", "reactionvote", "viewflushbatch"]


def rename_content_types(apps, schema_editor, old="news", new="viewcounts"):
    """The content types of the moved models change app label; their ids (and so every
    permission, group grant and admin log entry pointing at them) stay."""
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if not rows.filter(app_label=new, model=model).exists():
            rows.filter(app_label=old, model=model).update(app_label=new)


def restore_content_types(apps, schema_editor):
    rename_content_types(apps, schema_editor, old="viewcounts", new="news")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("news", "0012_move_models_to_their_apps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Reaction",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=10, unique=True, verbose_name="name")),
                        (
                            "icon",
                            models.CharField(
                                help_text="An emoji shown on the button.", max_length=8, verbose_name="icon"
                            ),
                        ),
                        ("order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                        ("is_active", models.BooleanField(default=True, verbose_name="shown")),
                    ],
                    options={
                        "verbose_name": "reaction",
                        "verbose_name_plural": "reactions",
                        "db_table": "news_reaction",
                        "ordering": ["order", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="ViewFlushBatch",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("batch_id", models.CharField(max_length=64, unique=True)),
                        ("hits", models.PositiveIntegerField(default=0)),
                        ("flushed_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "verbose_name": "view flush batch",
                        "verbose_name_plural": "view flush batches",
                        "db_table": "news_viewflushbatch",
                    },
                ),
                migrations.CreateModel(
                    name="ArticleDailyViews",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("day", models.DateField(verbose_name="day")),
                        ("views", models.PositiveIntegerField(default=0, verbose_name="views")),
                        (
                            "article",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="daily_views",
                                to="news.article",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "daily views",
                        "verbose_name_plural": "daily views",
                        "db_table": "news_articledailyviews",
                        "indexes": [models.Index(fields=["day", "article"], name="daily_views_day_idx")],
                        "constraints": [
                            models.UniqueConstraint(fields=("article", "day"), name="daily_views_once_per_day")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ReactionVote",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("visitor", models.CharField(max_length=64)),
                        ("created_at", models.DateTimeField(auto_now=True)),
                        (
                            "article",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reaction_votes",
                                to="news.article",
                            ),
                        ),
                        (
                            "reaction",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="votes",
                                to="viewcounts.reaction",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "reaction vote",
                        "verbose_name_plural": "reaction votes",
                        "db_table": "news_reactionvote",
                        "constraints": [
                            models.UniqueConstraint(fields=("article", "visitor"), name="one_reaction_per_visitor")
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
