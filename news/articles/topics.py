"""专题 (topics) for the pages that show them, cached between edits, and a topic's articles.

The home page lists the active topics and every article page names the topics it belongs to.
Both read :func:`public_topics`, one cached list (a site has dozens of topics, not thousands),
so neither costs a query: an article belongs to a topic when a section picked it by hand or
names one of its tags. Any change to a topic, a section or a section's articles drops the
list and moves the page cache's generation (news.articles.signals).
"""

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from taggit.models import TaggedItem

from news.articles.models import Article, Topic, TopicSection

CACHE_KEY = "news:topics:v1"
HOME_COUNT = 4


def public_topics():
    """Active and archived topics in order, each with ``manual_ids`` and ``tag_ids`` (frozensets)."""
    topics = cache.get(CACHE_KEY)
    if topics is None:
        topics = list(Topic.objects.public().only("title", "slug", "status", "cover", "cover_width", "cover_height"))
        by_pk = {topic.pk: topic for topic in topics}
        manual, tags = {}, {}
        if topics:  # two queries more, for a site that has topics
            picks = TopicSection.articles.through.objects.filter(topicsection__topic__in=topics)
            for topic_id, article_id in picks.values_list("topicsection__topic_id", "article_id"):
                manual.setdefault(topic_id, set()).add(article_id)
            sections = TopicSection.objects.filter(topic__in=topics, tag__isnull=False)
            for topic_id, tag_id in sections.values_list("topic_id", "tag_id"):
                tags.setdefault(topic_id, set()).add(tag_id)
        for pk, topic in by_pk.items():
            topic.manual_ids = frozenset(manual.get(pk, ()))
            topic.tag_ids = frozenset(tags.get(pk, ()))
        cache.set(CACHE_KEY, topics, 60 * 60)
    return topics


def active_topics(count=HOME_COUNT):
    return [topic for topic in public_topics() if topic.status == Topic.Status.ACTIVE][:count]


def topics_of(article, tags):
    """The public topics ``article`` (with its ``tags``, already loaded) belongs to."""
    tag_ids = {tag.pk for tag in tags}
    return [topic for topic in public_topics() if article.pk in topic.manual_ids or topic.tag_ids & tag_ids]


def forget_topics(**kwargs):
    """Drop the cached list now and again at the commit (as the category tree)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def section_articles(sections):
    """Each section with ``.entries``: its public articles, hand-picked (newest first), then the tag's.

    Two queries for the hand-picked articles of all sections, and one per tag-driven section.
    """
    sections = list(sections)
    published = Article.objects.published().for_list()
    through = TopicSection.articles.through
    picked = {}
    for section_id, article_id in through.objects.filter(topicsection__in=sections).values_list(
        "topicsection_id", "article_id"
    ):
        picked.setdefault(section_id, set()).add(article_id)
    loaded = published.in_bulk(set().union(*picked.values())) if picked else {}
    for section in sections:
        entries = sorted(
            (loaded[pk] for pk in picked.get(section.pk, ()) if pk in loaded),
            key=lambda article: (article.published_at, article.pk),
            reverse=True,
        )
        if section.tag_id:
            shown = {article.pk for article in entries}
            tagged = published.filter(tags__id=section.tag_id).exclude(pk__in=shown)
            entries.extend(tagged[: section.tag_limit])
        section.entries = entries
    return sections


def topic_articles(topic):
    """Every public article of ``topic``: hand-picked in a section or carrying a section's tag."""
    through = TopicSection.articles.through
    picked = through.objects.filter(topicsection__topic=topic).values("article_id")
    tagged = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Article),
        tag_id__in=TopicSection.objects.filter(topic=topic, tag__isnull=False).values("tag_id"),
    ).values("object_id")
    return Article.objects.published().filter(Q(pk__in=picked) | Q(pk__in=tagged))
