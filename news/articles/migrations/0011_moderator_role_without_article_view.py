"""The 审核 (moderator) role no longer reads articles in the admin.

Moderators work on comments, sensitive words and bans; the articles those concern are
public, and the comment queue links each one. Drafts, submissions, scheduled articles,
withdrawal reasons and revisions stay with reporters and editors. ``accounts.roles`` no
longer grants the permission to a fresh database; this takes it from existing ones.
Frozen here (never import live code in a migration): the group's name and the permission.
"""

from django.db import migrations

MODERATOR = "审核"
REMOVED = [("news", "view_article")]


def _permissions(apps):
    permission_model = apps.get_model("auth", "Permission")
    for app_label, codename in REMOVED:
        permission = permission_model.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            yield permission


def take_article_view_from_moderators(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=MODERATOR).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


def give_it_back(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=MODERATOR).first()
    if group is not None:
        group.permissions.add(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_reaction_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("news", "0010_legacy_id"),
    ]

    operations = [migrations.RunPython(take_article_view_from_moderators, give_it_back)]
