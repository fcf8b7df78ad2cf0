"""The five reactions of the old portal's 表态 bar, in its order (frozen here)."""

from django.db import migrations

DEFAULT_REACTIONS = [("路过", "🚶"), ("雷人", "😱"), ("握手", "🤝"), ("鲜花", "💐"), ("鸡蛋", "🥚")]


def create_defaults(apps, schema_editor):
    reaction_model = apps.get_model("news", "Reaction")
    for order, (name, icon) in enumerate(DEFAULT_REACTIONS):
        reaction_model.objects.get_or_create(name=name, defaults={"icon": icon, "order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("news", "0003_views_and_reactions")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
