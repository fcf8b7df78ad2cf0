"""Public pages of the news app."""

from .articles import ArticleDetailView, HomeView
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
]
