"""Favourites, reading history and notifications: every write of this app goes through here.

Notifications are written by receivers of the comments' and articles' signals, which are sent
inside the transaction of their cause: a notification exists exactly when its cause committed.
A reply is announced only once it is public (``comments_published``): a reply waiting for
review, or one a moderator later rejects, never reaches the resident it answers (its notice
is withdrawn with it).
"""

import random

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from news.articles.models import Article, SiteSettings
from news.comments.listing import comment_location
from news.comments.models import Comment, ModerationAction
from news.engagement.models import Favourite, HistoryEntry, Notification, NotificationSettings
from yzgz.siteurl import absolute_url

PRUNE_CHANCE = 0.02  # a reading in fifty trims that resident's history to HistoryEntry.KEEP


# --- favourites ---------------------------------------------------------------------------


def favourite_keep(*, user, article):
    """Keep a public article (the caller found it among ``published()``); returns True."""
    Favourite.objects.bulk_create([Favourite(user=user, article=article)], ignore_conflicts=True)
    return True


def favourite_forget(*, user, article_id):
    Favourite.objects.filter(user=user, article_id=article_id).delete()
    return False


def is_favourite(user, article_id):
    return user.is_authenticated and Favourite.objects.filter(user=user, article_id=article_id).exists()


# --- reading history ----------------------------------------------------------------------


def record_view(*, user_id, article_id):
    """Put an article at the top of a resident's 最近浏览 (one statement)."""
    HistoryEntry.objects.bulk_create(
        [HistoryEntry(user_id=user_id, article_id=article_id, viewed_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "article"],
        update_fields=["viewed_at"],
    )
    if random.random() < PRUNE_CHANCE:  # noqa: S311 - not security
        history_prune(user_id=user_id)


def history_prune(*, user_id, keep=HistoryEntry.KEEP):
    stale = (
        HistoryEntry.objects.filter(user_id=user_id).order_by("-viewed_at", "-id").values_list("pk", flat=True)[keep:]
    )
    return HistoryEntry.objects.filter(pk__in=list(stale)).delete()[0]


def history_clear(*, user):
    return HistoryEntry.objects.filter(user=user).delete()[0]


# --- notifications ------------------------------------------------------------------------


UNREAD_SECONDS = 60  # the bell's count is kept this long, and forgotten at every change


def unread_key(user_id):
    return f"engagement:unread:{user_id}"


def unread_count(user):
    """The bell's number: from the cache (no query on most pages), else one COUNT."""
    if not user.is_authenticated:
        return 0
    key = unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user).unread().count()
        cache.set(key, count, UNREAD_SECONDS)
    return count


def forget_unread(user_ids):
    """The counts of these residents changed: now, and again at the commit (a page read in
    between could cache the old number)."""
    keys = [unread_key(user_id) for user_id in set(user_ids)]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def mark_read(*, user, ids=None):
    """Mark the resident's notifications read (``ids`` None: all of them); returns how many."""
    unread = Notification.objects.filter(recipient=user).unread()
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    changed = unread.update(read_at=timezone.now())
    forget_unread([user.pk])
    return changed


def email_replies_wanted(user):
    return NotificationSettings.objects.filter(user=user, email_replies=True).exists()


def set_email_replies(*, user, on):
    NotificationSettings.objects.update_or_create(user=user, defaults={"email_replies": on})


def replied_to(comment):
    """Whom a reply answers: the resident it names (回复 @昵称), else the thread's author."""
    target = getattr(comment, "reply_to_user_id", None)
    if target is None and comment.parent_id is not None:
        target = comment.parent.user_id
    return target


def notify_replies(sender, comment_ids, **kwargs):
    """``comments_published``: tell each resident someone answered them (not themselves).

    Three queries however many replies a moderator approves at once.
    """
    replies = list(
        Comment.objects.filter(pk__in=comment_ids, parent__isnull=False)
        .select_related("parent")
        .only("pk", "user_id", "article_id", "parent_id", "reply_to_user_id", "parent__user_id")
    )
    if not replies:
        return
    # Approved twice (approved, rejected, approved again) is still one reply.
    told = set(
        Notification.objects.filter(kind=Notification.Kind.REPLY, comment__in=replies).values_list(
            "comment_id", "recipient_id"
        )
    )
    notices = []
    for reply in replies:
        recipient = replied_to(reply)
        if recipient is None or recipient == reply.user_id or (reply.pk, recipient) in told:
            continue
        notices.append(
            Notification(
                recipient_id=recipient,
                kind=Notification.Kind.REPLY,
                article_id=reply.article_id,
                comment_id=reply.pk,
                actor_id=reply.user_id,
            )
        )
    if not notices:
        return
    Notification.objects.bulk_create(notices)
    recipients = {notice.recipient_id for notice in notices}
    forget_unread(recipients)
    wanted = set(
        NotificationSettings.objects.filter(user_id__in=recipients, email_replies=True).values_list(
            "user_id", flat=True
        )
    )
    emailed = [notice.pk for notice in notices if notice.recipient_id in wanted]
    if emailed:
        transaction.on_commit(lambda: send_reply_emails(emailed))


def notify_moderated(sender, comment_ids, kind, reason="", **kwargs):
    """``comments_moderated``: tell the authors; a reply taken off the page takes its notice with it."""
    if kind != ModerationAction.Kind.APPROVE:
        # The replies themselves, and the replies in their threads, which leave the page with them.
        withdrawn = Notification.objects.filter(kind=Notification.Kind.REPLY).filter(
            Q(comment_id__in=comment_ids) | Q(comment__parent_id__in=comment_ids)
        )
        forget_unread(withdrawn.values_list("recipient_id", flat=True))
        withdrawn.delete()
    notice_kind = {
        ModerationAction.Kind.APPROVE: Notification.Kind.APPROVED,
        ModerationAction.Kind.REJECT: Notification.Kind.REJECTED,
    }.get(kind)
    if notice_kind is None:
        return  # spam: nothing to tell a spammer
    rows = list(Comment.objects.filter(pk__in=comment_ids).values_list("pk", "user_id", "article_id"))
    forget_unread(user_id for _pk, user_id, _article_id in rows)
    Notification.objects.bulk_create(
        Notification(
            recipient_id=user_id,
            kind=notice_kind,
            article_id=article_id,
            comment_id=pk,
            reason=(reason or "")[:300] if notice_kind == Notification.Kind.REJECTED else "",
        )
        for pk, user_id, article_id in rows
    )


def notify_article_revised(sender, instance, created=False, raw=False, **kwargs):
    """A new revision of a public article: tell the residents who keep it (once until they read it)."""
    if raw or not created:
        return
    article = instance.article
    if not Article.objects.published().filter(pk=article.pk).exists():
        return
    waiting = Notification.objects.filter(
        kind=Notification.Kind.ARTICLE_UPDATED, article=article, read_at__isnull=True
    ).values_list("recipient_id", flat=True)
    recipients = list(
        Favourite.objects.filter(article=article)
        .exclude(user_id__in=waiting)
        .exclude(user_id=instance.editor_id)
        .values_list("user_id", flat=True)
    )
    forget_unread(recipients)
    Notification.objects.bulk_create(
        (
            Notification(recipient_id=user_id, kind=Notification.Kind.ARTICLE_UPDATED, article=article)
            for user_id in recipients
        ),
        batch_size=500,
    )


def send_reply_emails(notification_ids):
    """After the commit: one email per reply notice whose resident asked for them and has an
    address, all over one connection to the mail server (a moderator may approve fifty replies)."""
    notices = Notification.objects.filter(pk__in=notification_ids).select_related(
        "recipient", "actor", "article", "comment"
    )
    site = SiteSettings.current()
    messages = []
    for notice in notices:
        if not notice.recipient.email:
            continue
        with override(settings.LANGUAGE_CODE):
            link = absolute_url(comment_location(notice.comment, notice.article.get_absolute_url()))
            subject = _("%(name)s replied to your comment on %(site)s") % {
                "name": notice.actor.display_name if notice.actor else "",
                "site": site.site_name,
            }
            body = render_to_string("engagement/reply_email.txt", {"notice": notice, "link": link, "site": site})
        messages.append(EmailMessage(subject, body, to=[notice.recipient.email]))
    if messages:
        get_connection(fail_silently=True).send_messages(messages)
