"""Comments (最新评论), reports (举报), sensitive words and the moderation log.

Changes that touch counts or several rows go through :mod:`news.comments.services`, which keeps
``Article.comment_count`` equal to the number of approved comments.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from news.comments import wordfilter

HOT_MIN_LIKES = 3  # 热门评论: a comment needs this many likes to be shown above the list


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def visible_to(self, user):
        """Approved comments, plus the reader's own comments still waiting for review."""
        if user.is_authenticated:
            return self.filter(Q(status=Comment.Status.APPROVED) | Q(status=Comment.Status.PENDING, user=user))
        return self.approved()


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SPAM = "spam", _("Spam")

    MIN_LENGTH = 2
    MAX_LENGTH = 1000

    article = models.ForeignKey(
        "news.Article", verbose_name=_("article"), on_delete=models.CASCADE, related_name="comments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reply to"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    body = models.TextField(_("text"), max_length=MAX_LENGTH)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    hold_reason = models.CharField(_("held because"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    # 点赞: kept equal to the comment's CommentLike rows by news.comments.services.comment_like_toggle.
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    # "回复 @昵称": whose reply a reply answers when it was written to a reply (replies are one level
    # deep, so it joins the parent's thread); empty for a reply to the thread's first comment.
    reply_to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("in reply to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Why a moderator rejected it; shown to its author only (我的评论).
    moderation_reason = models.CharField(_("moderator's reason"), max_length=200, blank=True)
    # Kept for moderators only; never shown on public pages.
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # IP属地, shown beside the comment: the province (or region, or country) of ip_address when it
    # was posted, from the offline database (yzgz.iplocation); empty for imported comments.
    ip_region = models.CharField(_("IP location"), max_length=20, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        db_table = "news_comment"  # moved from the news app; the table kept its name
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["-created_at", "-id"]
        permissions = [("moderate_comment", _("Can approve, reject and mark comments as spam"))]
        indexes = [
            models.Index(fields=["article", "status", "parent", "-created_at"], name="comment_article_idx"),
            # A page of an article's top-level comments, newest first, read in index order (a busy
            # article has thousands; PostgreSQL cannot use the order after "parent IS NULL").
            models.Index(
                fields=["article", "status", "-created_at", "-id"],
                condition=models.Q(parent__isnull=True),
                name="comment_toplevel_idx",
            ),
            models.Index(fields=["status", "-created_at"], name="comment_queue_idx"),
            models.Index(fields=["user", "-created_at"], name="comment_user_idx"),
            # "Has this resident a comment waiting on this article?", asked on every resident's view
            # of an article (news/comments/pagecache.py): the queue is small, a busy article's
            # comments are thousands.
            models.Index(
                fields=["user", "article"], condition=models.Q(status="pending"), name="comment_pending_own_idx"
            ),
            # 热门评论: an article's most liked approved comments; only those with enough likes count.
            models.Index(
                fields=["article", "-like_count"],
                condition=models.Q(status="approved", like_count__gte=HOT_MIN_LIKES),
                name="comment_hot_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="comment_not_own_parent"),
        ]

    def __str__(self):
        return self.body[:30]


class CommentLike(models.Model):
    """A resident's like (点赞) of a comment. One per resident and comment."""

    comment = models.ForeignKey(Comment, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("liked by"), on_delete=models.CASCADE, related_name="comment_likes"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment like")
        verbose_name_plural = _("comment likes")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="like_once_per_resident")]
        # The article page asks which of its comments this resident liked: user first.
        indexes = [models.Index(fields=["user", "comment"], name="commentlike_user_idx")]

    def __str__(self):
        return f"{self.user_id} → {self.comment_id}"


class CommentReport(models.Model):
    """A reader's report (举报) of a comment. One per reader and comment."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Advertising or spam")
        ABUSE = "abuse", _("Abuse or personal attack")
        ILLEGAL = "illegal", _("Illegal or harmful content")
        RUMOUR = "rumour", _("False information")
        OTHER = "other", _("Other")

    comment = models.ForeignKey(Comment, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.CASCADE)
    reason = models.CharField(_("report reason"), max_length=16, choices=Reason.choices)
    detail = models.CharField(_("details"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        db_table = "news_commentreport"  # moved from the news app; the table kept its name
        verbose_name = _("comment report")
        verbose_name_plural = _("comment reports")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="report_once_per_reader")]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.comment}"


class SensitiveWord(models.Model):
    """A word checked in every comment, with what happens when it is found."""

    class Action(models.TextChoices):
        BLOCK = wordfilter.BLOCK, _("Block (refuse the comment)")
        HOLD = wordfilter.HOLD, _("Hold for review")
        REPLACE = wordfilter.REPLACE, _("Replace with ＊")

    word = models.CharField(_("word"), max_length=50, unique=True)
    action = models.CharField(_("what to do"), max_length=16, choices=Action.choices, default=Action.REPLACE)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        db_table = "news_sensitiveword"  # moved from the news app; the table kept its name
        verbose_name = _("sensitive word")
        verbose_name_plural = _("sensitive words")
        ordering = ["word"]

    def __str__(self):
        return self.word

    def clean(self):
        # The bulk import's rule (wordfilter.parse_bulk), for the add and change forms too: a
        # word of only spaces, punctuation and symbols would be saved but never match anything.
        if self.word and not wordfilter.normalize(self.word)[0]:
            raise ValidationError(
                {"word": _("The word is empty once spaces, punctuation and symbols are left out.")}, code="empty"
            )


class ModerationAction(models.Model):
    """Who did what to which comment or resident, and when. Written by news.comments.services only."""

    class Kind(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        SPAM = "spam", _("Marked as spam")
        DELETE = "delete", _("Deleted")
        BAN = "ban", _("Banned the author")
        LIFT_BAN = "lift_ban", _("Lifted a ban")
        EXPORT = "export", _("Exported comment records")

    kind = models.CharField(_("moderation action"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("moderator"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    detail = models.CharField(_("details"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        db_table = "news_moderationaction"  # moved from the news app; the table kept its name
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.actor} {self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class CommentRecord(models.Model):
    """What stays of a deleted comment, for the authorities' requests (评论记录, kept ≥ 6 months).

    Written when a comment is deleted by any path — the moderators' queue, the admin, an article
    or an account deleted with its comments (news.comments.signals) — so a resident's records are
    their live comments plus these.
    """

    comment_id = models.PositiveBigIntegerField(_("comment number"), db_index=True)
    # Plain numbers, not foreign keys: the record outlives the account and the article (written
    # while either is being deleted, when a new reference to them could not be kept).
    account_id = models.PositiveBigIntegerField(_("account number"), null=True, db_index=True)
    username = models.CharField(_("username"), max_length=150, db_index=True)
    article_id = models.PositiveBigIntegerField(_("article number"))
    article_title = models.CharField(_("article"), max_length=200)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=16, choices=Comment.Status.choices)
    created_at = models.DateTimeField(_("time"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    ip_region = models.CharField(_("IP location"), max_length=20, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    moderation = models.TextField(_("moderation"), blank=True)
    deleted_at = models.DateTimeField(_("deleted"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("deleted comment record")
        verbose_name_plural = _("deleted comment records")
        ordering = ["-deleted_at", "-id"]
        default_permissions = ("view",)
        permissions = [("export_commentrecord", _("Can export a resident's comment records"))]

    def __str__(self):
        return f"{self.username} #{self.comment_id}"
