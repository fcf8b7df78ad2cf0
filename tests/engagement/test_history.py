"""最近浏览: the view beacon keeps a logged-in resident's reading, newest first, clearable."""

import pytest
from django.test import Client

from news.articles.factories import make_article, make_user
from news.articles.models import Article, SiteSettings
from news.engagement import services
from news.engagement.models import HistoryEntry

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0"}


@pytest.fixture
def articles(category, reporter):
    SiteSettings.current()
    return [make_article(title=f"第{n}篇", category=category, author=reporter) for n in range(3)]


def resident(username="zhang"):
    client = Client()
    client.force_login(make_user(username))
    return client


def read(client, article):
    response = client.get(f"/article/{article.pk}/view.gif", **BROWSER)
    assert response.status_code == 200


def titles(client):
    html = client.get("/accounts/history/").content.decode()
    return [title for title in ("第0篇", "第1篇", "第2篇") if title in html], html


def test_the_articles_a_resident_opens_are_listed_newest_first(articles):
    client = resident()
    for article in articles:
        read(client, article)
    read(client, articles[0])  # read again: back to the top, still one line
    assert HistoryEntry.objects.count() == 3
    html = client.get("/accounts/history/").content.decode()
    assert html.index("第0篇") < html.index("第2篇") < html.index("第1篇")


def test_anonymous_readers_bots_and_staff_leave_no_history(articles, reporter):
    read(Client(), articles[0])
    Client().get(f"/article/{articles[0].pk}/view.gif", HTTP_USER_AGENT="Googlebot/2.1")
    staff = Client()
    staff.force_login(reporter)
    read(staff, articles[0])
    assert not HistoryEntry.objects.exists()


def test_history_is_private_and_can_be_cleared(articles):
    zhang, li = resident("zhang"), resident("li")
    read(zhang, articles[0])
    read(li, articles[1])
    found, _html = titles(li)
    assert found == ["第1篇"]
    cleared = zhang.post("/accounts/history/clear/")
    assert cleared.status_code == 302
    assert "已清空最近浏览（1 篇文章）" in zhang.get(cleared["Location"]).content.decode()
    assert titles(zhang)[0] == []
    assert HistoryEntry.objects.get().user.username == "li", "only the resident's own history goes"
    assert Client().post("/accounts/history/clear/")["Location"].startswith("/accounts/login/")
    assert HistoryEntry.objects.count() == 1


def test_clearing_needs_a_post_with_the_csrf_token(articles):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("zhang"))
    read(client, articles[0])
    assert client.get("/accounts/history/clear/").status_code == 405
    assert client.post("/accounts/history/clear/").status_code == 403
    assert HistoryEntry.objects.count() == 1


def test_an_article_no_longer_public_leaves_the_list(articles):
    client = resident()
    read(client, articles[0])
    Article.objects.filter(pk=articles[0].pk).update(status=Article.Status.WITHDRAWN)
    assert titles(client)[0] == []


def test_old_lines_are_trimmed_to_the_newest(articles):
    user = make_user("zhang")
    for article in articles:
        services.record_view(user_id=user.pk, article_id=article.pk)
    assert services.history_prune(user_id=user.pk, keep=2) == 1
    assert set(HistoryEntry.objects.values_list("article_id", flat=True)) == {articles[1].pk, articles[2].pk}


def test_a_database_error_costs_the_history_line_not_the_beacon(articles, monkeypatch):
    from django.db import DatabaseError

    def broken(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(services, "record_view", broken)
    client = resident()
    response = client.get(f"/article/{articles[0].pk}/view.gif", **BROWSER)
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
