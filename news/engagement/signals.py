"""Receivers: notifications from comments and article revisions, 最近浏览 from the view beacon."""

import logging

from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete, post_save

from news.articles.models import ArticleRevision
from news.comments.services import comments_moderated, comments_published
from news.engagement import services
from news.engagement.models import Notification
from news.viewcounts.views import article_viewed

comments_published.connect(services.notify_replies, dispatch_uid="engagement-replies")
comments_moderated.connect(services.notify_moderated, dispatch_uid="engagement-moderated")
post_save.connect(services.notify_article_revised, sender=ArticleRevision, dispatch_uid="engagement-revised")


def _notice_gone(sender, instance, **kwargs):
    # A notice deleted with its comment (a moderator deleted the reply): the bell's count changes.
    services.forget_unread([instance.recipient_id])


post_delete.connect(_notice_gone, sender=Notification, dispatch_uid="engagement-notice-gone")


logger = logging.getLogger(__name__)


def _viewed(sender, request, article_id, **kwargs):
    if not request.user.is_authenticated:
        return
    try:
        with transaction.atomic():
            services.record_view(user_id=request.user.pk, article_id=article_id)
    except DatabaseError:
        # The view is counted either way; a lost history line is not worth the reader's page.
        logger.warning("reading history not kept for user %s", request.user.pk, exc_info=True)


article_viewed.connect(_viewed, dispatch_uid="engagement-history")
