"""Shared fixtures: staff in each role, a category tree, and the seed article."""

import pytest
from django.core.cache import cache

from accounts.roles import EDITOR, MODERATOR, REPORTER
from news.articles.factories import make_category, make_user
from news.articles.models import Article
from tools import demo


def pytest_configure(config):
    """Fast settings for tests, without changing behaviour: MD5 password hashing."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (site settings, category tree)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _data_migrations_after_flush(request):
    """Transactional tests flush every table, data migrations included: put their rows back."""
    marker = request.node.get_closest_marker("django_db")
    if not marker or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from accounts.roles import sync_roles
    from news.viewcounts.reactions import create_default_reactions

    sync_roles(apps)
    create_default_reactions()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def reporter(db):
    return make_user("reporter1", role=REPORTER)


@pytest.fixture
def other_reporter(db):
    return make_user("reporter2", role=REPORTER)


@pytest.fixture
def editor(db):
    return make_user("editor1", role=EDITOR)


@pytest.fixture
def moderator(db):
    return make_user("moderator1", role=MODERATOR)


@pytest.fixture
def resident(db):
    return make_user("resident1")


@pytest.fixture
def category(db):
    return make_category("最新资讯", slug="latest")


@pytest.fixture
def seed_article(db):
    """The seed article of the old portal, loaded by the demo loader, with its neighbours."""
    users = demo.ensure_users()
    categories = demo.ensure_categories()
    sources = demo.ensure_sources()
    demo.load_seed(users, categories, sources)
    return Article.objects.get(title="禹州夏都街道开展2021年第三季度党建观摩活动")
