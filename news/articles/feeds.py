"""RSS 2.0 and Atom feeds of the newest public articles, for the whole site and for each category.

What the feeds say about an article: the title (plain text), the excerpt as the summary
(HTML-escaped, since RSS ``description`` and Atom ``summary type="html"`` carry HTML), the
publisher, the category, the publication and update times, and the cover as an enclosure.
Every query is made once per feed, whatever the number of items: the articles come with
their category, author and source; the cover's size is asked of the storage, not the database.
"""

import mimetypes
import re
from pathlib import PurePosixPath

from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape

from news.articles.converters import text_segment
from news.articles.models import Article, Category, SiteSettings, Topic
from news.articles.topics import topic_articles

FEED_SIZE = 30
# The articles are Chinese whatever language a reader chose for the interface.
FEED_LANGUAGE = "zh-cn"

# Characters XML 1.0 cannot carry (text pasted from word processors brings some, such as \x0b);
# Django's feed writer refuses them, which would break the whole feed for one title.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


def xml_text(value):
    """``value`` as text that XML 1.0 can hold."""
    return _NOT_XML.sub("", str(value))


def cover_enclosure(article):
    """The article's cover as an enclosure with a site-relative URL, or None without a readable file."""
    if not article.cover:
        return None
    try:
        length = article.cover.size
    except (OSError, ValueError):  # missing or unreadable file: no enclosure rather than a broken feed
        return None
    suffix = PurePosixPath(article.cover.name).suffix.lower()
    mime_type = _IMAGE_TYPES.get(suffix) or mimetypes.guess_type(article.cover.name)[0] or "application/octet-stream"
    return Enclosure(url=article.cover.url, length=str(length), mime_type=mime_type)


class LatestArticlesFeed(Feed):
    """The 30 newest public articles of the whole site (RSS 2.0)."""

    feed_type = Rss201rev2Feed
    language = FEED_LANGUAGE

    def title(self, obj):
        return xml_text(SiteSettings.current().site_name)

    def description(self, obj):
        return xml_text(SiteSettings.current().slogan)

    def subtitle(self, obj):
        return xml_text(SiteSettings.current().slogan) or None

    def link(self, obj):
        return reverse("news:home")

    def articles(self, obj):
        return Article.objects.published()

    def items(self, obj):
        articles = self.articles(obj).select_related("category", "author").defer("body", "body_html", "summary")
        return articles.order_by("-published_at", "-id")[:FEED_SIZE]

    def item_title(self, item):
        return xml_text(item.title)

    def item_description(self, item):
        return escape(xml_text(item.excerpt))

    def item_guid_is_permalink(self, item):
        return True

    def item_author_name(self, item):
        return xml_text(item.author.display_name)

    def item_author_link(self, item):
        return reverse("news:publisher-detail", args=[item.author.username])

    def item_categories(self, item):
        return [xml_text(item.category.name)]

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_enclosures(self, item):
        enclosure = cover_enclosure(item)
        return [enclosure] if enclosure else []

    def get_feed(self, obj, request):
        """Make the URLs Django leaves site-relative (enclosures, authors' pages) absolute."""
        feed = super().get_feed(obj, request)
        domain, secure = get_current_site(request).domain, request.is_secure()
        for item in feed.items:
            item["enclosures"] = [
                Enclosure(add_domain(domain, e.url, secure), e.length, e.mime_type) for e in item["enclosures"]
            ]
            if item["author_link"]:
                item["author_link"] = add_domain(domain, item["author_link"], secure)
        return feed


class LatestArticlesAtomFeed(LatestArticlesFeed):
    """The same as Atom 1.0."""

    feed_type = Atom1Feed


class CategoryFeed(LatestArticlesFeed):
    """The 30 newest public articles of a category and its sub-categories (RSS 2.0)."""

    def get_object(self, request, slug):
        return get_object_or_404(Category, slug=text_segment(slug))

    def title(self, obj):
        return xml_text(f"{obj.name} - {SiteSettings.current().site_name}")

    def link(self, obj):
        return obj.get_absolute_url()

    def articles(self, obj):
        return Article.objects.published().in_category(obj)


class CategoryAtomFeed(CategoryFeed):
    """The same as Atom 1.0."""

    feed_type = Atom1Feed


class TopicFeed(LatestArticlesFeed):
    """The 30 newest public articles of a public topic (专题), from all its sections (RSS 2.0)."""

    def get_object(self, request, slug):
        return get_object_or_404(Topic.objects.public(), slug=text_segment(slug))

    def title(self, obj):
        return xml_text(f"{obj.title} - {SiteSettings.current().site_name}")

    def description(self, obj):
        return xml_text(obj.introduction) or super().description(obj)

    def link(self, obj):
        return obj.get_absolute_url()

    def articles(self, obj):
        return topic_articles(obj)
