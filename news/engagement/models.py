"""What a resident keeps and is told: favourites, reading history and notifications.

Rows are written by :mod:`news.engagement.services` only: notifications in the transaction of
their cause (a reply published, a comment moderated, a favourited article revised).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Favourite(models.Model):
    """An article a resident keeps for later (收藏)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="favourites"
    )
    article = models.ForeignKey(
        "news.Article", verbose_name=_("article"), on_delete=models.CASCADE, related_name="favourites"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "article"], name="favourite_once")]
        indexes = [models.Index(fields=["user", "-created_at"], name="favourite_user_idx")]

    def __str__(self):
        return f"{self.user_id} ♥ {self.article_id}"


class HistoryEntry(models.Model):
    """An article a resident opened (最近浏览): one row per article, moved to the top when read again."""

    KEEP = 200  # entries kept per resident; older ones are dropped as new ones come

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+"
    )
    article = models.ForeignKey("news.Article", verbose_name=_("article"), on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("reading history entry")
        verbose_name_plural = _("reading history")
        ordering = ["-viewed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "article"], name="history_once_per_article")]
        indexes = [models.Index(fields=["user", "-viewed_at"], name="history_user_idx")]

    def __str__(self):
        return f"{self.user_id} → {self.article_id}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something a resident should know (消息): the bell in the header counts the unread ones."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply to your comment")
        APPROVED = "approved", _("Comment approved")
        REJECTED = "rejected", _("Comment rejected")
        ARTICLE_UPDATED = "article_updated", _("Favourite article updated")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    article = models.ForeignKey("news.Article", verbose_name=_("article"), on_delete=models.CASCADE, related_name="+")
    # The reply, or the resident's own comment that was moderated; the notice goes with it.
    comment = models.ForeignKey(
        "comments.Comment", verbose_name=_("comment"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient_id}"


class NotificationSettings(models.Model):
    """A resident's choices about notifications; no row means the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+"
    )
    email_replies = models.BooleanField(_("email me when someone replies"), default=False)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.user_id)
