"""The home page and the article page."""

from datetime import timedelta

from django.core.cache import cache
from django.db.models import F, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from news.models import Article, Comment, CommentReport, SiteSettings
from news.navigation import category_tree
from news.permissions import can_edit_article
from news.reactions import DEFAULT_REACTIONS

HEADLINE_COUNT = 5
LATEST_COUNT = 10
BLOCK_SIZE = 6
HOT_COUNT = 10
HOT_WINDOW_DAYS = 90


COMMENTS_PER_PAGE = 20
HOT_CACHE_SECONDS = 120


def hot_articles(limit=HOT_COUNT):
    """热门: most viewed among the articles of the last 90 days (as the old portal's box).

    Cached for two minutes: a slightly stale box is fine, a query on every page is not.
    """

    def build():
        since = timezone.now() - timedelta(days=HOT_WINDOW_DAYS)
        return list(
            Article.objects.published()
            .filter(published_at__gte=since)
            .order_by("-view_count", "-published_at")
            .only("id", "title", "view_count", "published_at")[:limit]
        )

    return cache.get_or_set(f"news:hot:{limit}", build, HOT_CACHE_SECONDS)


def comment_page_number(request):
    try:
        number = int(request.GET.get("cpage", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), 10_000)


def comments_for_page(article, user, number):
    """One page of top-level comments (newest first) with their replies: two queries.

    Fetching one row more than a page tells whether there is a next page without
    counting every comment of a busy article.
    """
    visible = Comment.objects.visible_to(user).select_related("user")
    start = (number - 1) * COMMENTS_PER_PAGE
    rows = list(visible.filter(article=article, parent=None)[start : start + COMMENTS_PER_PAGE + 1])
    comments, has_next = rows[:COMMENTS_PER_PAGE], len(rows) > COMMENTS_PER_PAGE
    if comments:
        replies = {}
        for reply in visible.filter(parent__in=comments).order_by("created_at", "id"):
            replies.setdefault(reply.parent_id, []).append(reply)
        for comment in comments:
            comment.thread = replies.get(comment.pk, [])
    return comments, has_next


class HomeView(TemplateView):
    template_name = "news/home.html"

    def get_context_data(self, **kwargs):
        published = Article.objects.published().for_list()
        top_category = Coalesce("category__parent_id", "category_id")
        ranked = published.annotate(
            top_category_id=top_category,
            rank=Window(RowNumber(), partition_by=[top_category], order_by=[F("published_at").desc(), F("id").desc()]),
        ).filter(rank__lte=BLOCK_SIZE)
        by_category = {}
        for article in ranked:
            by_category.setdefault(article.top_category_id, []).append(article)
        blocks = [
            (category, sorted(by_category[category.pk], key=lambda a: (a.published_at, a.pk), reverse=True))
            for category in category_tree()
            if category.pk in by_category
        ]
        return super().get_context_data(
            headlines=list(published.filter(is_featured=True)[:HEADLINE_COUNT]),
            latest=list(published[:LATEST_COUNT]),
            blocks=blocks,
            hot=hot_articles(),
            **kwargs,
        )


class ArticleDetailView(DetailView):
    """The article page. Staff who may edit an unpublished article see it as a preview."""

    model = Article
    context_object_name = "article"
    is_preview = False
    comment_state = None  # set by the comment views to show a refused comment again

    def get_queryset(self):
        return Article.objects.select_related("category__parent", "source", "author").prefetch_related("tags")

    def get_object(self, queryset=None):
        pk = self.kwargs["pk"]
        article = self.get_queryset().published().filter(pk=pk).first()
        if article is not None:
            return article
        if self.request.user.is_staff:
            article = self.get_queryset().filter(pk=pk).first()
            if article is not None and can_edit_article(self.request.user, article):
                self.is_preview = True
                return article
        raise Http404("No article found")

    def get_context_data(self, **kwargs):
        article = self.object
        user = self.request.user
        site = SiteSettings.current()
        page_number = comment_page_number(self.request)
        comments, has_next = comments_for_page(article, user, page_number)
        return super().get_context_data(
            comments=comments,
            comment_page=page_number,
            comments_have_next=has_next,
            comments_open=article.comments_open(site) and not self.is_preview,
            ban=user.active_ban() if user.is_authenticated else None,
            comment_state=self.comment_state or {},
            report_reasons=CommentReport.Reason.choices,
            comment_max_length=Comment.MAX_LENGTH,
            is_preview=self.is_preview,
            previous_article=article.get_previous_article(),
            next_article=article.get_next_article(),
            reactions=DEFAULT_REACTIONS,
            hot=hot_articles(),
            current_category_id=article.category.parent_id or article.category_id,
            **kwargs,
        )
