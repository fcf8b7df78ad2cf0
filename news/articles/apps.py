"""The articles app. Its label stays ``news``: tables, permissions and admin URLs keep their names."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "news.articles"
    label = "news"
    verbose_name = _("News")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.urls import register_converter

        from . import signals  # noqa: F401
        from .converters import IdConverter

        register_converter(IdConverter, "id")  # the ids in every news app's URLs
