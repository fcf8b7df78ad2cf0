"""The Discuz! import, old ids and old-URL redirects."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegacyConfig(AppConfig):
    name = "news.legacy"
    label = "legacy"
    verbose_name = _("Discuz! import")
    default_auto_field = "django.db.models.BigAutoField"
