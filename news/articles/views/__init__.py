"""Public pages of the articles app: the home page, the article page and the lists."""

from .articles import ArticleDetailView, HomeView
from .lists import (
    CategoryArticleListView,
    MonthArchiveView,
    PublisherArticleListView,
    SourceArticleListView,
    TagArticleListView,
    TagIndexView,
)
from .topics import TopicDetailView, TopicIndexView

__all__ = [
    "ArticleDetailView",
    "CategoryArticleListView",
    "HomeView",
    "MonthArchiveView",
    "PublisherArticleListView",
    "SourceArticleListView",
    "TagArticleListView",
    "TagIndexView",
    "TopicDetailView",
    "TopicIndexView",
]
