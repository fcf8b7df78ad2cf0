"""The comments app takes over its models from the news app (state only: the tables keep their names)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ["comment", "commentreport", "moderationaction", "sensitiveword"]


def rename_content_types(apps, schema_editor, old="news", new="comments"):
    """The content types of the moved models change app label; their ids (and so every
    permission, group grant and admin log entry pointing at them) stay."""
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if not rows.filter(app_label=new, model=model).exists():
            rows.filter(app_label=old, model=model).update(app_label=new)


def restore_content_types(apps, schema_editor):
    rename_content_types(apps, schema_editor, old="comments", new="news")


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
                    name="SensitiveWord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("word", models.CharField(max_length=50, unique=True, verbose_name="word")),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("block", "Block (refuse the comment)"),
                                    ("hold", "Hold for review"),
                                    ("replace", "Replace with ＊"),
                                ],
                                default="replace",
                                max_length=16,
                                verbose_name="what to do",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="added")),
                    ],
                    options={
                        "verbose_name": "sensitive word",
                        "verbose_name_plural": "sensitive words",
                        "db_table": "news_sensitiveword",
                        "ordering": ["word"],
                    },
                ),
                migrations.CreateModel(
                    name="Comment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("body", models.TextField(max_length=1000, verbose_name="text")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending review"),
                                    ("approved", "Approved"),
                                    ("rejected", "Rejected"),
                                    ("spam", "Spam"),
                                ],
                                default="pending",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        ("hold_reason", models.CharField(blank=True, max_length=100, verbose_name="held because")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="time")),
                        ("report_count", models.PositiveIntegerField(default=0, verbose_name="reports")),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address")),
                        ("user_agent", models.CharField(blank=True, max_length=300, verbose_name="user agent")),
                        (
                            "article",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="comments",
                                to="news.article",
                                verbose_name="article",
                            ),
                        ),
                        (
                            "parent",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="replies",
                                to="comments.comment",
                                verbose_name="reply to",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="comments",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="author",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "comment",
                        "verbose_name_plural": "comments",
                        "db_table": "news_comment",
                        "ordering": ["-created_at", "-id"],
                        "permissions": [("moderate_comment", "Can approve, reject and mark comments as spam")],
                    },
                ),
                migrations.CreateModel(
                    name="CommentReport",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(
                                choices=[
                                    ("spam", "Advertising or spam"),
                                    ("abuse", "Abuse or personal attack"),
                                    ("illegal", "Illegal or harmful content"),
                                    ("rumour", "False information"),
                                    ("other", "Other"),
                                ],
                                max_length=16,
                                verbose_name="report reason",
                            ),
                        ),
                        ("detail", models.CharField(blank=True, max_length=200, verbose_name="details")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="time")),
                        (
                            "comment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reports",
                                to="comments.comment",
                                verbose_name="comment",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="reported by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "comment report",
                        "verbose_name_plural": "comment reports",
                        "db_table": "news_commentreport",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="ModerationAction",
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
                                    ("approve", "Approved"),
                                    ("reject", "Rejected"),
                                    ("spam", "Marked as spam"),
                                    ("delete", "Deleted"),
                                    ("ban", "Banned the author"),
                                    ("lift_ban", "Lifted a ban"),
                                ],
                                max_length=16,
                                verbose_name="moderation action",
                            ),
                        ),
                        ("detail", models.CharField(blank=True, max_length=300, verbose_name="details")),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="time")),
                        (
                            "actor",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="moderator",
                            ),
                        ),
                        (
                            "comment",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="comments.comment",
                                verbose_name="comment",
                            ),
                        ),
                        (
                            "target_user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="resident",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "moderation log entry",
                        "verbose_name_plural": "moderation log",
                        "db_table": "news_moderationaction",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.AddIndex(
                    model_name="comment",
                    index=models.Index(
                        fields=["article", "status", "parent", "-created_at"], name="comment_article_idx"
                    ),
                ),
                migrations.AddIndex(
                    model_name="comment",
                    index=models.Index(
                        condition=models.Q(("parent__isnull", True)),
                        fields=["article", "status", "-created_at", "-id"],
                        name="comment_toplevel_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="comment",
                    index=models.Index(fields=["status", "-created_at"], name="comment_queue_idx"),
                ),
                migrations.AddIndex(
                    model_name="comment",
                    index=models.Index(fields=["user", "-created_at"], name="comment_user_idx"),
                ),
                migrations.AddConstraint(
                    model_name="comment",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("parent", models.F("id")), _negated=True), name="comment_not_own_parent"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="commentreport",
                    constraint=models.UniqueConstraint(fields=("comment", "user"), name="report_once_per_reader"),
                ),
            ],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
