"""Moderators (审核) see deleted comments on record and export one account's records."""

from django.db import migrations

# Frozen: this migration grants exactly these, whatever accounts.roles says later.
MODERATOR = "审核"
PERMISSIONS = ["view_commentrecord", "export_commentrecord"]


def grant(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    create_permissions(global_apps.get_app_config("comments"), verbosity=0, apps=apps)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _created = group_model.objects.get_or_create(name=MODERATOR)
    group.permissions.add(
        *permission_model.objects.filter(content_type__app_label="comments", codename__in=PERMISSIONS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0002_comment_records_and_ip_region"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
