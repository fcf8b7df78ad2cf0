"""The old Discuz! portal's addresses, moved here by import_discuz: 301 to the new pages."""

from django.urls import path, re_path

from news.legacy import views

app_name = "legacy"
urlpatterns = [
    path("portal.php", views.portal, name="portal"),
    re_path(r"^article-(?P<aid>[0-9]{1,9})-(?P<page>[0-9]{1,6})\.html$", views.article_html, name="article"),
    path("home.php", views.member_space, name="member"),
    path("attachment/<id:pk>/", views.attachment, name="attachment"),
]
