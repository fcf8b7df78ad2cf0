"""Reactions in the admin, and the editors' statistics added to the newsroom's article admin.

The article admin (news.articles) knows nothing of view counts: this app registers a
subclass of it with the 30-day chart on each article and the statistics page.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from news.articles.admin_articles import ArticleAdmin
from news.articles.models import Article
from news.viewcounts import charts, stats
from news.viewcounts.models import Reaction


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    """Reactions are counted by id: renaming, reordering or hiding one never moves a count."""

    list_display = ["name", "icon", "order", "is_active"]
    list_editable = ["order", "is_active"]
    ordering = ["order", "id"]

    def has_delete_permission(self, request, obj=None):
        return False  # hide a reaction instead: deleting it would delete its votes


def _with_chart(fieldsets):
    """The newsroom's fieldsets with the views chart after the revisions link."""
    out = []
    for name, options in fieldsets:
        fields = list(options["fields"])
        if "revision_link" in fields:
            fields.insert(fields.index("revision_link") + 1, "views_chart")
        out.append((name, {**options, "fields": fields}))
    return out


class ArticleWithStatsAdmin(ArticleAdmin):
    readonly_fields = [*ArticleAdmin.readonly_fields, "views_chart"]
    fieldsets = _with_chart(ArticleAdmin.fieldsets)

    @admin.display(description=_("views in the last 30 days"))
    def views_chart(self, obj):
        if not obj.pk:
            return "-"
        return charts.bar_chart(
            stats.daily_series(30, Article.objects.filter(pk=obj.pk)), label=_("views in the last 30 days")
        )

    def get_urls(self):
        stats_url = path("stats/", self.admin_site.admin_view(self.stats_view), name="news_article_stats")
        return [stats_url, *super().get_urls()]

    STATS_PERIODS = (7, 30, 90)

    def stats_view(self, request):
        """Views per day, top articles, sources and publishers; reporters see their own."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            days = int(request.GET.get("days", 30))
        except ValueError:
            days = 30
        days = days if days in self.STATS_PERIODS else 30
        articles = self.get_queryset(request)
        series = stats.daily_series(days, articles)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Statistics"),
            "days": days,
            "periods": self.STATS_PERIODS,
            "total": sum(n for _day, n in series),
            "chart": charts.bar_chart(series, label=_("views per day")),
            "top_articles": stats.top_by("article", "article__title", days, articles),
            "top_sources": stats.top_by("article__source", "article__source__name", days, articles),
            "top_publishers": stats.top_by("article__author", "article__author__username", days, articles),
            "own_only": self.restricts_to_own(request),
            "media": self.media,
        }
        return TemplateResponse(request, "admin/news/article/stats.html", context)


admin.site.unregister(Article)
admin.site.register(Article, ArticleWithStatsAdmin)
