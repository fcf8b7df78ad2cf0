"""The page cache and the query string: tracking parameters share the bare page's copy, other
unknown parameters are never stored, so made-up addresses cannot fill Redis.

Through nginx and Granian with Redis: tests/browser/test_prod_stack.py.
"""

import pytest
from django.core.cache import cache
from django.test import Client

from news.articles.factories import make_article
from news.articles.models import SiteSettings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60


@pytest.fixture
def article(category, reporter):
    SiteSettings.current()
    return make_article(title="钧瓷文化节开幕", category=category, author=reporter)


def page_cache_keys():
    return sorted(key for key in cache._cache if ":pagecache:" in key and "generation" not in key)


def test_tracking_parameters_are_dropped_and_the_others_kept_in_order():
    from yzgz.pagecache import without_tracking

    query = "utm_source=wechat&page=2&from=timeline&isappinstalled=0&spm=a.b&fbclid=x&q=%E9%92%A7&share_token=t"
    assert without_tracking(query) == "page=2&q=%E9%92%A7"


def test_a_shared_link_with_tracking_parameters_is_the_bare_pages_copy(article):
    url = article.get_absolute_url()
    first = Client().get(url + "?utm_source=weixin&utm_medium=share&from=groupmessage&isappinstalled=0")
    assert first["X-Page-Cache"] == "miss"
    page = first.content.decode()
    assert "utm_" not in page and "isappinstalled" not in page  # 手机版 link, login's "next"
    assert Client().get(url)["X-Page-Cache"] == "hit"
    assert Client().get(url + "?fbclid=abc&spm=1.2.3")["X-Page-Cache"] == "hit"
    assert len(page_cache_keys()) == 1


@pytest.mark.parametrize("query", ["?x=1", "?nocache=1700000000", "?page=2", "?utm_source=a&bust=2"])
def test_a_parameter_the_view_does_not_read_is_never_stored(article, query):
    url = article.get_absolute_url() + query
    for _ in range(2):
        response = Client().get(url)
        assert response.status_code == 200
        assert response.get("X-Page-Cache") != "hit"
    assert page_cache_keys() == []


def test_the_parameters_a_view_reads_are_cached_by_value(article):
    assert Client().get("/search/?q=钧瓷")["X-Page-Cache"] == "miss"
    assert Client().get("/search/?q=钧瓷&utm_campaign=x")["X-Page-Cache"] == "hit"
    assert Client().get("/search/?q=禹州")["X-Page-Cache"] == "miss"
    assert Client().get(article.get_absolute_url() + "?cpage=1")["X-Page-Cache"] == "miss"
    assert Client().get("/rank/?period=week")["X-Page-Cache"] == "miss"
    assert len(page_cache_keys()) == 4


def test_only_the_clean_address_is_handed_to_nginxs_microcache(article):
    url = article.get_absolute_url()
    tracked = Client(HTTP_X_MICROCACHE="1").get(url + "?utm_source=weibo")
    assert "X-Accel-Expires" not in tracked  # nginx keys by the full address: no copy per utm value
    assert 'name="csrfmiddlewaretoken" value=""' not in tracked.content.decode()
    clean = Client(HTTP_X_MICROCACHE="1").get(url)
    assert clean["X-Accel-Expires"] == "1"
