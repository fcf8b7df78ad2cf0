"""The articles app's models (app label ``news``), split by concern."""

from .articles import Article, ArticleQuerySet, ArticleRevision, Category, Source, names
from .site import ModerationMode, SiteSettings
from .stories import ArticleAutosave, GalleryPicture
from .topics import Topic, TopicSection

__all__ = [
    "Article",
    "ArticleAutosave",
    "ArticleQuerySet",
    "ArticleRevision",
    "Category",
    "GalleryPicture",
    "ModerationMode",
    "SiteSettings",
    "Source",
    "Topic",
    "TopicSection",
    "names",
]
