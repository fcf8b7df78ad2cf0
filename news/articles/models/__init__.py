"""The articles app's models (app label ``news``), split by concern."""

from .articles import Article, ArticleQuerySet, ArticleRevision, Category, Source, names
from .site import ModerationMode, SiteSettings
from .topics import Topic, TopicSection

__all__ = [
    "Article",
    "ArticleQuerySet",
    "ArticleRevision",
    "Category",
    "ModerationMode",
    "SiteSettings",
    "Source",
    "Topic",
    "TopicSection",
    "names",
]
