"""The news app's models, split by concern."""

from .articles import Article, ArticleQuerySet, Category, Source
from .site import SiteSettings

__all__ = ["Article", "ArticleQuerySet", "Category", "SiteSettings", "Source"]
