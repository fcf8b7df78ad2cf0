"""Sitemaps (an index of articles, categories, tags and topics), the Google News sitemap and robots.txt.

``SITEMAPS`` feeds Django's sitemap index at ``/sitemap.xml`` and its sections at
``/sitemap-<section>.xml``, paginated by ``?p=``. The news sitemap has its own view,
:func:`news_sitemap`, because Django's sitemap view renders every section with one
template, which cannot carry Google's ``news:`` elements. Only public articles appear
anywhere, as :meth:`news.articles.models.ArticleQuerySet.published` defines them.
"""

from contextlib import suppress
from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Exists, Max, OuterRef
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from taggit.models import Tag

from news.articles.feeds import xml_text
from news.articles.models import Article, Category, SiteSettings, Topic
from yzgz.siteurl import absolute_url

# URLs per sitemap page. The protocol allows 50,000; smaller pages are quicker to build
# and to fetch (WordPress uses 2,000).
PAGE_LIMIT = 2000

# Google News reads articles of the last two days, at most 1,000 per sitemap.
NEWS_WINDOW = timedelta(days=2)
NEWS_LIMIT = 1000
NEWS_LANGUAGE = "zh-cn"


class ArticleSitemap(Sitemap):
    limit = PAGE_LIMIT

    def items(self):
        # Ordered by id so that pages stay stable while articles are published and edited.
        return Article.objects.published().only("id", "updated_at").order_by("id")

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        # For the index: one aggregate instead of loading every article.
        return Article.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class CategorySitemap(Sitemap):
    limit = PAGE_LIMIT

    def items(self):
        return Category.objects.only("id", "slug").order_by("id")


class TagSitemap(Sitemap):
    """Tags that at least one public article carries; a tag page of drafts only would be empty."""

    limit = PAGE_LIMIT

    def items(self):
        used = Article.objects.published().filter(tags=OuterRef("pk"))
        return Tag.objects.filter(Exists(used)).only("id", "slug").order_by("id")

    def location(self, item):
        return reverse("news:tag-detail", args=[item.slug])


class TopicSitemap(Sitemap):
    """Public topics (专题): active and archived; a draft is not there."""

    limit = PAGE_LIMIT

    def items(self):
        return Topic.objects.public().only("id", "slug", "updated_at").order_by("id")

    def lastmod(self, item):
        return item.updated_at


SITEMAPS = {"articles": ArticleSitemap, "categories": CategorySitemap, "tags": TagSitemap, "topics": TopicSitemap}


@sitemap_views.x_robots_tag
def news_sitemap(request):
    """The Google News sitemap: public articles of the last two days, newest first."""
    now = timezone.now()
    articles = (
        Article.objects.published()
        .filter(published_at__gte=now - NEWS_WINDOW)
        .only("id", "title", "published_at")
        .order_by("-published_at", "-id")[:NEWS_LIMIT]
    )
    entries = [
        {
            "location": absolute_url(article.get_absolute_url(), request),
            "title": xml_text(article.title),
            "publication_date": timezone.localtime(article.published_at).replace(microsecond=0).isoformat(),
        }
        for article in articles
    ]
    context = {
        "publication_name": xml_text(SiteSettings.current().site_name),
        "language": NEWS_LANGUAGE,
        "entries": entries,
    }
    return TemplateResponse(request, "news/sitemaps/news.xml", context, content_type="application/xml")


def robots_txt(request):
    """Crawl everything but the admin and the accounts pages; where the sitemaps are."""
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /accounts/", "Allow: /", ""]
    sitemap_paths = [reverse("sitemap-index")]
    with suppress(NoReverseMatch):  # listed once its URL is wired
        sitemap_paths.append(reverse("news-sitemap"))
    lines += [f"Sitemap: {absolute_url(path, request)}" for path in sitemap_paths]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
