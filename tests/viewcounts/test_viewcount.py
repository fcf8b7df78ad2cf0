"""View counts (查看): a beacon per page view, once per visitor per 30 minutes, no bots, nothing lost."""

import time

import pytest
from django.core.cache.backends import locmem
from django.urls import reverse
from django.utils import timezone

from news.articles.factories import make_article
from news.articles.models import Article
from news.viewcounts import viewcount
from news.viewcounts.models import ArticleDailyViews

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile MicroMessenger/8.0"


@pytest.fixture
def article(category, reporter):
    return make_article(category=category, author=reporter)


def beacon(client, article, ua=BROWSER, ip="198.51.100.7", **headers):
    return client.get(reverse("viewcounts:beacon", args=[article.pk]), HTTP_USER_AGENT=ua, REMOTE_ADDR=ip, **headers)


def views(article):
    return Article.objects.get(pk=article.pk).view_count


def bucket(article):
    row = ArticleDailyViews.objects.filter(article=article, day=timezone.localdate()).first()
    return row.views if row else 0


# --- the beacon ------------------------------------------------------------------------------


def test_article_page_loads_the_beacon_and_does_not_count_by_itself(client, article):
    page = client.get(article.get_absolute_url(), HTTP_USER_AGENT=BROWSER).content.decode()
    assert f'<img class="beacon" src="/article/{article.pk}/view.gif"' in page
    assert views(article) == 0


def test_beacon_counts_a_view_into_the_article_and_todays_bucket(client, article):
    response = beacon(client, article)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response.content.startswith(b"GIF89a")
    assert (views(article), bucket(article)) == (1, 1)


def test_beacon_is_never_cached(client, article):
    response = beacon(client, article)
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_same_visitor_counts_once_in_30_minutes(client, article):
    for _ in range(5):
        beacon(client, article)
    assert views(article) == 1


def test_same_visitor_counts_again_after_30_minutes(client, article, monkeypatch):
    beacon(client, article)
    later = time.time() + 31 * 60
    monkeypatch.setattr(locmem.time, "time", lambda: later)
    beacon(client, article)
    assert views(article) == 2


def test_different_visitors_count_separately(client, article):
    beacon(client, article, ip="198.51.100.1")
    beacon(client, article, ip="198.51.100.2")
    beacon(client, article, ip="198.51.100.2", ua=BROWSER + " other phone")
    assert views(article) == 3


def test_visitor_with_a_session_is_one_visitor_across_networks(client, article, resident):
    client.force_login(resident)
    beacon(client, article, ip="198.51.100.1")
    beacon(client, article, ip="203.0.113.9")  # moved from Wi-Fi to mobile data
    assert views(article) == 1


@pytest.mark.parametrize(
    "ua",
    [
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 "
        "(compatible; Bytespider; spider-feedback@bytedance.com)",
        "curl/8.4.0",
        "python-requests/2.31.0",
        "",
    ],
)
def test_bots_do_not_count(client, article, ua):
    assert beacon(client, article, ua=ua).status_code == 200
    assert views(article) == 0


def test_head_requests_do_not_count(client, article):
    response = client.head(reverse("viewcounts:beacon", args=[article.pk]), HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 200
    assert views(article) == 0


@pytest.mark.parametrize(
    "header", [{"HTTP_SEC_PURPOSE": "prefetch;prerender"}, {"HTTP_PURPOSE": "prefetch"}, {"HTTP_X_MOZ": "prefetch"}]
)
def test_prefetches_do_not_count(client, article, header):
    beacon(client, article, **header)
    assert views(article) == 0


def test_staff_do_not_count(client, article, editor):
    client.force_login(editor)
    beacon(client, article)
    assert views(article) == 0


def test_unpublished_article_beacon_is_404_and_preview_has_no_beacon(client, category, reporter):
    draft = make_article(category=category, author=reporter, status=Article.Status.DRAFT)
    assert beacon(client, draft).status_code == 404
    client.force_login(reporter)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "view.gif" not in page
    assert views(draft) == 0


def test_post_to_the_beacon_is_refused(client, article):
    assert client.post(reverse("viewcounts:beacon", args=[article.pk])).status_code == 405
    assert views(article) == 0


def test_a_view_nobody_could_keep_is_not_acknowledged(client, article, monkeypatch):
    """No Redis here and the database write fails: a 503 (retry later), not a 500 nor a false 200."""

    def broken(counts):
        raise RuntimeError("database is down")

    monkeypatch.setattr(viewcount, "add_views", broken)
    response = beacon(client, article)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert not response.content.startswith(b"GIF89a")
    article.refresh_from_db()
    assert article.view_count == 0


def test_only_a_hash_of_the_visitor_is_kept(client, article):
    from django.core.cache import cache

    beacon(client, article, ip="198.51.100.77")
    keys = list(cache._cache.keys())
    assert keys and not any("198.51.100.77" in key for key in keys)


# --- the Redis buffer --------------------------------------------------------------------------


def redis_available(url="redis://127.0.0.1:6379/15"):
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


needs_redis = pytest.mark.skipif(not redis_available(), reason="needs Redis on 127.0.0.1:6379")


@pytest.fixture
def buffered(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    client = viewcount.redis_client()
    client.flushdb()
    yield client
    client.flushdb()


@needs_redis
def test_with_redis_hits_wait_in_the_buffer_until_flushed(client, article, buffered):
    for i in range(7):
        beacon(client, article, ip=f"198.51.100.{i}")
    assert views(article) == 0
    assert viewcount.flush() == (1, 7)
    assert (views(article), bucket(article)) == (7, 7)
    assert viewcount.flush() == (0, 0)
    assert views(article) == 7


@needs_redis
def test_flush_views_command_reports_what_it_wrote(client, article, buffered):
    from io import StringIO

    from django.core.management import call_command

    beacon(client, article)
    out = StringIO()
    call_command("flush_views", stdout=out)
    assert "Flushed 1 views in 1 batches." in out.getvalue()
    assert views(article) == 1


def test_without_redis_the_flush_command_says_there_is_nothing_to_do(settings):
    from io import StringIO

    from django.core.management import call_command

    settings.REDIS_URL = ""
    out = StringIO()
    call_command("flush_views", stdout=out)
    assert "nothing to flush" in out.getvalue()


def test_when_redis_is_down_views_go_straight_to_the_database(client, article, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    beacon(client, article)
    assert views(article) == 1


@needs_redis
def test_views_of_a_deleted_article_are_dropped_not_fatal(client, category, reporter, buffered):
    doomed = make_article(category=category, author=reporter)
    kept = make_article(category=category, author=reporter)
    beacon(client, doomed)
    beacon(client, kept)
    Article.objects.filter(pk=doomed.pk).delete()
    viewcount.flush()
    assert views(kept) == 1
