"""Posting, liking and reporting comments, 小黑屋 and a resident's own comments."""

from django.urls import path

from news.comments import views
from yzgz.pagecache import cache_anonymous

app_name = "comments"
urlpatterns = [
    path("article/<id:pk>/comments/", views.comment_create, name="create"),
    path("article/<id:pk>/comments/<id:comment_pk>/report/", views.comment_report, name="report"),
    path("article/<id:pk>/comments/<id:comment_pk>/like/", views.comment_like, name="like"),
    path("blackroom/", cache_anonymous(views.BlackroomView.as_view(), query=["page"]), name="blackroom"),
    path("accounts/comments/", views.MyCommentsView.as_view(), name="mine"),
]
