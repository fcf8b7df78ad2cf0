"""The site's URLs under /site/, for tests of URL building with another URLconf."""

from django.urls import include, path

urlpatterns = [path("site/", include("yzgz.urls"))]
