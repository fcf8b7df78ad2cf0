"""Public URLs of the news app (fixed: links and other code rely on them)."""

from django.urls import path, re_path, register_converter

from news import feeds, views
from news.converters import IdConverter
from news.views import legacy, share
from yzgz.pagecache import cache_anonymous
from yzgz.siteurl import on_site_address

register_converter(IdConverter, "id")

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
    path("article/<id:pk>/view.gif", views.article_view_beacon, name="article-view"),
    path("article/<id:pk>/qr.svg", share.article_qr, name="article-qr"),
    path("article/<id:pk>/react/", views.article_react, name="article-react"),
    path("article/<id:pk>/comments/", views.comment_create, name="comment-create"),
    path("article/<id:pk>/comments/<id:comment_pk>/report/", views.comment_report, name="comment-report"),
    path("tag/<str:slug>/", cache_anonymous(views.TagArticleListView.as_view(), query=["page"]), name="tag-detail"),
    path(
        "source/<id:pk>/", cache_anonymous(views.SourceArticleListView.as_view(), query=["page"]), name="source-detail"
    ),
    path(
        "publisher/<str:username>/",
        cache_anonymous(views.PublisherArticleListView.as_view(), query=["page"]),
        name="publisher-detail",
    ),
    path("rank/", cache_anonymous(views.RankView.as_view(), query=["period"]), name="rank"),
    path("search/", cache_anonymous(views.SearchView.as_view(), query=["q", "page"]), name="search"),
    path("tags/", cache_anonymous(views.TagIndexView.as_view()), name="tag-index"),
    path(
        "archive/<int:year>/<int:month>/",
        cache_anonymous(views.MonthArchiveView.as_view(), query=["page"]),
        name="archive-month",
    ),
    path("feed/rss/", on_site_address(feeds.LatestArticlesFeed()), name="feed-rss"),
    path("feed/atom/", on_site_address(feeds.LatestArticlesAtomFeed()), name="feed-atom"),
    path("qr.svg", share.page_qr, name="page-qr"),
    path("blackroom/", cache_anonymous(views.BlackroomView.as_view(), query=["page"]), name="blackroom"),
    # The old Discuz! portal's addresses, moved here by import_discuz: 301 to the new pages.
    path("portal.php", legacy.portal, name="legacy-portal"),
    re_path(r"^article-(?P<aid>[0-9]{1,9})-(?P<page>[0-9]{1,6})\.html$", legacy.article_html, name="legacy-article"),
    path("home.php", legacy.member_space, name="legacy-member"),
]
