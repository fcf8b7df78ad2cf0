"""Residents' own things: favourites (收藏), reading history (最近浏览) and notifications (消息)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "news.engagement"
    label = "engagement"
    verbose_name = _("Residents' favourites and notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from yzgz import pagecache

        from . import signals  # noqa: F401
        from .pagecache import FavouriteState, bell_keys

        if FavouriteState not in pagecache.member_hooks:  # residents' shared pages (yzgz.pagecache)
            pagecache.member_hooks.append(FavouriteState)
        if bell_keys not in pagecache.menu_keys:  # the menu shows the bell's count
            pagecache.menu_keys.append(bell_keys)
