"""The news app's models, split by concern."""

from .articles import Article, ArticleQuerySet, ArticleRevision, Category, Source
from .comments import Comment, CommentReport, ModerationAction, ModerationMode, SensitiveWord
from .legacy import LegacyId
from .site import SiteSettings
from .stats import ArticleDailyViews, Reaction, ReactionVote, SearchDocument, ViewFlushBatch

__all__ = [
    "Article",
    "ArticleDailyViews",
    "ArticleQuerySet",
    "ArticleRevision",
    "Category",
    "Comment",
    "CommentReport",
    "LegacyId",
    "ModerationAction",
    "ModerationMode",
    "Reaction",
    "ReactionVote",
    "SearchDocument",
    "SensitiveWord",
    "SiteSettings",
    "Source",
    "ViewFlushBatch",
]
