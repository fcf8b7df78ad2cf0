"""The home page and the article page."""

from django.http import Http404
from django.shortcuts import render
from django.views.generic import DetailView, TemplateView

from news.articles import wechat
from news.articles.models import Article
from news.articles.navigation import category_tree
from news.articles.permissions import can_preview_article
from news.articles.topics import active_topics, topics_of

HEADLINE_COUNT = 5
LATEST_COUNT = 10
BLOCK_SIZE = 6


class HomeView(TemplateView):
    template_name = "news/home.html"
    RECENT_WINDOW = 300  # the newest articles that normally fill every category's block

    def render_to_response(self, context, **kwargs):
        return wechat.allow_sdk(super().render_to_response(context, **kwargs))  # the share card

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
            topics=active_topics(),
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
    """The article page. Staff who may edit an unpublished article see it as a preview.

    The page composes what other apps show under an article — reactions (表态), comments and
    热门 — through their template tags; this view knows only the article. A refused comment
    or reaction shows the page again with ``refusal`` (the tags read it from the context).
    """

    model = Article
    context_object_name = "article"
    is_preview = False
    refusal = {}

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
            response = super().get(request, *args, **kwargs)
        except ArticleWithdrawn:
            return render(request, "410.html", status=410)
        # The page loads WeChat's JS-SDK inside WeChat (its share card): allow that one script.
        return wechat.allow_sdk(response, preview=self.is_preview)

    def get_context_data(self, **kwargs):
        article = self.object
        previous_article, next_article = article.get_neighbours()
        # One plain query; prefetch_related("tags") cost a millisecond more for the same rows.
        article_tags = list(article.tags.all())
        return super().get_context_data(
            count_view=not self.is_preview,
            is_preview=self.is_preview,
            article_tags=article_tags,
            topics=topics_of(article, article_tags),
            previous_article=previous_article,
            next_article=next_article,
            current_category_id=article.category.parent_id or article.category_id,
            **self.refusal,
            **kwargs,
        )


def render_refusal(request, pk, status, **state):
    """The article page again, with the reason something was refused, under a 4xx status."""
    view = ArticleDetailView()
    view.setup(request, pk=pk)
    view.refusal = state
    response = view.get(request, pk=pk)
    response.status_code = status
    return response
