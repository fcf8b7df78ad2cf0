"""One page of an article's comments, read as rows (see the ``{% article_comments %}`` tag)."""

from django.db.models import Q

from news.comments.models import HOT_MIN_LIKES, Comment, CommentLike

COMMENTS_PER_PAGE = 20
HOT_COMMENTS = 3


def comment_page_number(request):
    try:
        number = int(request.GET.get("cpage", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), 10_000)


class CommentRow:
    """A comment as the article page shows it, read as a row: no model instances to build."""

    __slots__ = (
        "author",
        "avatar",
        "body",
        "created_at",
        "ip_region",
        "like_count",
        "parent_id",
        "pk",
        "reply_to",
        "status",
        "thread",
    )
    COLUMNS = (
        "pk",
        "parent_id",
        "body",
        "status",
        "created_at",
        "user__username",
        "user__nickname",
        "user__avatar",
        "ip_region",
        "like_count",
        "reply_to_user__username",
        "reply_to_user__nickname",
    )

    def __init__(
        self,
        pk,
        parent_id,
        body,
        status,
        created_at,
        username,
        nickname,
        avatar,
        ip_region="",
        like_count=0,
        reply_to_username=None,
        reply_to_nickname=None,
    ):
        self.pk, self.parent_id, self.body, self.status, self.created_at = pk, parent_id, body, status, created_at
        self.author = nickname or username  # as User.display_name
        self.avatar = avatar  # the upload's storage name, or ""
        self.ip_region = ip_region  # IP属地; empty for imported comments, which show nothing
        self.like_count = like_count
        self.reply_to = reply_to_nickname or reply_to_username or ""  # "回复 @昵称"
        self.thread = []


def comment_location(comment, article_url):
    """The address of a comment on its article page: the comment page its thread is on
    (``?cpage=``, newest threads first, 20 a page) and its anchor. One query."""
    top_id = comment.parent_id or comment.pk
    top = Comment.objects.filter(pk=top_id).values_list("created_at", flat=True).first()
    page = 1
    if top is not None:
        newer = (
            Comment.objects.approved()
            .filter(article_id=comment.article_id, parent=None)
            .filter(Q(created_at__gt=top) | Q(created_at=top, pk__gt=top_id))
            .count()
        )
        page = newer // COMMENTS_PER_PAGE + 1
    query = f"?cpage={page}" if page > 1 else ""
    return f"{article_url}{query}#comment-{comment.pk}"


def comments_for_page(article, user, number):
    """One page of top-level comments (newest first) with their replies: two queries.

    Fetching one row more than a page tells whether there is a next page without
    counting every comment of a busy article.
    """
    visible = Comment.objects.visible_to(user)
    start = (number - 1) * COMMENTS_PER_PAGE
    top = visible.filter(article=article, parent=None).values_list(*CommentRow.COLUMNS)
    rows = [CommentRow(*row) for row in top[start : start + COMMENTS_PER_PAGE + 1]]
    comments, has_next = rows[:COMMENTS_PER_PAGE], len(rows) > COMMENTS_PER_PAGE
    if comments:
        threads = {comment.pk: comment.thread for comment in comments}
        replies = visible.filter(parent__in=list(threads)).order_by("created_at", "id").values_list(*CommentRow.COLUMNS)
        for row in replies:
            reply = CommentRow(*row)
            threads[reply.parent_id].append(reply)
    return comments, has_next


def hot_comments(article):
    """热门评论: the article's most liked approved comments (at least HOT_MIN_LIKES likes), one query.

    ``comment_count`` is the article's approved comments: fewer than HOT_COMMENTS of them cannot
    make the list worth showing above the newest ones, so most articles skip the query.
    """
    if article.comment_count < HOT_COMMENTS:
        return []
    hot = (
        Comment.objects.approved()
        .filter(article=article, like_count__gte=HOT_MIN_LIKES)
        # A reply whose thread was taken down is not on the page: not among the hot ones either.
        .filter(Q(parent__isnull=True) | Q(parent__status=Comment.Status.APPROVED))
        .order_by("-like_count", "-created_at", "-id")
        .values_list(*CommentRow.COLUMNS)
    )
    return [CommentRow(*row) for row in hot[:HOT_COMMENTS]]


def liked_by(user, comment_ids):
    """Which of ``comment_ids`` ``user`` liked: one query, none for anonymous readers or no ids."""
    if not user.is_authenticated or not comment_ids:
        return set()
    return set(CommentLike.objects.filter(user=user, comment_id__in=comment_ids).values_list("comment_id", flat=True))
