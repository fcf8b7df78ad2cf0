"""One page of an article's comments, read as rows (see the ``{% article_comments %}`` tag)."""

from news.comments.models import Comment

COMMENTS_PER_PAGE = 20


def comment_page_number(request):
    try:
        number = int(request.GET.get("cpage", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), 10_000)


class CommentRow:
    """A comment as the article page shows it, read as a row: no model instances to build."""

    __slots__ = ("author", "avatar", "body", "created_at", "ip_region", "parent_id", "pk", "status", "thread")
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
    )

    def __init__(self, pk, parent_id, body, status, created_at, username, nickname, avatar, ip_region=""):
        self.pk, self.parent_id, self.body, self.status, self.created_at = pk, parent_id, body, status, created_at
        self.author = nickname or username  # as User.display_name
        self.avatar = avatar  # the upload's storage name, or ""
        self.ip_region = ip_region  # IP属地; empty for imported comments, which show nothing
        self.thread = []


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
