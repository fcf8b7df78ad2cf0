"""The profile page's side of the API (/api/v1/ itself is in yzgz/urls.py, under its own namespace)."""

from django.urls import path

from news.api import views

app_name = "api"
urlpatterns = [
    path("accounts/api-tokens/<id:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
