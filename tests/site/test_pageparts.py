"""/page-parts/ answered before the rest of the stack (yzgz.pageparts) — and still right.

Every view of an article by a logged-in resident costs the app servers this one request, so a
plain resident's is answered by PagePartsMiddleware with the resident from the shared cache.
Each test here is something a resident would notice if that copy were stale or the short
path skipped a rule: a new name, a password changed elsewhere, an account closed, a number
just linked, staff, a message waiting, a CSRF token that must work.
"""

import json
import re

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts import sms
from accounts.models import User
from news.articles.factories import make_article, make_user
from news.articles.models import SiteSettings
from news.comments import services as comments
from news.comments.models import Comment
from yzgz import pageparts
from yzgz.pagecache import EDGE_COOKIE

pytestmark = pytest.mark.django_db

NAME = re.compile(r'class="user-menu__name"[^>]*>([^<]*)<')
BELL = re.compile(r'<a class="bell[^"]*" href="/accounts/notifications/" aria-label="([^"]*)"')
NUMBER = "13812345678"


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60
    settings.PAGE_CACHE_MEMBERS = True
    settings.SMS_BACKEND = "accounts.sms.LocmemBackend"


@pytest.fixture
def article(category, reporter):
    SiteSettings.current()
    return make_article(title="钧瓷文化节开幕", body="<p>正文。</p>", category=category, author=reporter)


@pytest.fixture
def zhang():
    return make_user("zhang", nickname="老张")


@pytest.fixture
def client_of(zhang):
    client = Client(enforce_csrf_checks=True)
    client.force_login(zhang)
    client.cookies[EDGE_COOKIE] = "1"
    return client


def parts(client, path):
    response = client.get("/page-parts/", {"path": path})
    assert response["Cache-Control"] == "no-store, private"
    return response, json.loads(response.content)


@pytest.fixture
def short_path(monkeypatch):
    """Counts the answers the middleware gave itself (the rest went down the whole stack)."""
    answered = []
    real = pageparts.PagePartsMiddleware.answer

    def answer(self, request):
        try:
            response = real(self, request)
        except Exception:
            answered.append("raised")
            raise
        answered.append(response is not None)
        return response

    monkeypatch.setattr(pageparts.PagePartsMiddleware, "answer", answer)
    return answered


def test_a_plain_residents_parts_cost_one_statement_once_their_account_is_cached(
    client_of, article, short_path, django_assert_num_queries
):
    url = article.get_absolute_url()
    with django_assert_num_queries(3):  # their account, the page's one statement, the bell's count
        response, body = parts(client_of, url)
    assert response.status_code == 200 and NAME.search(body["menu"]).group(1) == "老张"
    with django_assert_num_queries(1):  # the one statement: banned, waiting comments, their buttons
        response, again = parts(client_of, url)
    assert again["menu"].split("csrfmiddlewaretoken")[0] == body["menu"].split("csrfmiddlewaretoken")[0]
    assert again["set"] == body["set"] == []
    assert short_path == [True, True]
    assert response["Content-Language"] == "zh-hans" and response["X-Content-Type-Options"] == "nosniff"
    assert "Cookie" in response["Vary"]


def test_a_new_name_shows_in_the_menu_at_once(client_of, zhang, article):
    url = article.get_absolute_url()
    parts(client_of, url)
    zhang.nickname = "张大哥"
    zhang.save()
    assert NAME.search(parts(client_of, url)[1]["menu"]).group(1) == "张大哥"


def test_a_password_changed_elsewhere_logs_this_browser_out(client_of, zhang, article, short_path):
    url = article.get_absolute_url()
    parts(client_of, url)
    zhang.set_password("another-strong-password-2026")
    zhang.save()
    response, body = parts(client_of, url)
    assert body == {"own": True}, "the page loads again from Django, which now sees nobody logged in"
    assert response.cookies[EDGE_COOKIE]["max-age"] == 0
    assert short_path[-1] is False, "Django's own get_user decides (and flushes the session)"
    assert client_of.get("/accounts/profile/").status_code == 302


def test_a_closed_account_gets_nothing_of_its_own(client_of, zhang, article):
    url = article.get_absolute_url()
    parts(client_of, url)
    zhang.is_active = False
    zhang.save()
    assert parts(client_of, url)[1] == {"own": True}


def test_a_deleted_account_gets_nothing_of_its_own(client_of, zhang, article):
    url = article.get_absolute_url()
    parts(client_of, url)
    zhang.delete()
    assert parts(client_of, url)[1] == {"own": True}


def test_a_number_just_linked_lets_the_resident_share_the_page_at_once(client_of, zhang, article):
    """With 实名 on, a resident without a number gets their own page (the form asks for one);
    once linked, the very next parts answer is the shared page's."""
    site = SiteSettings.current()
    site.comments_require_phone = True
    site.save()
    url = article.get_absolute_url()
    assert parts(client_of, url)[1] == {"own": True}
    token = client_of.get("/csrf/").json()["token"]
    phone_url = reverse("accounts:phone")
    client_of.post(phone_url, {"phone": NUMBER, "code": "", "action": "send", "csrfmiddlewaretoken": token})
    code = sms.outbox[-1]["code"]
    done = client_of.post(phone_url, {"phone": NUMBER, "code": code, "action": "submit", "csrfmiddlewaretoken": token})
    assert done.status_code == 302
    client_of.get(done.url)  # the page that shows "your number is linked" (the message is read)
    for name in [name for name, cookie in client_of.cookies.items() if cookie["max-age"] == 0]:
        del client_of.cookies[name]  # as a browser drops an expired cookie (the test client sends it)
    _response, body = parts(client_of, url)
    assert "menu" in body, body
    assert User.objects.get(pk=zhang.pk).phone_verified


def test_staff_and_messages_go_down_the_whole_stack(client_of, zhang, article, short_path):
    url = article.get_absolute_url()
    client_of.cookies["messages"] = "something"
    assert parts(client_of, url)[1] == {"own": True}
    del client_of.cookies["messages"]
    zhang.is_staff = True
    zhang.save()
    assert parts(client_of, url)[1] == {"own": True}
    assert short_path == [False, False]


def test_a_message_kept_in_the_session_is_shown_on_a_page_of_their_own(client_of, article):
    url = article.get_absolute_url()
    session = client_of.session
    session["_messages"] = '[["__json_message",0,25,"已保存"]]'
    session.save()
    assert parts(client_of, url)[1] == {"own": True}


def test_the_token_works_and_a_browser_without_a_csrf_cookie_gets_one(client_of, zhang, article, short_path):
    client_of.cookies.pop(django_settings.CSRF_COOKIE_NAME, None)
    response, body = parts(client_of, article.get_absolute_url())
    assert short_path == [True]
    assert response.cookies[django_settings.CSRF_COOKIE_NAME].value, "the secret the token is made from"
    form = {"body": "从共享页面发的评论", "csrfmiddlewaretoken": body["token"]}
    posted = client_of.post(f"/article/{article.pk}/comments/", form)
    assert posted.status_code == 302
    assert Comment.objects.get(body="从共享页面发的评论").user == zhang
    response, _again = parts(client_of, article.get_absolute_url())
    assert django_settings.CSRF_COOKIE_NAME not in response.cookies, "the cookie they have is kept"


def test_other_methods_and_addresses_are_not_touched(client_of, article, short_path):
    assert client_of.post("/page-parts/", {"path": "/"}).status_code == 403  # CSRF, as before
    assert client_of.get("/csrf/").status_code == 200
    assert short_path == []


def test_an_english_reader_gets_an_english_menu(client_of, article):
    client_of.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response, body = parts(client_of, article.get_absolute_url())
    assert response["Content-Language"] == "en"
    assert "My favourites" in body["menu"]


def test_the_menu_is_rendered_once_and_the_bell_still_rings_at_once(client_of, zhang, article):
    """The rendered menu is kept per resident; a reply to them shows on the very next answer."""
    url = article.get_absolute_url()
    first, body = parts(client_of, url)  # the bell's count read by the template
    assert "includes/user_menu.html" in [t.name for t in first.templates]
    second, body = parts(client_of, url)  # rendered with the count known: kept
    assert "includes/user_menu.html" in [t.name for t in second.templates]
    again, body = parts(client_of, url)
    assert again.templates == [], "the menu came from the cache"
    assert BELL.search(body["menu"]).group(1) == "消息"
    site = SiteSettings.current()
    site.comment_min_interval = 0
    site.save()
    mine = comments.comment_post(article=article, user=zhang, text="文化节几点开始？").comment
    li = make_user("li", nickname="小李")
    comments.comment_post(article=article, user=li, text="上午九点。", parent_id=mine.pk)
    _response, body = parts(client_of, url)
    assert BELL.search(body["menu"]).group(1) == "消息，1 条未读"
    assert client_of.get(reverse("engagement:notifications")).status_code == 200
    _response, body = parts(client_of, url)
    assert BELL.search(body["menu"]).group(1) == "消息，1 条未读", "not read until opened"
    client_of.get(f"/accounts/notifications/{zhang.notifications.get().pk}/")
    assert BELL.search(parts(client_of, url)[1]["menu"]).group(1) == "消息"


def test_the_full_pages_menu_is_the_cached_one_too(client_of, zhang, article):
    """A resident's page rendered by Django (not nginx's copy) shows the same fresh name."""
    url = article.get_absolute_url()
    client_of.get(url)
    zhang.nickname = "张大哥"
    zhang.save()
    assert NAME.search(client_of.get(url).content.decode()).group(1) == "张大哥"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a PostgreSQL connection the server dropped")
def test_a_connection_the_database_dropped_is_replaced_not_a_500(client_of, zhang, article, short_path):
    """The short path skips Django's "SELECT 1" before the first query; a connection a database
    restart broke must then fail over to the whole stack, which connects anew."""
    url = article.get_absolute_url()
    parts(client_of, url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with psycopg_connect() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    response, body = parts(client_of, url)
    assert response.status_code == 200 and NAME.search(body["menu"]).group(1) == "老张"
    assert short_path[-1] == "raised", "the query failed; the whole stack answered"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def psycopg_connect():
    import psycopg

    return psycopg.connect(**connection.get_connection_params(), autocommit=True)
