"""View counts, reactions (表态), rankings and the editors' statistics."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ViewCountsConfig(AppConfig):
    name = "news.viewcounts"
    label = "viewcounts"
    verbose_name = _("Views and reactions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from yzgz import pagecache

        from . import signals  # noqa: F401
        from .pagecache import PressedReaction

        if PressedReaction not in pagecache.member_hooks:  # residents' shared pages (yzgz.pagecache)
            pagecache.member_hooks.append(PressedReaction)
