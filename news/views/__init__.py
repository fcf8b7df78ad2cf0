"""Public pages of the news app."""

from .articles import ArticleDetailView, HomeView
from .comments import comment_create, comment_report
from .engagement import article_react, article_view_beacon
from .lists import CategoryArticleListView, PublisherArticleListView, SourceArticleListView, TagArticleListView
from .pages import BlackroomView, RankView

__all__ = [
    "ArticleDetailView",
    "BlackroomView",
    "CategoryArticleListView",
    "HomeView",
    "PublisherArticleListView",
    "RankView",
    "SourceArticleListView",
    "TagArticleListView",
    "article_react",
    "article_view_beacon",
    "comment_create",
    "comment_report",
]
