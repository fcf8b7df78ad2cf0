"""Paginated article lists: by category, tag, source (来自) and publisher (发布者)."""

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.generic import ListView
from taggit.models import Tag

from news.models import Article, Category, Source
from news.navigation import category_tree
from news.rankings import hot_articles

PAGE_SIZE = 15


class ArticleListMixin:
    """A list of published articles narrowed by one object (``self.subject``)."""

    template_name = "news/article_list.html"
    context_object_name = "articles"
    paginate_by = PAGE_SIZE
    list_kind = ""

    def get_subject(self):
        raise NotImplementedError

    def filter_articles(self, queryset):
        raise NotImplementedError

    def get_queryset(self):
        self.subject = self.get_subject()
        return self.filter_articles(Article.objects.published().for_list())

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.subject, list_kind=self.list_kind, **kwargs)


class CategoryArticleListView(ArticleListMixin, ListView):
    list_kind = "category"

    def get_subject(self):
        return get_object_or_404(Category.objects.select_related("parent"), slug=self.kwargs["slug"])

    def filter_articles(self, queryset):
        return queryset.in_category(self.subject)

    def get_context_data(self, **kwargs):
        top_id = self.subject.parent_id or self.subject.pk
        top = next((c for c in category_tree() if c.pk == top_id), None)
        return super().get_context_data(
            subcategories=top.subcategories if top and top.pk == self.subject.pk else [],
            current_category_id=top_id,
            hot=hot_articles(),
            **kwargs,
        )


class TagArticleListView(ArticleListMixin, ListView):
    list_kind = "tag"

    def get_subject(self):
        return get_object_or_404(Tag, slug=self.kwargs["slug"])

    def filter_articles(self, queryset):
        return queryset.filter(tags=self.subject)


class SourceArticleListView(ArticleListMixin, ListView):
    list_kind = "source"

    def get_subject(self):
        return get_object_or_404(Source, pk=self.kwargs["pk"])

    def filter_articles(self, queryset):
        return queryset.filter(source=self.subject)


class PublisherArticleListView(ArticleListMixin, ListView):
    """A publisher's page exists only for accounts that have published something."""

    list_kind = "publisher"

    def get_subject(self):
        return get_object_or_404(get_user_model(), username=self.kwargs["username"], is_active=True)

    def filter_articles(self, queryset):
        return queryset.filter(author=self.subject)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["paginator"].count == 0:
            raise Http404(_("This user has not published anything."))
        return context


class TagIndexView(ListView):
    """The most used tags."""

    template_name = "news/tag_index.html"
    context_object_name = "tags"

    def get_queryset(self):
        return Tag.objects.none()


class MonthArchiveView(ArticleListMixin, ListView):
    list_kind = "archive"

    def get_subject(self):
        return None

    def filter_articles(self, queryset):
        return queryset.none()
