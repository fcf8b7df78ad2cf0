"""Public pages of the news app."""

from .articles import ArticleDetailView, HomeView
from .comments import comment_create, comment_report
from .lists import CategoryArticleListView, PublisherArticleListView, SourceArticleListView, TagArticleListView
from .pages import BlackroomView

__all__ = [
    "ArticleDetailView",
    "BlackroomView",
    "CategoryArticleListView",
    "HomeView",
    "PublisherArticleListView",
    "SourceArticleListView",
    "TagArticleListView",
    "comment_create",
    "comment_report",
]
