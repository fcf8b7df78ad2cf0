"""The view beacon, the reaction buttons and 排行榜."""

from django.urls import path

from news.viewcounts import views
from yzgz.pagecache import cache_anonymous

app_name = "viewcounts"
urlpatterns = [
    path("article/<id:pk>/view.gif", views.article_view_beacon, name="beacon"),
    path("article/<id:pk>/react/", views.article_react, name="react"),
    path("rank/", cache_anonymous(views.RankView.as_view(), query=["period"]), name="rank"),
]
