"""Comments, reports, sensitive words and moderation."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "news.comments"
    label = "comments"
    verbose_name = _("Comments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from yzgz import pagecache

        from . import signals  # noqa: F401
        from .pagecache import LikedComments, OwnComments

        for hook in (OwnComments, LikedComments):  # residents' shared pages (yzgz.pagecache)
            if hook not in pagecache.member_hooks:
                pagecache.member_hooks.append(hook)
