"""``article_changed``, the one signal every cache of article data listens to, and the
receivers that keep the articles app's own cached data current.

``article_changed`` is sent with ``article_ids`` (a sorted list) and ``fields`` (the changed
fields, or None when anything may have changed): by :mod:`news.articles.services` after bulk
changes and here after every save or delete of an article. Other apps connect to it (the
rankings in news.viewcounts, for one); nothing here imports them.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal
from taggit.models import Tag

from news.articles.models import Article, Category, SiteSettings, Source, Topic, TopicSection
from news.articles.navigation import forget_category_tree
from news.articles.topics import forget_topics
from yzgz import pagecache

article_changed = Signal()

# Saving only these never changes what a page shows of an article (they are counters the
# pages read live, or bookkeeping).
_QUIET_FIELDS = frozenset({"view_count", "comment_count", "body_html"})


def _article_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:
        return  # loading fixtures
    fields = None if update_fields is None else frozenset(update_fields)
    if fields is not None and fields <= _QUIET_FIELDS:
        return
    article_changed.send(sender=Article, article_ids=[instance.pk], fields=fields)


def _article_deleted(sender, instance, **kwargs):
    article_changed.send(sender=Article, article_ids=[instance.pk], fields=None)


def bump_pages(sender, article_ids, fields=None, **kwargs):
    """Cached pages show articles everywhere (lists, headlines, 热门): a new generation."""
    pagecache.bump_on_commit()


article_changed.connect(bump_pages, dispatch_uid="news-article-pages")
post_save.connect(_article_saved, sender=Article, dispatch_uid="news-article-saved")
post_delete.connect(_article_deleted, sender=Article, dispatch_uid="news-article-deleted")
post_save.connect(forget_category_tree, sender=Category, dispatch_uid="news-category-saved")
post_delete.connect(forget_category_tree, sender=Category, dispatch_uid="news-category-deleted")
# 专题: the cached list of topics (home page, article pages); a deleted tag empties its sections.
for model in (Topic, TopicSection, Tag):
    post_save.connect(forget_topics, sender=model, dispatch_uid=f"news-topics-{model.__name__}-saved")
    post_delete.connect(forget_topics, sender=model, dispatch_uid=f"news-topics-{model.__name__}-deleted")
m2m_changed.connect(forget_topics, sender=TopicSection.articles.through, dispatch_uid="news-topics-picked")
m2m_changed.connect(pagecache.bump_on_commit, sender=TopicSection.articles.through, dispatch_uid="pagecache-picked")
# Anything else a cached page shows (see yzgz.pagecache).
for model in (Category, Source, SiteSettings, Tag, Topic, TopicSection):
    post_save.connect(pagecache.bump_on_commit, sender=model, dispatch_uid=f"pagecache-{model.__name__}-saved")
    post_delete.connect(pagecache.bump_on_commit, sender=model, dispatch_uid=f"pagecache-{model.__name__}-deleted")
