"""Faults: the database gone, Redis gone, the disk full. Readers get pages or a friendly 503,
nothing acknowledged is lost, nothing is half-saved and no partial file is left behind.

The same faults on the real production stack, under load, are ``make soak``
(tools/soak.py; a short run is tests/tools/test_soak.py).
"""

import errno
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts import throttle
from news.articles.models import Article
from news.comments.models import Comment
from news.viewcounts.models import ReactionVote
from news.viewcounts.reactions import active_reactions
from tests.articles.admin_forms import article_form
from yzgz.storage import MediaStorage

pytestmark = pytest.mark.django_db

FRIENDLY = "网站正在恢复"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


def image_bytes(width=1600, height=1000, image_format="JPEG"):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, image_format)
    return buffer.getvalue()


def stored_files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- the database goes away ---------------------------------------------------------------------


@pytest.fixture
def database_down(monkeypatch):
    """From now on every query fails the way it does when PostgreSQL is stopped."""

    def refuse(self):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    def go_down():
        monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)

    return go_down


def assert_friendly_503(response):
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert FRIENDLY in body and "请几秒钟后再试" in body
    assert "Traceback" not in body and "OperationalError" not in body and "5432" not in body


@pytest.mark.parametrize("path", ["/", "/rank/", "/search/?q=禹州", "/accounts/login/", "/blackroom/"])
def test_pages_during_a_database_outage_are_a_friendly_503(seed_article, database_down, path):
    client = Client(raise_request_exception=False)
    database_down()
    assert_friendly_503(client.get(path))


def test_a_resident_whose_session_needs_the_database_gets_the_503_page_too(seed_article, resident, database_down):
    client = Client(raise_request_exception=False)
    client.force_login(resident)
    database_down()
    response = client.post(reverse("comments:create", args=[seed_article.pk]), {"body": "停电了吗"})
    assert_friendly_503(response)


def test_a_comment_refused_by_the_outage_is_not_saved_and_the_site_recovers(seed_article, resident, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(resident)
    url = reverse("comments:create", args=[seed_article.pk])
    with monkeypatch.context() as outage:
        outage.setattr(
            BaseDatabaseWrapper, "ensure_connection", lambda self: (_ for _ in ()).throw(OperationalError("down"))
        )
        assert client.post(url, {"body": "数据库停了这条不该保存"}).status_code == 503
    assert not Comment.objects.filter(body__contains="不该保存").exists()
    # The database is back: the very next request works, with no restart.
    assert client.post(url, {"body": "数据库回来了这条保存"}).status_code == 302
    assert Comment.objects.filter(body__contains="回来了").count() == 1


def test_a_bug_is_still_a_500_not_an_outage(client, settings, monkeypatch):
    from news.articles.views import HomeView

    def broken(self, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(HomeView, "get", broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    assert FRIENDLY not in response.content.decode()


# --- Redis goes away ------------------------------------------------------------------------------


@pytest.fixture
def redis_down(settings):
    """Production settings for the cache and the view buffer, pointing at a Redis that is not there."""
    settings.CACHES = {
        "default": {
            "BACKEND": "yzgz.cache.ResilientRedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "KEY_PREFIX": "yzgz",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    settings.REDIS_URL = UNREACHABLE_REDIS
    settings.PAGE_CACHE_SECONDS = 60


def test_without_redis_pages_are_served_and_views_go_straight_to_the_database(seed_article, redis_down, client):
    for path in ["/", seed_article.get_absolute_url(), "/rank/", "/search/?q=禹州"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["X-Page-Cache"] == "miss"  # the page cache pauses; nothing breaks
    before = Article.objects.get(pk=seed_article.pk).view_count
    for n in range(3):  # three different readers
        response = client.get(
            reverse("viewcounts:beacon", args=[seed_article.pk]), HTTP_USER_AGENT=f"Mozilla/5.0 Chrome/131 r{n}"
        )
        assert response.status_code == 200 and response.content.startswith(b"GIF89a")
    assert Article.objects.get(pk=seed_article.pk).view_count == before + 3


def test_without_redis_residents_log_in_comment_and_react(seed_article, resident, redis_down, client):
    response = client.post("/accounts/login/", {"username": resident.username, "password": "demo-password-123"})
    assert response.status_code == 302
    response = client.post(reverse("comments:create", args=[seed_article.pk]), {"body": "缓存坏了也能评论"})
    assert response.status_code == 302
    assert Comment.objects.filter(body="缓存坏了也能评论").count() == 1
    reaction = active_reactions()[0]
    response = client.post(
        reverse("viewcounts:react", args=[seed_article.pk]), {"reaction": reaction.pk}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert json.loads(response.content)["counts"][str(reaction.pk)] == 1
    assert ReactionVote.objects.filter(article=seed_article, user=resident).count() == 1


def test_without_redis_the_login_limit_fails_open(resident, redis_down, client):
    """Documented choice: a Redis outage pauses the limit rather than locking every resident out."""
    for _ in range(throttle.LOGIN_MAX_FAILURES + 2):
        response = client.post("/accounts/login/", {"username": resident.username, "password": "wrong-password"})
        assert response.status_code in (200, 400)
    response = client.post("/accounts/login/", {"username": resident.username, "password": "demo-password-123"})
    assert response.status_code == 302


# --- the disk fills up ----------------------------------------------------------------------------


class DiskFullStorage(MediaStorage):
    """Writes ``allowed`` files, then fails half-way through the next as a full disk does (ENOSPC)."""

    allowed = 0

    def _save(self, name, content):
        if DiskFullStorage.allowed <= 0:
            chunks = content.chunks

            def failing_chunks(chunk_size=None):
                for chunk in chunks():
                    yield chunk[: len(chunk) // 2]
                    raise OSError(errno.ENOSPC, "No space left on device")

            content.chunks = failing_chunks
        DiskFullStorage.allowed -= 1
        return super()._save(name, content)


@pytest.fixture
def full_disk(settings, media_root):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "tests.site.test_faults.DiskFullStorage"}}

    def after(files):
        DiskFullStorage.allowed = files

    after(0)
    return after


@pytest.mark.parametrize("files_before_full", [0, 3], ids=["original", "a-rendition"])
def test_a_cover_that_cannot_be_stored_saves_nothing_and_says_why(
    client, reporter, category, full_disk, media_root, files_before_full
):
    full_disk(files_before_full)
    client.force_login(reporter)
    cover = SimpleUploadedFile("cover.jpg", image_bytes(), content_type="image/jpeg")
    response = client.post(
        reverse("admin:news_article_add"), article_form(category, title="磁盘满了的稿件", cover=cover)
    )
    assert response.status_code == 503
    page = response.content.decode()
    assert "存储空间已满或不可用" in page and "磁盘满了的稿件" in page  # the form, with what was typed
    assert not Article.objects.filter(title="磁盘满了的稿件").exists()
    assert stored_files(media_root) == []


def test_a_body_image_that_cannot_be_stored_is_refused_with_a_reason(client, reporter, full_disk, media_root):
    full_disk(2)
    client.force_login(reporter)
    upload = SimpleUploadedFile("body.png", image_bytes(image_format="PNG"), content_type="image/png")
    response = client.post(reverse("admin:news_article_upload_image"), {"file": upload})
    assert response.status_code == 503
    assert "存储空间已满或不可用" in json.loads(response.content)["error"]
    assert stored_files(media_root) == []


def test_an_avatar_that_cannot_be_stored_changes_nothing(client, resident, full_disk, media_root):
    client.force_login(resident)
    upload = SimpleUploadedFile("me.png", image_bytes(600, 600, "PNG"), content_type="image/png")
    response = client.post("/accounts/profile/", {"nickname": "新昵称", "avatar": upload})
    assert response.status_code == 503
    assert "存储空间已满或不可用" in response.content.decode()
    resident.refresh_from_db()
    assert resident.nickname != "新昵称" and not resident.avatar
    assert stored_files(media_root) == []
