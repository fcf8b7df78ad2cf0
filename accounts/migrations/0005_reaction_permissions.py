"""Editors (编辑) manage the reaction buttons."""

from django.db import migrations

from accounts.migrations._frozen_roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_moderator_permissions"),
        ("news", "0004_default_reactions"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
