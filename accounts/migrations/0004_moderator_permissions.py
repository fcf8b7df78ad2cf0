"""Give the moderator role (审核) the comment, sensitive-word and ban permissions."""

from django.db import migrations

from accounts.migrations._frozen_roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_avatar_and_bans"),
        ("news", "0002_comments_and_moderation"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
