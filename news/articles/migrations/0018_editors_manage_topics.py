"""Editors (编辑) make and edit 专题 (topics) and their sections."""

from django.db import migrations

# Frozen: this migration grants exactly these, whatever accounts.roles says later.
EDITOR = "编辑"
PERMISSIONS = [
    f"{action}_{model}" for model in ("topic", "topicsection") for action in ("add", "change", "delete", "view")
]


def grant(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    create_permissions(global_apps.get_app_config("news"), verbosity=0, apps=apps)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _created = group_model.objects.get_or_create(name=EDITOR)
    group.permissions.add(*permission_model.objects.filter(content_type__app_label="news", codename__in=PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0017_topics"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
