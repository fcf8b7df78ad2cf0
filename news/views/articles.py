"""The home page and the article page."""

from django.http import Http404
from django.shortcuts import render
from django.views.generic import DetailView, TemplateView

from news import reactions
from news.models import Article, Comment, CommentReport, ReactionVote, SiteSettings
from news.navigation import category_tree
from news.permissions import can_preview_article
from news.rankings import hot_articles

HEADLINE_COUNT = 5
LATEST_COUNT = 10
BLOCK_SIZE = 6
COMMENTS_PER_PAGE = 20


def comment_page_number(request):
    try:
        number = int(request.GET.get("cpage", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), 10_000)


class CommentRow:
    """A comment as the article page shows it, read as a row: no model instances to build."""

    __slots__ = ("author", "avatar", "body", "created_at", "parent_id", "pk", "status", "thread")
    COLUMNS = ("pk", "parent_id", "body", "status", "created_at", "user__username", "user__nickname", "user__avatar")

    def __init__(self, pk, parent_id, body, status, created_at, username, nickname, avatar):
        self.pk, self.parent_id, self.body, self.status, self.created_at = pk, parent_id, body, status, created_at
        self.author = nickname or username  # as User.display_name
        self.avatar = avatar  # the upload's storage name, or ""
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


class HomeView(TemplateView):
    template_name = "news/home.html"
    RECENT_WINDOW = 300  # the newest articles that normally fill every category's block

    def get_context_data(self, **kwargs):
        published = Article.objects.published()
        tree = category_tree()
        latest_ids, block_ids = self.choose(published, tree)
        loaded = published.for_list().in_bulk(latest_ids)
        # The blocks show a title and a date: loading only those makes their ~36 articles cheap.
        titles = published.only("title", "published_at").in_bulk(set().union(*block_ids.values()))
        blocks = [
            (category, [titles[pk] for pk in block_ids[category.pk] if pk in titles])
            for category in tree
            if block_ids.get(category.pk)
        ]
        return super().get_context_data(
            headlines=list(Article.objects.for_list().headlines()[:HEADLINE_COUNT]),
            latest=[loaded[pk] for pk in latest_ids if pk in loaded],
            blocks=blocks,
            hot=hot_articles(),
            **kwargs,
        )

    def choose(self, published, tree):
        """Ids of the latest articles and of each top-level category's BLOCK_SIZE newest.

        One query reads (id, category) of the newest few hundred articles — an index range,
        however large the archive — which fills every block of a busy site; the articles
        themselves are then loaded once. Only a category too quiet to appear in that window
        costs one more query.
        """
        top_of = {}
        for category in tree:
            top_of[category.pk] = category.pk
            for child in category.subcategories:
                top_of[child.pk] = category.pk
        blocks = {category.pk: [] for category in tree}
        window = list(published.values_list("pk", "category_id")[: self.RECENT_WINDOW])
        for pk, category_id in window:
            block = blocks.get(top_of.get(category_id))
            if block is not None and len(block) < BLOCK_SIZE:
                block.append(pk)
        if len(window) == self.RECENT_WINDOW:
            for category in tree:
                if len(blocks[category.pk]) < BLOCK_SIZE:
                    blocks[category.pk] = list(
                        published.in_category(category).values_list("pk", flat=True)[:BLOCK_SIZE]
                    )
        return [pk for pk, _category in window[:LATEST_COUNT]], blocks


class ArticleWithdrawn(Exception):
    """A withdrawn article: readers get 410 Gone instead of the page."""


class ArticleDetailView(DetailView):
    """The article page. Staff who may edit an unpublished article see it as a preview."""

    model = Article
    context_object_name = "article"
    is_preview = False
    comment_state = None  # set by render_refusal to show a refused comment again
    reaction_error = ""

    def get_queryset(self):
        return Article.objects.select_related("category__parent", "source", "author")

    def get_object(self, queryset=None):
        pk = self.kwargs["pk"]
        article = self.get_queryset().published().filter(pk=pk).first()
        if article is not None:
            return article
        if self.request.user.is_staff:
            article = self.get_queryset().filter(pk=pk).first()
            if article is not None and can_preview_article(self.request.user, article):
                self.is_preview = True
                return article
        if Article.objects.filter(pk=pk, status=Article.Status.WITHDRAWN).exists():
            raise ArticleWithdrawn
        raise Http404("No article found")

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except ArticleWithdrawn:
            return render(request, "410.html", status=410)

    def get_context_data(self, **kwargs):
        article = self.object
        user = self.request.user
        site = SiteSettings.current()
        page_number = comment_page_number(self.request)
        comments, has_next = comments_for_page(article, user, page_number)
        visitor = reactions.existing_visitor_for(self.request)
        chosen = (
            ReactionVote.objects.filter(article=article, visitor=visitor).values_list("reaction_id", flat=True).first()
            if visitor
            else None
        )
        previous_article, next_article = article.get_neighbours()
        # One plain query; prefetch_related("tags") cost a millisecond more for the same rows.
        article_tags = list(article.tags.all())
        return super().get_context_data(
            reactions=reactions.bar(article, chosen),
            reaction_error=self.reaction_error,
            count_view=not self.is_preview,
            comments=comments,
            comment_page=page_number,
            comments_have_next=has_next,
            comments_open=article.comments_open(site) and not self.is_preview,
            ban=user.active_ban() if user.is_authenticated else None,
            comment_state=self.comment_state or {},
            report_reasons=CommentReport.Reason.choices,
            comment_max_length=Comment.MAX_LENGTH,
            is_preview=self.is_preview,
            article_tags=article_tags,
            previous_article=previous_article,
            next_article=next_article,
            hot=hot_articles(),
            current_category_id=article.category.parent_id or article.category_id,
            **kwargs,
        )


def render_refusal(request, pk, status, **state):
    """The article page again, with the reason something was refused, under a 4xx status."""
    view = ArticleDetailView()
    view.setup(request, pk=pk)
    for name, value in state.items():
        setattr(view, name, value)
    response = view.get(request, pk=pk)
    response.status_code = status
    return response
