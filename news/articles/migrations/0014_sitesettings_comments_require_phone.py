"""实名: whether residents must link a mobile number before commenting; an existing site takes the
deployment's default (on in production, off in development: COMMENTS_REQUIRE_PHONE_DEFAULT)."""

from django.conf import settings
from django.db import migrations, models


def deployment_default(apps, schema_editor):
    site_settings = apps.get_model("news", "SiteSettings")
    site_settings.objects.update(comments_require_phone=getattr(settings, "COMMENTS_REQUIRE_PHONE_DEFAULT", False))


class Migration(migrations.Migration):

    dependencies = [
        ('news', '0013_article_byline_and_source_url'),
    ]

    operations = [
        migrations.AddField(
            model_name='sitesettings',
            name='comments_require_phone',
            field=models.BooleanField(default=False, help_text='Real-name registration (后台实名): residents link a mobile number by SMS code before their first comment. The number is never shown publicly.', verbose_name='verified mobile number required to comment'),
        ),
        migrations.RunPython(deployment_default, migrations.RunPython.noop),
    ]
