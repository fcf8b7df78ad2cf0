"""The demo content command: the seed article plus enough news for real lists, loaded idempotently."""

import pytest
from django.core.management import call_command
from taggit.models import Tag

from accounts.models import User
from news.models import Article, Category, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(media_root):
    call_command("load_demo", verbosity=0)


def table_sizes():
    return (Article.objects.count(), Category.objects.count(), Source.objects.count(), User.objects.count())


def test_demo_has_the_seed_article_and_sixty_more_across_five_categories(loaded):
    seed = Article.objects.get(title="禹州夏都街道开展2021年第三季度党建观摩活动")
    assert (seed.author.username, seed.view_count, seed.source.name) == ("yzgz006", 630, "融媒顺店工作站")
    assert Article.objects.published().exclude(pk=seed.pk).count() >= 60
    used = Category.objects.filter(articles__in=Article.objects.published()).distinct().count()
    assert used >= 5
    assert Tag.objects.count() >= 5
    assert Source.objects.count() >= 5
    assert Article.objects.exclude(cover="").count() >= 10


def test_loading_twice_changes_nothing(loaded):
    before = table_sizes()
    call_command("load_demo", verbosity=0)
    assert table_sizes() == before


def test_demo_editor_can_log_in_to_the_admin(loaded, client):
    # Through the admin's login page: every authenticate() needs the request its throttle reads.
    response = client.post("/admin/login/", {"username": "editor", "password": "yzgz-demo-2021", "next": "/admin/"})
    assert response.status_code == 302
    assert client.get("/admin/news/article/").status_code == 200


def test_dry_run_saves_nothing(media_root):
    call_command("load_demo", "--dry-run", verbosity=0)
    assert Article.objects.count() == 0


def test_dry_run_writes_no_files(media_root):
    call_command("load_demo", "--dry-run", verbosity=0)
    assert not media_root.exists() or not any(media_root.rglob("*.jpg"))
