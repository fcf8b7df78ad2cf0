"""Root URLs: the public site, accounts, the admin, and media in development."""

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.static import serve

from news.api.api import api as api_v1
from news.articles.sitemaps import SITEMAPS, news_sitemap, robots_txt
from yzgz.adminsite import view_on_site
from yzgz.pagecache import csrf_token_view, page_parts_view
from yzgz.siteurl import on_site_address

admin.site.site_header = _("Yuzhou Focus newsroom")
admin.site.site_title = _("Yuzhou Focus newsroom")
admin.site.index_title = _("Newsroom")


def favicon(request):
    # Resolved per request: the hashed static name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


# Models that moved out of the news app (news.comments, news.viewcounts): staff bookmarks of
# their old admin pages still arrive.
MOVED_ADMIN = {
    "comment": "comments",
    "commentreport": "comments",
    "sensitiveword": "comments",
    "moderationaction": "comments",
    "reaction": "viewcounts",
}


def moved_admin_page(request, model, rest):
    path = request.path.replace("/admin/news/", f"/admin/{MOVED_ADMIN[model]}/", 1)
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)


def serve_media(request, path):
    """Uploads in development and tests; in production nginx serves /media/ itself."""
    if not settings.SERVE_MEDIA:
        raise Http404("Media is served by the web server")
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [
    re_path(r"^media/(?P<path>.*)$", serve_media),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, for one).
    path("favicon.ico", favicon),
    # Before the admin's own: "view on site" only for objects this staff member may see there.
    path("admin/r/<path:content_type_id>/<path:object_id>/", admin.site.admin_view(view_on_site)),
    re_path(
        r"^admin/news/(?P<model>{})/(?P<rest>.*)$".format("|".join(MOVED_ADMIN)),
        admin.site.admin_view(moved_admin_page),
    ),
    # The admin's login page shows 忘记密码 when this name exists: the residents' reset page.
    path(
        "admin/password_reset/",
        RedirectView.as_view(pattern_name="accounts:password-reset"),
        name="admin_password_reset",
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("csrf/", csrf_token_view, name="csrf-token"),
    # A resident's own parts of nginx's residents' copy of a page (yzgz.pagecache, site.js).
    path("page-parts/", page_parts_view, name="page-parts"),
    path(
        "sitemap.xml",
        on_site_address(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap-index",
    ),
    path(
        "sitemap-<section>.xml", on_site_address(sitemap_views.sitemap), {"sitemaps": SITEMAPS}, name="sitemap-section"
    ),
    path("news-sitemap.xml", news_sitemap, name="news-sitemap"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path("", include("news.articles.urls")),
    path("", include("news.comments.urls")),
    path("", include("news.viewcounts.urls")),
    path("", include("news.search.urls")),
    path("", include("news.engagement.urls")),
    path("", include("news.legacy.urls")),
    path("", include("news.api.urls")),
    path("api/v1/", api_v1.urls),  # namespace "api-v1" (news.api.api)
]

handler500 = "yzgz.errors.server_error"
