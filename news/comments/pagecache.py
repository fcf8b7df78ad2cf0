"""The comments' part in members' shared pages (yzgz.pagecache.member_hooks).

The comment section is the same for every resident who may speak and has nothing waiting for
review: a banned resident (the form says why), one who must link a mobile number first, or one
whose own comments await review (they see them, marked) gets an article page of their own.

This runs on every resident's article request, so it is plain SQL (about a tenth of what
building two ORM queries costs), asked in the page cache's one statement on a hit; the rules
are ``Ban.objects.active()`` and ``Comment.objects.visible_to()``, and
tests/site/test_pagecache_members.py holds both to them.

Which comments a resident liked (点赞, the buttons' ``aria-pressed``) is theirs too: cut out of
the shared copy and put back per request by :class:`LikedComments`, one plain statement over
the like buttons on the page (none when the page has none). The counts are everyone's: a like
moves the page cache's generation.
"""

import re

from django.db import connection
from django.utils import timezone

from accounts.models import Ban
from news.comments.models import Comment, CommentLike
from news.comments.services import needs_phone
from yzgz.pagecache import MemberHook

ARTICLE_PAGE = "news:article-detail"
_OWN_PAGE_SQL = (
    f"SELECT EXISTS (SELECT 1 FROM {Ban._meta.db_table} WHERE user_id = %s AND lifted_at IS NULL"  # noqa: S608 - table names from our models; values are parameters
    " AND (expires_at IS NULL OR expires_at > %s))"
    f" OR EXISTS (SELECT 1 FROM {Comment._meta.db_table} WHERE article_id = %s AND user_id = %s"
    # The status written out, not a parameter: PostgreSQL's plan of the prepared statement can then
    # use the partial index of pending comments (comment_pending_own_idx).
    f" AND status = '{Comment.Status.PENDING}')"
)


class OwnComments(MemberHook):
    @staticmethod
    def own_page(request, match):
        if match is None or match.view_name != ARTICLE_PAGE:
            return False
        return needs_phone(request.user)  # the form asks them to link a number first

    @staticmethod
    def own_query(request, match):
        if match is None or match.view_name != ARTICLE_PAGE:
            return None
        user_id = request.user.pk
        return _OWN_PAGE_SQL, [user_id, timezone.now(), match.kwargs["pk"], user_id]


_LIKE_PRESSED = re.compile(r'(class="like" data-comment="\d+" aria-pressed=")true(")')
_LIKE_BUTTON = re.compile(r'class="like" data-comment="(\d+)" aria-pressed="false"')
# The liked ids of the page's comments as one "3,7,12" value (a subquery of the page cache's one statement).
_LIKED_SQL = f"SELECT {{list}} FROM {CommentLike._meta.db_table} WHERE user_id = %s AND comment_id IN ({{ids}})"  # noqa: S608 - our table; values are parameters
# The same, for every comment of the article (nginx's copy: the page is not at hand).
_LIKED_ON_ARTICLE_SQL = (
    f"SELECT {{list}} FROM {CommentLike._meta.db_table} AS liked"  # noqa: S608 - our tables; values are parameters
    f" JOIN {Comment._meta.db_table} AS comment ON comment.id = liked.comment_id"
    " WHERE liked.user_id = %s AND comment.article_id = %s"
)
_LIKED_LIST = {"postgresql": "string_agg(comment_id::text, ',')", "sqlite": "group_concat(comment_id, ',')"}


class LikedComments(MemberHook):
    @staticmethod
    def strip(content):
        return _LIKE_PRESSED.sub(r"\g<1>false\g<2>", content)

    @staticmethod
    def query(request, match, content):
        if match is None or match.view_name != ARTICLE_PAGE:
            return None
        ids = list(dict.fromkeys(int(pk) for pk in _LIKE_BUTTON.findall(content)))
        if not ids:
            return None
        return _LIKED_SQL.format(list=_together(), ids=", ".join(["%s"] * len(ids))), [request.user.pk, *ids]

    @staticmethod
    def put_back(request, match, content, value):
        for pk in (value or "").split(","):
            if pk:  # a comment among 热门评论 has two buttons
                button = f'class="like" data-comment="{int(pk)}" aria-pressed='
                content = content.replace(f'{button}"false"', f'{button}"true"')
        return content

    @staticmethod
    def edge_query(request, match):
        if match is None or match.view_name != ARTICLE_PAGE:
            return None
        return _LIKED_ON_ARTICLE_SQL.format(list=_together()), [request.user.pk, match.kwargs["pk"]]

    @staticmethod
    def edge_parts(request, match, value):
        ids = dict.fromkeys(int(pk) for pk in (value or "").split(",") if pk)
        return [[f'button.like[data-comment="{pk}"]', {"aria-pressed": "true"}] for pk in ids]


def _together():
    """The SQL that joins the liked ids into one "3,7,12" value on this database."""
    return _LIKED_LIST.get(connection.vendor, _LIKED_LIST["sqlite"])
