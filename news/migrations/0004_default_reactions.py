"""The five reactions of the old portal's 表态 bar, in its order."""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from news.reactions import create_default_reactions

    create_default_reactions(apps.get_model("news", "Reaction"))


class Migration(migrations.Migration):
    dependencies = [("news", "0003_views_and_reactions")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
