"""``{% article_comments %}``: the comments section under an article, and
``{% comment_list %}``: one page of an article's comments and their replies, as HTML.

The article page (news.articles) knows nothing of comments: its template calls
``{% article_comments %}``, which reads one page of comments and renders the section.

The comment list is the costliest part of a busy article page: twenty threads of a popular
story hold sixty comments or more, and through ``{% include %}`` each cost about 0.3 ms of
template lookups, URL reversing and date formatting. This tag writes the same markup in
Python: every URL is reversed once per page and every label translated once, each comment
is then a few string joins (the comments are :class:`news.comments.listing.CommentRow`, not
model instances). Everything a reader wrote goes through ``html.escape``, which is what
Django's ``escape`` runs.

Times are relative (刚刚, 3分钟前, 昨天 12:30, :func:`relative_time`) in a ``<time>`` whose
``datetime`` and ``title`` hold the exact moment: pages are cached, so site.js rewrites the
text from ``datetime`` on load and every minute, with the words of ``{% relative_time_strings %}``.
"""

from html import escape

from django import template
from django.contrib.auth import get_user_model
from django.template.backends.utils import csrf_input
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, json_script
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from news.articles.markup import iso_local
from news.articles.models import SiteSettings
from news.comments.listing import comment_page_number, comments_for_page, hot_comments, liked_by
from news.comments.models import Comment, CommentReport
from news.comments.services import needs_phone
from yzgz.links import ID_PLACEHOLDER

register = template.Library()


@register.simple_tag(takes_context=True)
def article_comments(context):
    """The comments section of ``article``: the form, one page of threads and the pager.

    A refused comment or report comes back in ``comment_state`` (the text, the reason).
    """
    article, request = context["article"], context["request"]
    user = context.get("user") or request.user
    page_number = comment_page_number(request)
    comments, has_next = comments_for_page(article, user, page_number)
    hot = hot_comments(article) if page_number == 1 else []
    shown = [comment.pk for comment in hot]
    for comment in comments:
        shown.append(comment.pk)
        shown.extend(reply.pk for reply in comment.thread)
    section = {
        "comments": comments,
        "hot_comments": hot,
        "liked_comments": liked_by(user, shown),
        "comment_page": page_number,
        "comments_have_next": has_next,
        "comments_open": article.comments_open(SiteSettings.current()) and not context.get("is_preview"),
        "ban": user.active_ban() if user.is_authenticated else None,
        "needs_phone": needs_phone(user),
        "comment_state": context.get("comment_state") or {},
        "report_reasons": CommentReport.Reason.choices,
        "comment_max_length": Comment.MAX_LENGTH,
    }
    with context.push(**section):
        return context.template.engine.get_template("comments/section.html").render(context)


def relative_time(moment, now=None):
    """刚刚, N分钟前, N小时前 (under a day), 昨天 HH:MM, M月D日 HH:MM this year, else YYYY年M月D日.

    static/js/site.js (the "#21 relative times" section) follows the same rules.
    """
    now = timezone.localtime(now or timezone.now())
    local = timezone.localtime(moment)
    seconds = (now - local).total_seconds()
    if seconds < 60:
        return gettext("just now")
    if seconds < 3600:
        minutes = int(seconds // 60)
        return ngettext("%(n)s minute ago", "%(n)s minutes ago", minutes) % {"n": minutes}
    if seconds < 86400:
        hours = int(seconds // 3600)
        return ngettext("%(n)s hour ago", "%(n)s hours ago", hours) % {"n": hours}
    clock = local.strftime("%H:%M")
    if (now.date() - local.date()).days == 1:
        return gettext("yesterday %(time)s") % {"time": clock}
    if local.year == now.year:
        return gettext("%(month)s/%(day)s %(time)s") % {"month": local.month, "day": local.day, "time": clock}
    return gettext("%(year)s/%(month)s/%(day)s") % {"year": local.year, "month": local.month, "day": local.day}


def relative_time_markup(moment, now=None, css_class="comment__time"):
    local = timezone.localtime(moment)
    return (
        f'<time class="{escape(css_class)}" datetime="{iso_local(local)}" title="{local:%Y-%m-%d %H:%M:%S}"'
        f" data-relative>{escape(relative_time(local, now))}</time>"
    )


@register.simple_tag
def relative_time_tag(moment, css_class="comment__time"):
    """``<time datetime="…" title="2026-12-03 18:50:00" data-relative>3分钟前</time>``."""
    return mark_safe(relative_time_markup(moment, css_class=css_class))  # noqa: S308 - digits and our words


@register.simple_tag
def relative_time_strings():
    """The words site.js needs to keep relative times current, as a JSON ``<script>``."""
    return json_script(
        {
            "now": gettext("just now"),
            "minute": [
                ngettext("%(n)s minute ago", "%(n)s minutes ago", 1),
                ngettext("%(n)s minute ago", "%(n)s minutes ago", 2),
            ],
            "hour": [
                ngettext("%(n)s hour ago", "%(n)s hours ago", 1),
                ngettext("%(n)s hour ago", "%(n)s hours ago", 2),
            ],
            "yesterday": gettext("yesterday %(time)s"),
            "monthDay": gettext("%(month)s/%(day)s %(time)s"),
            "date": gettext("%(year)s/%(month)s/%(day)s"),
        },
        "relative-time-strings",
    )


class _Page:
    """What every comment on the page shares: labels, URLs, the reader's situation."""

    def __init__(self, context):
        article = context["article"]
        user = context.get("user")
        request = context.get("request")
        self.now = timezone.now()
        self.authenticated = bool(user is not None and user.is_authenticated)
        self.can_reply = bool(
            context.get("comments_open")
            and self.authenticated
            and not context.get("ban")
            and not context.get("needs_phone")
        )
        self.liked = context.get("liked_comments") or set()
        state = context.get("comment_state") or {}
        self.reply_open = str(state.get("parent_id") or "")
        self.reply_text = state.get("text", "")
        self.report_open = state.get("report_of")
        self.max_length = context.get("comment_max_length", "")
        self.avatar_storage = get_user_model()._meta.get_field("avatar").storage
        self.create_url = escape(reverse("comments:create", args=[article.pk]))
        # Reversed once with a placeholder comment id (the URL's last number), then each comment's own.
        report_url = escape(reverse("comments:report", args=[article.pk, ID_PLACEHOLDER]))
        self.report_url_head, _placeholder, self.report_url_tail = report_url.rpartition(ID_PLACEHOLDER)
        like_url = escape(reverse("comments:like", args=[article.pk, ID_PLACEHOLDER]))
        self.like_url_head, _placeholder, self.like_url_tail = like_url.rpartition(ID_PLACEHOLDER)
        self.csrf = csrf_input(request) if self.authenticated and request is not None else ""
        self.t_review = escape(gettext("Under review"))
        self.t_region = escape(gettext("IP location: "))
        self.t_reply = escape(gettext("Reply"))
        self.t_your_reply = escape(gettext("Your reply"))
        self.t_report = escape(gettext("Report"))
        self.t_like = escape(gettext("Like"))
        self.t_reply_to = gettext("Reply to @%(name)s:")
        if self.authenticated:
            options = "".join(
                format_html('<option value="{}">{}</option>', value, label)
                for value, label in context.get("report_reasons", ())
            )
            self.report_form = (  # follows the form's opening tag, which holds the comment's URL
                self.csrf
                + format_html(
                    '<label>{} <select name="reason">',
                    gettext("Reason for the report"),
                )
                + options
                + format_html(
                    '</select></label><label>{} <input type="text" name="detail" maxlength="200"></label>'
                    '<button type="submit" class="button button--small">{}</button></form>',
                    gettext("Details (optional)"),
                    gettext("Send report"),
                )
            )
        else:
            login = reverse("accounts:login") + "?next=" + article.get_absolute_url()
            self.login_url = escape(login)
            self.report_login = (
                '<p class="muted">'
                + gettext('<a href="%(login)s">Log in</a> to report a comment.') % {"login": escape(login)}
                + "</p>"
            )

    def like(self, comment):
        """The 赞 button: a form for residents (yzgz.pagecache strips and fills aria-pressed,
        news.comments.pagecache.LikedComments), a link to the login page for anonymous readers."""
        pk = comment.pk
        count = f'<span class="like__count">{comment.like_count}</span>'
        label = f'<span class="like__label">{self.t_like}</span>'
        if not self.authenticated:
            return f'<a class="like" href="{self.login_url}%23comment-{pk}" rel="nofollow">{label} {count}</a>'
        pressed = "true" if pk in self.liked else "false"
        return (
            f'<form method="post" action="{self.like_url_head}{pk}{self.like_url_tail}" class="like-form js-like">'
            f'{self.csrf}<button type="submit" class="like" data-comment="{pk}" aria-pressed="{pressed}">'
            f"{label} {count}</button></form>"
        )

    def comment(self, comment, can_reply, hot=False):
        pk = comment.pk
        name = escape(comment.author)
        if comment.avatar:
            src = escape(self.avatar_storage.url(comment.avatar))
            avatar = f'<img class="avatar" src="{src}" alt="" width="36" height="36" loading="lazy">'
        else:
            avatar = (
                f'<span class="avatar avatar--initial" aria-hidden="true">{escape(comment.author[:1].upper())}</span>'
            )
        approved = comment.status == "approved"
        parts = [
            '<article class="comment__body-wrap"><header class="comment__head">',
            avatar,
            f'<span class="comment__author">{name}</span>',
            relative_time_markup(comment.created_at, self.now),
        ]
        if comment.ip_region:
            parts.append(f'<span class="comment__region">{self.t_region}{escape(comment.ip_region)}</span>')
        if comment.status == "pending":
            parts.append(f'<span class="badge badge--pending">{self.t_review}</span>')
        parts.append('</header><p class="comment__text">')
        if comment.reply_to:
            reply_to = escape(self.t_reply_to % {"name": comment.reply_to})
            parts.append(f'<span class="comment__reply-to">{reply_to}</span>')
        parts.append(linebreaksbr(comment.body, autoescape=True))
        parts.append('</p><div class="comment__actions">')
        if approved:
            parts.append(self.like(comment))
        if hot:
            parts.append("</div></article>")
            return "".join(parts)
        if can_reply and self.can_reply and approved:
            # A reply to a reply joins the same thread (news.comments.services.comment_post) and
            # names whom it answers: the form sends the id of the comment it sits under.
            is_open = self.reply_open == str(pk)
            parts.append(
                f'<details class="reply"{" open" if is_open else ""}><summary>{self.t_reply}</summary>'
                f'<form method="post" action="{self.create_url}" class="comment-form comment-form--reply">'
                f'{self.csrf}<input type="hidden" name="parent" value="{pk}">'
                f'<label for="reply-{pk}" class="visually-hidden">{self.t_your_reply}</label>'
                f'<textarea id="reply-{pk}" name="body" rows="2" minlength="2" maxlength="{self.max_length}" required>'
                f"{escape(self.reply_text) if is_open else ''}</textarea>"
                f'<button type="submit" class="button button--small">{self.t_reply}</button></form></details>'
            )
        if approved:
            if self.authenticated:
                url = f"{self.report_url_head}{pk}{self.report_url_tail}"
                form = f'<form method="post" action="{url}" class="report-form">{self.report_form}'
            else:
                form = self.report_login
            parts.append(
                f'<details class="report"{" open" if self.report_open == pk else ""}>'
                f"<summary>{self.t_report}</summary>{form}</details>"
            )
        parts.append("</div></article>")
        return "".join(parts)


@register.simple_tag(takes_context=True)
def comment_list(context, comments):
    """``<li>`` for each top-level comment, its replies in a nested ``<ol>``."""
    page = _Page(context)
    out = []
    for comment in comments:
        out.append(f'<li class="comment" id="comment-{comment.pk}">')
        out.append(page.comment(comment, can_reply=True))
        thread = getattr(comment, "thread", ())
        if thread:
            out.append('<ol class="comment-replies">')
            for reply in thread:
                out.append(f'<li class="comment comment--reply" id="comment-{reply.pk}">')
                out.append(page.comment(reply, can_reply=True))
                out.append("</li>")
            out.append("</ol>")
        out.append("</li>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped or our own markup


@register.simple_tag(takes_context=True)
def hot_comment_list(context, comments):
    """``<li>`` for each of 热门评论, with its 赞 button; replying and reporting stay in the list."""
    page = _Page(context)
    out = []
    for comment in comments:
        out.append(f'<li class="comment comment--hot" id="hot-comment-{comment.pk}">')
        out.append(page.comment(comment, can_reply=False, hot=True))
        out.append("</li>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped or our own markup
