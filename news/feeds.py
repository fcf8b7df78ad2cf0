"""RSS 2.0 and Atom feeds for the whole site and for each category (to be completed)."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed

from news.models import Article, Category, SiteSettings

FEED_SIZE = 30


class LatestArticlesFeed(Feed):
    def title(self):
        return SiteSettings.current().site_name

    def link(self):
        return "/"

    def items(self):
        return Article.objects.published().for_list()[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.excerpt


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed


class CategoryFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Category, slug=slug)

    def items(self, obj):
        return Article.objects.published().for_list().in_category(obj)[:FEED_SIZE]


class CategoryAtomFeed(CategoryFeed):
    feed_type = Atom1Feed
