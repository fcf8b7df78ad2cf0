"""Public URLs of the articles app (fixed: links and other code rely on them).

The ``<id:…>`` converter is registered by the app (news.articles.apps) for every news app.
"""

from django.urls import path

from news.articles import feeds, views
from news.articles.views import share
from yzgz.pagecache import cache_anonymous
from yzgz.siteurl import on_site_address

app_name = "news"
urlpatterns = [
    path("", cache_anonymous(views.HomeView.as_view()), name="home"),
    path(
        "category/<str:slug>/",
        cache_anonymous(views.CategoryArticleListView.as_view(), query=["page"]),
        name="category-detail",
    ),
    path("category/<str:slug>/feed/", on_site_address(feeds.CategoryFeed()), name="category-feed"),
    path("category/<str:slug>/feed/atom/", on_site_address(feeds.CategoryAtomFeed()), name="category-feed-atom"),
    path(
        "article/<id:pk>/", cache_anonymous(views.ArticleDetailView.as_view(), query=["cpage"]), name="article-detail"
    ),
    path("article/<id:pk>/qr.svg", share.article_qr, name="article-qr"),
    path("tag/<str:slug>/", cache_anonymous(views.TagArticleListView.as_view(), query=["page"]), name="tag-detail"),
    path(
        "source/<id:pk>/", cache_anonymous(views.SourceArticleListView.as_view(), query=["page"]), name="source-detail"
    ),
    path(
        "publisher/<str:username>/",
        cache_anonymous(views.PublisherArticleListView.as_view(), query=["page"]),
        name="publisher-detail",
    ),
    path("topics/", cache_anonymous(views.TopicIndexView.as_view()), name="topic-index"),
    path("topic/<str:slug>/", cache_anonymous(views.TopicDetailView.as_view()), name="topic-detail"),
    path("topic/<str:slug>/feed/", on_site_address(feeds.TopicFeed()), name="topic-feed"),
    path("tags/", cache_anonymous(views.TagIndexView.as_view()), name="tag-index"),
    path(
        "archive/<int:year>/<int:month>/",
        cache_anonymous(views.MonthArchiveView.as_view(), query=["page"]),
        name="archive-month",
    ),
    path("feed/rss/", on_site_address(feeds.LatestArticlesFeed()), name="feed-rss"),
    path("feed/atom/", on_site_address(feeds.LatestArticlesAtomFeed()), name="feed-atom"),
    path("qr.svg", share.page_qr, name="page-qr"),
    path("wechat/jssdk/", share.wechat_jssdk, name="wechat-jssdk"),
]
