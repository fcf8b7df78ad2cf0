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
"""

from html import escape

from django import template
from django.contrib.auth import get_user_model
from django.template.backends.utils import csrf_input
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from news.articles.markup import time_tag
from news.articles.models import SiteSettings
from news.comments.listing import comment_page_number, comments_for_page
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
    section = {
        "comments": comments,
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


class _Page:
    """What every comment on the page shares: labels, URLs, the reader's situation."""

    def __init__(self, context):
        article = context["article"]
        user = context.get("user")
        request = context.get("request")
        self.authenticated = bool(user is not None and user.is_authenticated)
        self.can_reply = bool(
            context.get("comments_open")
            and self.authenticated
            and not context.get("ban")
            and not context.get("needs_phone")
        )
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
        self.csrf = csrf_input(request) if self.authenticated and request is not None else ""
        self.t_review = escape(gettext("Under review"))
        self.t_region = escape(gettext("IP location: "))
        self.t_reply = escape(gettext("Reply"))
        self.t_your_reply = escape(gettext("Your reply"))
        self.t_report = escape(gettext("Report"))
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
            self.report_login = (
                '<p class="muted">'
                + gettext('<a href="%(login)s">Log in</a> to report a comment.') % {"login": escape(login)}
                + "</p>"
            )

    def comment(self, comment, can_reply):
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
            time_tag(comment.created_at, css_class="comment__time"),
        ]
        if comment.ip_region:
            parts.append(f'<span class="comment__region">{self.t_region}{escape(comment.ip_region)}</span>')
        if comment.status == "pending":
            parts.append(f'<span class="badge badge--pending">{self.t_review}</span>')
        parts.append('</header><p class="comment__text">')
        parts.append(linebreaksbr(comment.body, autoescape=True))
        parts.append('</p><div class="comment__actions">')
        if can_reply and self.can_reply and approved:
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
                out.append(page.comment(reply, can_reply=False))
                out.append("</li>")
            out.append("</ol>")
        out.append("</li>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped or our own markup
