"""Sitemaps (an index of articles, categories and tags), the news sitemap and robots.txt (to be completed)."""

from django.contrib.sitemaps import Sitemap
from django.http import HttpResponse

from news.models import Article


class ArticleSitemap(Sitemap):
    def items(self):
        return Article.objects.published().only("id", "updated_at")

    def lastmod(self, item):
        return item.updated_at


SITEMAPS = {"articles": ArticleSitemap}


def robots_txt(request):
    return HttpResponse("User-agent: *\nDisallow: /admin/\n", content_type="text/plain")
