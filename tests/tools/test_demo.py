"""The demo content command: the seed article plus enough news for real lists, loaded idempotently."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from taggit.models import Tag

from accounts.models import User
from news.articles.models import Article, Category, Source
from tools.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo loaded once for the module (covers drawn into a module media folder), and what
    ``load_demo`` printed; rolled back after the module. Each test runs in a savepoint inside."""
    output = io.StringIO()
    with (
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        call_command("load_demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo_output):
    return demo_output


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
    before = table_sizes()  # empty, or the module's demo when a test before loaded it
    call_command("load_demo", "--dry-run", verbosity=0)
    assert table_sizes() == before


def test_dry_run_writes_no_files(media_root):
    call_command("load_demo", "--dry-run", verbosity=0)
    assert not media_root.exists() or not any(media_root.rglob("*.jpg"))


def readme_demo_logins():
    """The usernames and password of the README's table of demo logins (under "The two commands")."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("| user | role | password |", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|")[1:-1] for line in table.strip().splitlines()[1:]]
    usernames = {name for user, _role, _password in rows for name in re.findall(r"`([^`]+)`", user)}
    passwords = {password.strip().strip("`") for _user, _role, password in rows}
    return usernames, passwords


def test_make_run_prints_every_login_the_readme_lists(loaded):
    usernames, passwords = readme_demo_logins()
    assert passwords == {DEMO_PASSWORD}
    printed = set(re.findall(r"^  (\S+) ", loaded, flags=re.MULTILINE))
    assert printed == usernames
    assert DEMO_PASSWORD in loaded


def test_every_readme_login_works_with_its_password(loaded, client):
    usernames, _passwords = readme_demo_logins()
    for username in usernames:
        response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        client.post("/accounts/logout/")


def test_the_seed_article_is_the_lead_headline_on_the_home_page(loaded, client):
    seed = Article.objects.get(title="禹州夏都街道开展2021年第三季度党建观摩活动")
    assert Article.objects.headlines().first() == seed
    page = client.get("/").content.decode()
    lead = page.split('class="headline headline--lead"', 1)[1].split("</article>", 1)[0]
    assert f">{seed.title}</a>" in lead
