"""收藏: a resident keeps an article, sees it pressed (on shared pages too) and on 我的收藏."""

import re

import pytest
from django.test import Client

from news.articles.factories import make_article, make_user
from news.articles.models import Article, SiteSettings
from news.engagement.models import Favourite

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')
BUTTON = re.compile(r'class="favourite" aria-pressed="(true|false)" name="favourite" value="(on|off)"')


@pytest.fixture
def article(category, reporter):
    SiteSettings.current()
    return make_article(title="钧瓷文化节开幕", category=category, author=reporter)


def reader(username):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(username))
    return client


def token_of(client, url="/"):
    return TOKEN.search(client.get(url).content.decode()).group(1)


def keep(client, article, choice="on", json=False, **extra):
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    data = {"favourite": choice, "csrfmiddlewaretoken": token_of(client), **extra}
    return client.post(f"/article/{article.pk}/favourite/", data, **headers)


def pressed(client, article):
    return BUTTON.search(client.get(article.get_absolute_url()).content.decode()).groups()


def test_keeping_and_forgetting_an_article_without_javascript(article):
    client = reader("zhang")
    assert pressed(client, article) == ("false", "on")
    response = keep(client, article)
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}#favourite"
    assert Favourite.objects.filter(user__username="zhang", article=article).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "已加入我的收藏" in page
    assert BUTTON.search(page).groups() == ("true", "off")
    keep(client, article)  # the same form sent twice keeps one row
    assert Favourite.objects.count() == 1
    keep(client, article, "off")
    assert not Favourite.objects.exists()
    assert pressed(client, article) == ("false", "on")


def test_with_javascript_the_answer_is_json(article):
    client = reader("zhang")
    response = keep(client, article, json=True)
    assert response.status_code == 200 and response.json() == {"favourite": True}
    assert keep(client, article, "off", json=True).json() == {"favourite": False}


def test_anonymous_readers_are_asked_to_log_in(article):
    client = Client(enforce_csrf_checks=True)
    response = keep(client, article)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    response = keep(client, article, json=True)
    assert response.status_code == 401 and response.json()["login"].startswith("/accounts/login/?next=")
    assert not Favourite.objects.exists()


def test_without_the_csrf_token_nothing_is_kept(article):
    client = reader("zhang")
    response = client.post(f"/article/{article.pk}/favourite/", {"favourite": "on"})
    assert response.status_code == 403
    assert not Favourite.objects.exists()


@pytest.mark.parametrize("choice", ["", "yes", "ON", "on ", "😀" * 50])
def test_an_unknown_choice_is_a_clear_400(article, choice):
    response = keep(reader("zhang"), article, choice, json=True)
    assert response.status_code == 400
    assert response.json()["error"] == "请选择收藏或取消收藏。"
    assert not Favourite.objects.exists()


def test_drafts_cannot_be_kept_but_a_withdrawn_favourite_can_be_removed(article, category, reporter):
    client = reader("zhang")
    draft = make_article(title="未公开草稿", category=category, author=reporter, status=Article.Status.DRAFT)
    assert keep(client, draft).status_code == 404
    assert keep(client, article).status_code == 302
    Article.objects.filter(pk=article.pk).update(status=Article.Status.WITHDRAWN, withdrawn_reason="核实中")
    mine = client.get("/accounts/favourites/").content.decode()
    assert "钧瓷文化节开幕" in mine and "已不公开" in mine
    assert f'href="{article.get_absolute_url()}"' not in mine, "no link to a page that is gone"
    response = keep(client, article, "off", next="/accounts/favourites/")
    assert response["Location"] == "/accounts/favourites/"
    assert not Favourite.objects.exists()
    assert keep(client, article, "on").status_code == 404


def test_next_must_be_a_page_of_this_site(article):
    response = keep(reader("zhang"), article, next="https://evil.example/")
    assert response["Location"] == f"{article.get_absolute_url()}#favourite"


def test_a_script_toggling_all_day_is_slowed_down(article, settings):
    client = reader("zhang")
    token = token_of(client)
    statuses = [
        client.post(
            f"/article/{article.pk}/favourite/",
            {"favourite": "on" if i % 2 else "off", "csrfmiddlewaretoken": token},
            HTTP_ACCEPT="application/json",
        ).status_code
        for i in range(62)
    ]
    assert statuses[:60] == [200] * 60
    assert statuses[60:] == [429, 429]


def test_my_favourites_lists_newest_first_and_only_mine(article, category, reporter):
    other = make_article(title="第二篇收藏", category=category, author=reporter)
    zhang, li = reader("zhang"), reader("li")
    keep(zhang, article)
    keep(zhang, other)
    keep(li, article)
    page = zhang.get("/accounts/favourites/").content.decode()
    assert page.index("第二篇收藏") < page.index("钧瓷文化节开幕")
    li_page = li.get("/accounts/favourites/").content.decode()
    assert "第二篇收藏" not in li_page
    assert Client().get("/accounts/favourites/")["Location"].startswith("/accounts/login/")


class TestSharedResidentPages:
    @pytest.fixture(autouse=True)
    def page_cache_on(self, settings):
        settings.PAGE_CACHE_SECONDS = 60
        settings.PAGE_CACHE_MEMBERS = True

    def test_each_resident_sees_only_their_own_favourite_pressed(self, article):
        zhang, li = reader("zhang"), reader("li")
        keep(zhang, article, json=True)
        first = zhang.get(article.get_absolute_url())
        assert first["X-Page-Cache"] == "miss"
        assert BUTTON.search(first.content.decode()).groups() == ("true", "off")
        second = li.get(article.get_absolute_url())
        assert second["X-Page-Cache"] == "hit"
        assert BUTTON.search(second.content.decode()).groups() == ("false", "on")
        again = zhang.get(article.get_absolute_url())
        assert again["X-Page-Cache"] == "hit"
        assert BUTTON.search(again.content.decode()).groups() == ("true", "off")

    def test_the_anonymous_copy_never_carries_a_residents_state(self, article):
        zhang = reader("zhang")
        keep(zhang, article, json=True)
        zhang.get(article.get_absolute_url())
        anonymous = Client().get(article.get_absolute_url()).content.decode()
        assert BUTTON.search(anonymous).groups() == ("false", "on")

    def test_the_state_costs_one_query_on_a_shared_page(self, article, django_assert_max_num_queries):
        zhang, li = reader("zhang"), reader("li")
        keep(li, article, json=True)
        zhang.get(article.get_absolute_url())  # stores the shared copy
        li.get(article.get_absolute_url())
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            li.get(article.get_absolute_url())
        favourite_queries = [q["sql"] for q in queries.captured_queries if "engagement_favourite" in q["sql"]]
        assert len(favourite_queries) == 1
