"""Paginated article lists: by category, tag, source (来自) and publisher (发布者)."""

from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView
from taggit.models import Tag, TaggedItem

from news.articles import wechat
from news.articles.converters import text_segment
from news.articles.models import Article, Category, Source
from news.articles.navigation import category_tree

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

    def render_to_response(self, context, **kwargs):
        return wechat.allow_sdk(super().render_to_response(context, **kwargs))  # the share card


class CategoryArticleListView(ArticleListMixin, ListView):
    list_kind = "category"

    def get_subject(self):
        return get_object_or_404(Category.objects.select_related("parent"), slug=text_segment(self.kwargs["slug"]))

    def filter_articles(self, queryset):
        return queryset.in_category(self.subject)

    def get_context_data(self, **kwargs):
        top_id = self.subject.parent_id or self.subject.pk
        top = next((c for c in category_tree() if c.pk == top_id), None)
        return super().get_context_data(
            subcategories=top.subcategories if top and top.pk == self.subject.pk else [],
            current_category_id=top_id,
            show_hot=True,  # 热门 (news.viewcounts) beside a category's list
            **kwargs,
        )


class TagArticleListView(ArticleListMixin, ListView):
    list_kind = "tag"

    def get_subject(self):
        """A tag has a page once a public article uses it: a draft's tag stays unknown."""
        return get_object_or_404(
            Tag,
            slug=text_segment(self.kwargs["slug"]),
            pk__in=TaggedItem.objects.filter(
                content_type=ContentType.objects.get_for_model(Article),
                object_id__in=Article.objects.published().values("pk"),
            ).values("tag_id"),
        )

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
        return get_object_or_404(get_user_model(), username=text_segment(self.kwargs["username"]), is_active=True)

    def filter_articles(self, queryset):
        return queryset.filter(author=self.subject)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["paginator"].count == 0:
            raise Http404(_("This user has not published anything."))
        return context


class TagIndexView(TemplateView):
    """The most used tags of published articles, biggest first (cached ten minutes)."""

    template_name = "news/tag_index.html"
    LIMIT = 100

    def get_context_data(self, **kwargs):
        def build():
            content_type = ContentType.objects.get_for_model(Article)
            return list(
                TaggedItem.objects.filter(
                    content_type=content_type, object_id__in=Article.objects.published().values("pk")
                )
                .values("tag__name", "tag__slug")
                .annotate(n=Count("id"))
                .order_by("-n", "tag__name")[: self.LIMIT]
            )

        tags = cache.get_or_set("news:tag-index", build, 600)
        top = tags[0]["n"] if tags else 1
        for tag in tags:
            tag["size"] = 1 + round(3 * tag["n"] / top)  # 1..4, for the tag cloud
        return super().get_context_data(tags=tags, **kwargs)


class MonthArchiveView(ArticleListMixin, ListView):
    """All articles published in one month (Asia/Shanghai), with links to the months around it."""

    list_kind = "archive"

    def get_subject(self):
        year, month = self.kwargs["year"], self.kwargs["month"]
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise Http404(_("No such month."))
        return date(year, month, 1)

    def filter_articles(self, queryset):
        start = self.subject
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        zone = timezone.get_current_timezone()
        return queryset.filter(
            published_at__gte=datetime.combine(start, time.min, zone),
            published_at__lt=datetime.combine(end, time.min, zone),
        )

    def get_context_data(self, **kwargs):
        month = self.subject
        previous = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        today = timezone.localdate()
        return super().get_context_data(
            previous_month=previous if previous.year >= 2000 else None,
            next_month=following if following <= today else None,
            **kwargs,
        )
