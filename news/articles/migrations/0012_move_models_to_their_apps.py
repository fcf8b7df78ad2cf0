"""The comments, view counts, search and legacy models move to their own apps.

State only: the tables keep their names (each moved model sets ``db_table``), so nothing
in the database changes. The new apps' 0001 migrations take the models over and rename
their content types, so permissions and admin history follow them.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0011_moderator_role_without_article_view"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="articledailyviews",
                    name="article",
                ),
                migrations.RemoveField(
                    model_name="comment",
                    name="article",
                ),
                migrations.RemoveField(
                    model_name="comment",
                    name="parent",
                ),
                migrations.RemoveField(
                    model_name="comment",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="moderationaction",
                    name="comment",
                ),
                migrations.RemoveField(
                    model_name="commentreport",
                    name="comment",
                ),
                migrations.RemoveField(
                    model_name="commentreport",
                    name="user",
                ),
                migrations.DeleteModel(
                    name="LegacyId",
                ),
                migrations.RemoveField(
                    model_name="moderationaction",
                    name="actor",
                ),
                migrations.RemoveField(
                    model_name="moderationaction",
                    name="target_user",
                ),
                migrations.RemoveField(
                    model_name="reactionvote",
                    name="reaction",
                ),
                migrations.RemoveField(
                    model_name="reactionvote",
                    name="article",
                ),
                migrations.RemoveField(
                    model_name="reactionvote",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="searchdocument",
                    name="article",
                ),
                migrations.DeleteModel(
                    name="SensitiveWord",
                ),
                migrations.DeleteModel(
                    name="ViewFlushBatch",
                ),
                migrations.DeleteModel(
                    name="ArticleDailyViews",
                ),
                migrations.DeleteModel(
                    name="Comment",
                ),
                migrations.DeleteModel(
                    name="CommentReport",
                ),
                migrations.DeleteModel(
                    name="ModerationAction",
                ),
                migrations.DeleteModel(
                    name="Reaction",
                ),
                migrations.DeleteModel(
                    name="ReactionVote",
                ),
                migrations.DeleteModel(
                    name="SearchDocument",
                ),
            ],
        ),
    ]
