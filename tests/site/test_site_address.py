"""The site's address (DJANGO_SITE_URL): every absolute URL comes from it, never from the Host a
client sent; a foreign Host is a 400 (never a 500), and the page cache keeps no copy of it.

The same behaviours through nginx and Granian: tests/browser/test_prod_stack.py.
"""

import json
import re

import pytest
from django.core.cache import cache
from django.test import Client

from news.articles.factories import make_article
from news.articles.models import SiteSettings
from news.articles.views.share import qr_svg
from tests.site.test_settings import STRONG_KEY, load_settings, run_python

SITE = "http://127.0.0.1:8080"
ARTICLE_PATH = re.compile(r"/article/\d+/")

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.PAGE_CACHE_SECONDS = 60


@pytest.fixture
def article(category, reporter):
    SiteSettings.current()
    return make_article(title="禹州城区道路改造", category=category, author=reporter)


def production(**env):
    return {"DJANGO_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "yzgz.settings", "DJANGO_SECRET_KEY": STRONG_KEY, **env}


def absolute_urls(page):
    """Every absolute http(s) URL on the page (attributes, JSON-LD, text)."""
    return set(re.findall(r"https?://[^\s\"'<>\\]+", page))


def page_cache_keys():
    return [key for key in cache._cache if ":pagecache:" in key and "generation" not in key]


# --- settings ---------------------------------------------------------------------------


def test_production_refuses_to_start_without_a_site_url():
    result = load_settings(**production(DJANGO_ALLOWED_HOSTS="www.example.cn"))
    assert result.returncode != 0
    assert "DJANGO_SITE_URL must be set" in result.stderr


@pytest.mark.parametrize("value", ["www.example.cn", "ftp://www.example.cn", "https://www.example.cn/news/"])
def test_production_refuses_a_site_url_that_is_not_an_origin(value):
    result = load_settings(**production(DJANGO_ALLOWED_HOSTS="www.example.cn", DJANGO_SITE_URL=value))
    assert result.returncode != 0
    assert "DJANGO_SITE_URL" in result.stderr


def test_production_refuses_a_site_url_outside_the_allowed_hosts():
    result = load_settings(**production(DJANGO_ALLOWED_HOSTS="www.example.cn", DJANGO_SITE_URL="https://evil.example"))
    assert result.returncode != 0
    assert "not in DJANGO_ALLOWED_HOSTS" in result.stderr


def test_the_site_url_is_a_trusted_csrf_origin():
    code = "from django.conf import settings; print(settings.SITE_URL, settings.CSRF_TRUSTED_ORIGINS)"
    result = run_python(code, **production(DJANGO_ALLOWED_HOSTS="127.0.0.1", DJANGO_SITE_URL="http://127.0.0.1:8080/"))
    assert result.stdout.strip() == "http://127.0.0.1:8080 ['http://127.0.0.1:8080']", result.stderr


# --- absolute URLs ----------------------------------------------------------------------


def test_canonical_og_url_json_ld_and_the_page_address_come_from_the_site_url(site_url, article):
    page = Client(HTTP_HOST="localhost").get(article.get_absolute_url()).content.decode()
    canonical = SITE + article.get_absolute_url()
    assert f'<link rel="canonical" href="{canonical}">' in page
    assert f'<meta property="og:url" content="{canonical}">' in page
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert json.loads(scripts[0])["mainEntityOfPage"]["@id"] == canonical
    assert {url for url in absolute_urls(page) if "localhost" in url} == set()
    assert f'<span class="mobile-version__url">{canonical}</span>' in page


def test_qr_codes_carry_the_site_url(site_url, article):
    client = Client(HTTP_HOST="localhost")
    assert client.get(f"/article/{article.pk}/qr.svg").content == qr_svg(SITE + article.get_absolute_url())
    assert client.get("/qr.svg?path=/rank/").content == qr_svg(SITE + "/rank/")


@pytest.mark.parametrize(
    "path", ["/robots.txt", "/news-sitemap.xml", "/sitemap.xml", "/sitemap-articles.xml", "/feed/rss/"]
)
def test_feeds_sitemaps_and_robots_txt_use_the_site_url(site_url, article, path):
    response = Client(HTTP_HOST="localhost").get(path)
    assert response.status_code == 200
    urls = absolute_urls(response.content.decode())
    ours = {url for url in urls if "127.0.0.1" in url or "localhost" in url}
    assert ours and all(url.startswith(SITE + "/") for url in ours), ours


# --- foreign hosts ----------------------------------------------------------------------


@pytest.mark.parametrize("configured", [True, False], ids=["site-url", "development"])
@pytest.mark.parametrize("path", ["/", "/article/", "/no-such-page/", "/robots.txt"])
def test_a_foreign_host_gets_the_400_page_never_a_500(settings, article, configured, path):
    settings.PAGE_CACHE_SECONDS = 60
    settings.SITE_URL = SITE if configured else ""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    path = article.get_absolute_url() if path == "/article/" else path
    response = Client(raise_request_exception=False, HTTP_HOST="evil.example").get(path)
    assert response.status_code == 400
    assert "evil.example" not in response.content.decode()
    assert page_cache_keys() == []


@pytest.mark.parametrize("host", ["127.0.0.1:6666", "localhost:6666", "127.0.0.1"])
def test_the_right_name_on_another_port_is_refused_and_not_cached(site_url, article, host):
    client = Client(raise_request_exception=False, HTTP_HOST=host)
    assert client.get(article.get_absolute_url(), SERVER_PORT="8101").status_code == 400
    assert page_cache_keys() == []


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "127.0.0.1:8101"])
def test_the_site_address_and_the_app_servers_own_port_are_answered(site_url, article, host):
    response = Client(HTTP_HOST=host).get(article.get_absolute_url(), SERVER_PORT="8101")
    assert response.status_code == 200
    assert f'<link rel="canonical" href="{SITE}{article.get_absolute_url()}">' in response.content.decode()
