"""Public pages of the news app."""

from .articles import ArticleDetailView, HomeView
from .comments import comment_create, comment_report
from .engagement import article_react, article_view_beacon
from .lists import (
    CategoryArticleListView,
    MonthArchiveView,
    PublisherArticleListView,
    SourceArticleListView,
    TagArticleListView,
    TagIndexView,
)
from .pages import BlackroomView, RankView
from .search import SearchView

__all__ = [
    "ArticleDetailView",
    "BlackroomView",
    "CategoryArticleListView",
    "HomeView",
    "MonthArchiveView",
    "PublisherArticleListView",
    "RankView",
    "SearchView",
    "SourceArticleListView",
    "TagArticleListView",
    "TagIndexView",
    "article_react",
    "article_view_beacon",
    "comment_create",
    "comment_report",
]
