"""The search page."""

from django.urls import path

from news.search import views
from yzgz.pagecache import cache_anonymous

app_name = "search"
urlpatterns = [
    path("search/", cache_anonymous(views.SearchView.as_view(), query=views.PARAMETERS), name="search"),
]
