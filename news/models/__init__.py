"""The news app's models, split by concern."""

from .articles import Article, ArticleQuerySet, Category, Source
from .comments import Comment, CommentReport, ModerationAction, ModerationMode, SensitiveWord
from .site import SiteSettings

__all__ = [
    "Article",
    "ArticleQuerySet",
    "Category",
    "Comment",
    "CommentReport",
    "ModerationAction",
    "ModerationMode",
    "SensitiveWord",
    "SiteSettings",
    "Source",
]
