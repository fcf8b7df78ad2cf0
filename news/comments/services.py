"""Writes that touch several rows or keep counters exact: posting and moderating comments,
reports and bans.

``Article.comment_count`` is recounted inside the same transaction as every change of
a comment's status, with the article row locked first (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite serialises writers itself). The recount runs after the lock is held, so
it sees every committed change and concurrent posts, approvals and deletions cannot lose
an update. Every moderation action is written to ``ModerationAction``.
"""

import contextvars
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Ban, ban_message
from news.articles.models import Article, ModerationMode, SiteSettings
from news.comments import wordfilter
from news.comments.models import (
    Comment,
    CommentLike,
    CommentRecord,
    CommentReport,
    ModerationAction,
    SensitiveWord,
)
from yzgz import counters, pagecache
from yzgz.iplocation import region_for

LINK_PATTERN = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
MAX_LINKS = 2
DUPLICATE_WINDOW = timedelta(hours=24)
WORDS_CACHE_KEY = "news:sensitive-words:version"


# Sent inside the transaction of their cause, so whatever a receiver writes (the residents'
# notifications, news.engagement) commits or rolls back with it.
#
# comments_moderated(sender=Comment, comment_ids=[…], kind=ModerationAction.Kind…, reason="", by=user):
#   comments a moderator approved, rejected or marked as spam (only those whose status changed).
# comments_published(sender=Comment, comment_ids=[…]): comments that became visible to everyone,
#   whether posted straight to the page or approved from the queue.
comments_moderated = Signal()
comments_published = Signal()


class CommentRefused(Exception):
    """A comment, reply or report that cannot be accepted; the message is for the resident."""

    def __init__(self, message, status=400, code=""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


# --- sensitive words ------------------------------------------------------------------------

_filter_cache = {"version": None, "filter": None}


def forget_sensitive_words(**kwargs):
    """Called when a word changes: every app server rebuilds its automaton on next use."""
    cache.set(WORDS_CACHE_KEY, uuid.uuid4().hex, None)


def sensitive_word_filter():
    """The automaton of all sensitive words, rebuilt when the shared version token changes."""
    version = cache.get_or_set(WORDS_CACHE_KEY, lambda: uuid.uuid4().hex, None)
    if _filter_cache["version"] != version or _filter_cache["filter"] is None:
        entries = SensitiveWord.objects.values_list("word", "action")
        _filter_cache.update(filter=wordfilter.WordFilter(entries), version=version)
    return _filter_cache["filter"]


# --- text checks --------------------------------------------------------------------------


def clean_comment_text(text):
    """Normalise line endings and refuse what is not plain text of a sensible length."""
    if not isinstance(text, str):
        raise CommentRefused(_("Please write a comment."), code="comment_empty")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise CommentRefused(
            _("The comment contains control characters. Please type plain text."), code="comment_invalid"
        )
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise CommentRefused(_("The comment contains invalid characters."), code="comment_invalid")
    text = re.sub(r"\n{3,}", "\n\n", text)
    if len(text) < Comment.MIN_LENGTH:
        raise CommentRefused(
            _("A comment needs at least %(min)d characters.") % {"min": Comment.MIN_LENGTH}, code="comment_too_short"
        )
    if len(text) > Comment.MAX_LENGTH:
        raise CommentRefused(
            _("A comment can have at most %(max)d characters; this one has %(length)d.")
            % {"max": Comment.MAX_LENGTH, "length": len(text)},
            code="comment_too_long",
        )
    return text


def check_can_speak(user):
    """Refuse anonymous, inactive and banned users; the ban message says why and until when."""
    if not user.is_authenticated:
        raise CommentRefused(_("Please log in to comment."), status=403, code="login_required")
    if not user.is_active:
        raise CommentRefused(_("This account is disabled."), status=403, code="account_disabled")
    ban = user.active_ban()
    if ban is not None:
        raise CommentRefused(ban_message(ban), status=403, code="banned")


def needs_phone(user, site=None):
    """A resident who must link a mobile number before commenting (the site setting, 实名)."""
    if not user.is_authenticated or user.phone_verified:
        return False
    return (site or SiteSettings.current()).comments_require_phone


# --- flood control (counters in the shared cache) ---------------------------------------------


def _check_flood(user, ip_address, site):
    interval = site.comment_min_interval
    if interval and not cache.add(f"comment:user:{user.pk}:recent", 1, interval):
        raise CommentRefused(
            _("You are commenting too fast. Please wait %(seconds)d seconds between comments.") % {"seconds": interval},
            status=429,
            code="comment_too_fast",
        )
    limit = site.comment_ip_hourly_limit
    if ip_address and limit and counters.hit(f"comment:ip:{ip_address}:hour", 3600) > limit:
        raise CommentRefused(
            _("Too many comments from your network in the last hour. Please try later."),
            status=429,
            code="network_limit",
        )


# --- posting -------------------------------------------------------------------------------


@dataclass
class Posted:
    comment: Comment
    replaced_words: bool


def comment_post(*, article, user, text, parent_id=None, ip_address=None, user_agent=""):
    """Check and save a comment or reply; raises CommentRefused with a message for the resident.

    Order of checks: who may speak, whether the article takes comments, the text itself,
    the reply target, duplicates, sensitive words (block / hold / replace), flood limits,
    links, then the moderation mode decides between approved and pending.
    """
    site = SiteSettings.current()
    check_can_speak(user)
    if needs_phone(user, site):
        raise CommentRefused(
            _("Please link your mobile number before commenting (real-name registration; it is never shown)."),
            status=403,
            code="phone_required",
        )
    if not Article.objects.published().filter(pk=article.pk).exists():
        raise CommentRefused(_("This article is not open for comments."), status=404, code="article_not_found")
    if not article.comments_open(site):
        raise CommentRefused(_("Comments are closed for this article."), status=403, code="comments_closed")
    text = clean_comment_text(text)

    parent = reply_to_user = None
    if parent_id not in (None, ""):
        try:
            parent = (
                Comment.objects.visible_to(user)
                .filter(article=article, pk=int(parent_id))
                .select_related("parent")
                .get()
            )
        except (ValueError, TypeError, OverflowError, Comment.DoesNotExist) as exc:
            raise CommentRefused(
                _("The comment you are replying to does not exist on this article."), code="reply_target_missing"
            ) from exc
        # Replies are one level deep: a reply to a reply joins the thread of its parent, and
        # names whom it answers ("回复 @昵称").
        if parent.parent is not None:
            reply_to_user = parent.user_id
            parent = parent.parent

    since = timezone.now() - DUPLICATE_WINDOW
    if Comment.objects.filter(user=user, body=text, created_at__gte=since).exists():
        raise CommentRefused(_("You have already posted this text."), status=409, code="comment_duplicate")

    verdict = sensitive_word_filter().check(text)
    if verdict.action == wordfilter.BLOCK:
        raise CommentRefused(
            _("Sorry, your text contains sensitive words and cannot be submitted."), code="sensitive_words"
        )
    text = verdict.text

    _check_flood(user, ip_address, site)

    hold_reason = ""
    if verdict.action == wordfilter.HOLD:
        hold_reason = _("sensitive word")
    elif len(LINK_PATTERN.findall(text)) > MAX_LINKS:
        hold_reason = _("more than %(n)d links") % {"n": MAX_LINKS}
    elif article.moderation_mode(site) == ModerationMode.REVIEW_FIRST:
        hold_reason = _("every comment is reviewed")
    status = Comment.Status.PENDING if hold_reason else Comment.Status.APPROVED

    with transaction.atomic():
        _lock_articles([article.pk])
        comment = Comment.objects.create(
            article=article,
            user=user,
            parent=parent,
            reply_to_user_id=reply_to_user,
            body=text,
            status=status,
            hold_reason=hold_reason,
            ip_address=ip_address or None,
            ip_region=region_for(ip_address),
            user_agent=(user_agent or "")[:300],
        )
        if status == Comment.Status.APPROVED:
            _recount([article.pk])
            comments_published.send(sender=Comment, comment_ids=[comment.pk])
    return Posted(comment=comment, replaced_words=verdict.action == wordfilter.REPLACE)


# --- moderation --------------------------------------------------------------------------

_STATUS_FOR_KIND = {
    ModerationAction.Kind.APPROVE: Comment.Status.APPROVED,
    ModerationAction.Kind.REJECT: Comment.Status.REJECTED,
    ModerationAction.Kind.SPAM: Comment.Status.SPAM,
}


def _ids(comments):
    """Primary keys of a queryset or of a list of comments."""
    if hasattr(comments, "values_list"):
        return list(comments.values_list("pk", flat=True))
    return [comment.pk for comment in comments]


def comments_moderate(*, comments, kind, by, reason=""):
    """Approve, reject or mark as spam; returns how many comments changed status.

    ``reason`` (a rejection's, shown to the author) goes into the log and the signal, and on
    the comments (``moderation_reason``; approving clears it).
    """
    status = _STATUS_FOR_KIND[kind]
    ids = _ids(comments)
    with transaction.atomic():
        article_ids = _lock_articles(Comment.objects.filter(pk__in=ids).values_list("article_id", flat=True))
        changed = list(Comment.objects.filter(pk__in=ids).exclude(status=status).values_list("pk", flat=True))
        reason = (reason or "").strip()[: Comment._meta.get_field("moderation_reason").max_length]
        Comment.objects.filter(pk__in=changed).update(status=status, moderation_reason=reason)
        _log_many(kind, by, changed, reason=reason)
        _recount(article_ids)
        if changed:
            comments_moderated.send(sender=Comment, comment_ids=changed, kind=kind, reason=reason, by=by)
            if status == Comment.Status.APPROVED:
                comments_published.send(sender=Comment, comment_ids=changed)
    return len(changed)


def comments_delete(*, comments, by):
    """Delete comments (and their replies); returns how many rows went."""
    ids = _ids(comments)
    with transaction.atomic():
        targets = Comment.objects.filter(Q(pk__in=ids) | Q(parent_id__in=ids))
        article_ids = _lock_articles(targets.values_list("article_id", flat=True))
        rows = list(targets.values_list("pk", "user_id", "body"))
        ModerationAction.objects.bulk_create(
            ModerationAction(
                kind=ModerationAction.Kind.DELETE, actor=by, comment_id=pk, target_user_id=user_id, detail=body[:300]
            )
            for pk, user_id, body in rows
        )
        kept = keep_records(targets)
        token = _records_kept.set(kept)  # keep_record (pre_delete) has nothing left to do for these
        try:
            targets.delete()
        finally:
            _records_kept.reset(token)
        _recount(article_ids)
    return len(rows)


RECORDED_FIELDS = (
    "user__username", "article__title", "body", "status", "created_at", "ip_address", "ip_region", "user_agent",
)  # fmt: skip
# The comments whose records comments_delete() already wrote in bulk (the ids, for this context).
_records_kept = contextvars.ContextVar("comment_records_kept", default=frozenset())


def _record(comment, username, article_title, actions):
    return CommentRecord(
        comment_id=comment.pk,
        account_id=comment.user_id,
        username=username,
        article_id=comment.article_id,
        article_title=article_title[:200],
        body=comment.body,
        status=comment.status,
        created_at=comment.created_at,
        ip_address=comment.ip_address,
        ip_region=comment.ip_region,
        user_agent=comment.user_agent,
        moderation="\n".join(_log_line(action) for action in actions),
    )


def keep_record(sender, instance, **kwargs):
    """pre_delete of a Comment: copy what the authorities may ask for into a CommentRecord."""
    if instance.pk in _records_kept.get():
        return
    actions = ModerationAction.objects.filter(comment_id=instance.pk).select_related("actor").order_by("created_at")
    _record(instance, _username(instance.user_id), _article_title(instance.article_id), actions).save()


def keep_records(comments):
    """The records of many comments about to be deleted, in three queries; returns their ids."""
    targets = list(comments.select_related("user", "article").only(*RECORDED_FIELDS))
    actions = {}
    for action in (
        ModerationAction.objects.filter(comment_id__in=[c.pk for c in targets])
        .select_related("actor")
        .order_by("created_at", "pk")
    ):
        actions.setdefault(action.comment_id, []).append(action)
    CommentRecord.objects.bulk_create(
        _record(c, c.user.username, c.article.title, actions.get(c.pk, ())) for c in targets
    )
    return frozenset(c.pk for c in targets)


RECORD_COLUMNS = {
    "username": _lazy("account"),
    "created_at": _lazy("time"),
    "ip_address": _lazy("IP address"),
    "ip_region": _lazy("IP location"),
    "article": _lazy("article"),
    "body": _lazy("text"),
    "status": _lazy("status"),
    "moderation": _lazy("moderation"),
    "deleted_at": _lazy("deleted"),
}


def account_records(*, account_id):
    """Every comment of one account, live and deleted, oldest first, as dicts of RECORD_COLUMNS."""
    status_label = dict(Comment.Status.choices)
    username = _username(account_id)
    rows = []
    live = Comment.objects.filter(user_id=account_id).select_related("article").order_by("created_at", "pk")
    logs = {}
    for action in (
        ModerationAction.objects.filter(comment__user_id=account_id).select_related("actor").order_by("created_at")
    ):
        logs.setdefault(action.comment_id, []).append(_log_line(action))
    for comment in live:
        rows.append(
            {
                "username": username,
                "created_at": _local(comment.created_at),
                "ip_address": comment.ip_address or "",
                "ip_region": comment.ip_region,
                "article": f"#{comment.article_id} {comment.article.title}",
                "body": comment.body,
                "status": status_label.get(comment.status, comment.status),
                "moderation": "\n".join(logs.get(comment.pk, [])),
                "deleted_at": "",
            }
        )
    for record in CommentRecord.objects.filter(account_id=account_id).order_by("created_at", "pk"):
        rows.append(
            {
                "username": record.username,
                "created_at": _local(record.created_at),
                "ip_address": record.ip_address or "",
                "ip_region": record.ip_region,
                "article": f"#{record.article_id} {record.article_title}",
                "body": record.body,
                "status": status_label.get(record.status, record.status),
                "moderation": record.moderation,
                "deleted_at": _local(record.deleted_at),
            }
        )
    rows.sort(key=lambda row: row["created_at"])
    return rows


def _local(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}"


def _log_line(action):
    return f"{_local(action.created_at)} {action.actor or '-'} {action.get_kind_display()} {action.detail}".strip()


def _username(user_id):
    return get_user_model().objects.filter(pk=user_id).values_list("username", flat=True).first() or ""


def _article_title(article_id):
    return (Article.objects.filter(pk=article_id).values_list("title", flat=True).first() or "")[:200]


def comment_report(*, comment, user, reason, detail=""):
    """Record a reader's report; a second report by the same reader is refused."""
    check_can_speak(user)
    if reason not in CommentReport.Reason.values:
        raise CommentRefused(_("Please choose a reason for the report."))
    detail = (detail or "").strip()[:200]
    if any(unicodedata.category(ch) == "Cc" for ch in detail):
        raise CommentRefused(_("The details contain control characters."))
    try:
        with transaction.atomic():
            CommentReport.objects.create(comment=comment, user=user, reason=reason, detail=detail)
            Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
    except IntegrityError as exc:
        raise CommentRefused(_("You have already reported this comment."), status=409) from exc


# --- likes (点赞) ----------------------------------------------------------------------------

LIKES_PER_MINUTE = 30  # each like moves the page cache's generation: a hard cap, not a nuisance
LIKES_PER_HOUR = 300


@dataclass
class Liked:
    liked: bool  # whether the resident likes the comment now
    count: int  # the comment's like_count after the change


def comment_like_toggle(*, comment, user):
    """Like an approved comment, or take the like back when the resident already liked it.

    The like row and ``like_count`` change in one transaction, the count with ``F()``, so the
    count equals the rows whatever runs at the same time. A resident cannot like their own
    comment (it would let anyone lift their own comment into 热门评论), and a banned resident
    may not like at all (小黑屋 is read only). Raises CommentRefused.
    """
    check_can_speak(user)
    if comment.user_id == user.pk:
        raise CommentRefused(_("You cannot like your own comment."), status=403, code="own")
    if comment.status != Comment.Status.APPROVED:
        raise CommentRefused(_("This comment cannot be liked."), status=404)
    if (
        counters.hit(f"comment-like:user:{user.pk}:minute", 60) > LIKES_PER_MINUTE
        or counters.hit(f"comment-like:user:{user.pk}:hour", 3600) > LIKES_PER_HOUR
    ):
        raise CommentRefused(_("You are liking too fast. Please wait a moment."), status=429)
    with transaction.atomic():
        gone, _rows = CommentLike.objects.filter(comment_id=comment.pk, user_id=user.pk).delete()
        if gone:
            change, liked = -1, False
        else:
            try:
                with transaction.atomic():
                    CommentLike.objects.create(comment_id=comment.pk, user_id=user.pk)
            except IntegrityError:
                # The same resident's other request liked it a moment ago: already liked.
                change, liked = 0, True
            else:
                change, liked = 1, True
        if change:
            Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") + change)
            pagecache.bump_on_commit()  # the counts and 热门评论 are on the cached pages
        count = Comment.objects.filter(pk=comment.pk).values_list("like_count", flat=True).first() or 0
    return Liked(liked=liked, count=count)


def forget_likes(sender, instance, **kwargs):
    """pre_delete of a user: their likes go with the account, so take them off the counts."""
    liked = CommentLike.objects.filter(user_id=instance.pk).values("comment_id")
    if Comment.objects.filter(pk__in=liked).update(like_count=F("like_count") - 1):
        pagecache.bump_on_commit()


BAN_DURATIONS = {
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "forever": None,
}


def user_ban(*, user, by, duration, reason, comment=None):
    """Ban a resident from speaking; shown on 小黑屋 until it ends by itself."""
    if duration not in BAN_DURATIONS:
        raise ValueError(f"unknown ban duration {duration!r}")
    length = BAN_DURATIONS[duration]
    now = timezone.now()
    with transaction.atomic():
        ban = Ban(user=user, reason=reason, created_by=by, created_at=now, expires_at=now + length if length else None)
        ban.full_clean()  # Ban.clean(): never a staff account
        ban.save()
        log_ban(ban, by=by, comment=comment, duration=duration)
    return ban


def log_ban(ban, *, by, comment=None, duration=None):
    """The moderation log's entry for a new ban (from the comment queue or the ban admin)."""
    detail = f"{duration}: {ban.reason}" if duration else ban.reason
    ModerationAction.objects.create(
        kind=ModerationAction.Kind.BAN, actor=by, comment=comment, target_user=ban.user, detail=detail[:300]
    )


def ban_lift(*, ban, by):
    with transaction.atomic():
        Ban.objects.filter(pk=ban.pk, lifted_at__isnull=True).update(lifted_at=timezone.now())
        pagecache.bump_on_commit()  # 小黑屋
        ModerationAction.objects.create(
            kind=ModerationAction.Kind.LIFT_BAN, actor=by, target_user_id=ban.user_id, detail=ban.reason[:300]
        )


# --- counters ----------------------------------------------------------------------------


def _lock_articles(article_ids):
    """Lock the article rows in id order (no deadlocks); returns the sorted ids."""
    ids = sorted(set(article_ids))
    if ids:
        list(Article.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    return ids


def _recount(article_ids):
    """Set each article's comment_count to its number of approved comments (rows are locked)."""
    if not article_ids:
        return
    counts = dict(
        Comment.objects.filter(article_id__in=article_ids, status=Comment.Status.APPROVED)
        .values_list("article_id")
        .annotate(n=Count("pk"))
        .values_list("article_id", "n")
    )
    for article_id in article_ids:
        Article.objects.filter(pk=article_id).update(comment_count=counts.get(article_id, 0))
    pagecache.bump_on_commit()  # comments and their counts are on the cached pages


def _log_many(kind, by, comment_ids, reason=""):
    rows = Comment.objects.filter(pk__in=comment_ids).values_list("pk", "user_id", "body")
    prefix = f"[{reason}] " if reason else ""
    ModerationAction.objects.bulk_create(
        ModerationAction(kind=kind, actor=by, comment_id=pk, target_user_id=user_id, detail=(prefix + body)[:300])
        for pk, user_id, body in rows
    )
