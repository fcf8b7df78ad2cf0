"""Whole pages for anonymous readers: served from the cache, fresh after every change, never leaking."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Ban
from news.articles.factories import make_article, make_user
from news.articles.models import Article, SiteSettings
from news.comments import services
from news.comments.models import Comment
from news.viewcounts import reactions
from news.viewcounts.models import Reaction

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60


@pytest.fixture
def article(category, reporter):
    SiteSettings.current()  # created on first use, which (like any settings change) refreshes pages
    return make_article(title="钧瓷文化节开幕", body="<p>第一版正文。</p>", category=category, author=reporter)


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_second_anonymous_visit_is_served_from_the_cache_without_queries(client, article, django_assert_num_queries):
    url = article.get_absolute_url()
    assert get(client, url)["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        again = get(Client(), url)
    assert again["X-Page-Cache"] == "hit"
    assert "钧瓷文化节开幕" in again.content.decode()
    assert "0 queries" in again.content.decode()  # the footer line is measured per response


@pytest.mark.parametrize("change", ["edit", "withdraw", "schedule", "delete"])
def test_article_changes_reach_readers_at_once(client, article, change):
    url = article.get_absolute_url()
    home = get(client, "/").content.decode()
    assert "钧瓷文化节开幕" in home and get(client, url)
    if change == "edit":
        article.title = "钧瓷文化节隆重开幕"
        article.body = "<p>第二版正文。</p>"
        article.save()
        page = get(Client(), url).content.decode()
        assert "钧瓷文化节隆重开幕" in page and "第二版正文" in page
        assert "钧瓷文化节隆重开幕" in get(Client(), "/").content.decode()
        return
    if change == "withdraw":
        article.status = Article.Status.WITHDRAWN
        article.withdrawn_reason = "有误"
        article.save()
        assert Client().get(url).status_code == 410
    elif change == "schedule":
        article.published_at = timezone.now() + timezone.timedelta(days=1)
        article.save()
        assert Client().get(url).status_code == 404
    else:
        article.delete()
        assert Client().get(url).status_code == 404
    assert "钧瓷文化节开幕" not in get(Client(), "/").content.decode()


def test_admin_actions_with_queryset_updates_also_refresh_pages(client, article, editor):
    assert "钧瓷文化节开幕" in get(client, "/").content.decode()
    staff = Client()
    staff.force_login(editor)
    staff.post(
        reverse("admin:news_article_changelist"),
        {"action": "withdraw_selected", "_selected_action": [article.pk], "reason": "核实有误"},
    )
    assert Article.objects.get(pk=article.pk).status == Article.Status.WITHDRAWN
    assert "钧瓷文化节开幕" not in get(Client(), "/").content.decode()


@pytest.mark.parametrize("action", ["pin_selected", "unpin_selected"])
def test_pinning_and_unpinning_a_headline_shows_on_the_cached_home_page_at_once(client, article, editor, action):
    """The headline block (头条) changes the moment an editor pins or unpins: no stale minute."""
    if action == "unpin_selected":
        Article.objects.filter(pk=article.pk).update(is_featured=True, headline_order=1)
    headline = re.compile(r'<section class="headlines".*?钧瓷文化节开幕.*?</section>', re.S)
    before = get(client, "/").content.decode()  # now in the page cache
    assert bool(headline.search(before)) == (action == "unpin_selected")
    staff = Client()
    staff.force_login(editor)
    response = staff.post(
        reverse("admin:news_article_changelist"),
        {"action": action, "_selected_action": [article.pk], "order": "1"},
    )
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).is_featured == (action == "pin_selected")
    after = get(Client(), "/").content.decode()
    assert bool(headline.search(after)) == (action == "pin_selected")


def test_approved_comment_and_reaction_refresh_the_article_page(client, article, resident):
    url = article.get_absolute_url()
    get(client, url)
    comment = services.comment_post(article=article, user=resident, text="祝贺钧瓷文化节！").comment
    if comment.status != Comment.Status.APPROVED:
        services.comments_moderate(comments=[comment], kind="approve", by=make_user("mod2", role="审核"))
    assert "祝贺钧瓷文化节！" in get(Client(), url).content.decode()
    reaction = Reaction.objects.filter(is_active=True).order_by("order").first()
    before = get(Client(), url).content.decode()
    reactions.react(article=article, reaction_id=reaction.pk, visitor="visitor-1")
    after = get(Client(), url).content.decode()
    count = re.compile(rf'data-reaction="{reaction.pk}">(\d+)<')
    assert (count.search(before).group(1), count.search(after).group(1)) == ("0", "1")


def test_site_settings_and_bans_refresh_pages(client, article, resident, moderator):
    get(client, "/")
    site = SiteSettings.current()
    site.slogan = "新的标语"
    site.save()
    assert "新的标语" in get(Client(), "/").content.decode()
    get(client, reverse("comments:blackroom"))
    services.user_ban(user=resident, by=moderator, duration="1d", reason="刷屏")
    assert resident.username in get(Client(), reverse("comments:blackroom")).content.decode()
    assert Ban.objects.filter(user=resident).exists()


def test_logged_in_readers_never_get_the_anonymous_copy_nor_leave_theirs(client, article, resident):
    """Residents have copies of their own (tests/site/test_pagecache_members.py), never this one."""
    url = article.get_absolute_url()
    assert get(Client(), url)["X-Page-Cache"] == "miss"  # the anonymous copy
    resident.nickname = "禹州小李"
    resident.save()
    member = Client()
    member.force_login(resident)
    mine = member.get(url)
    assert mine["X-Page-Cache"] == "miss" and "禹州小李" in mine.content.decode()
    assert "private" in mine["Cache-Control"]
    anonymous = get(client, url)
    assert anonymous["X-Page-Cache"] == "hit" and "禹州小李" not in anonymous.content.decode()
    again = member.get(url)  # the residents' copy, with their own name put back
    assert again["X-Page-Cache"] == "hit" and "禹州小李" in again.content.decode()
    assert "禹州小李" not in get(Client(), url).content.decode()


def test_every_reader_gets_their_own_working_csrf_token(article):
    url = article.get_absolute_url()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    get(first, url)
    served = get(second, url)
    assert served["X-Page-Cache"] == "hit"
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', served.content.decode()))
    assert len(tokens) == 1 and "__yzgz" not in next(iter(tokens))
    assert served.cookies["csrftoken"].value  # this reader's own CSRF cookie
    reaction = Reaction.objects.filter(is_active=True).first()
    response = second.post(
        reverse("viewcounts:react", args=[article.pk]), {"reaction": reaction.pk, "csrfmiddlewaretoken": tokens.pop()}
    )
    assert response.status_code in {200, 302}
    assert Article.objects.get(pk=article.pk).reaction_count == 1


def test_a_reader_with_a_session_gets_a_fresh_page(client, article, resident):
    """A logged-in reader who reacted gets their own page, which shows their choice."""
    url = article.get_absolute_url()
    get(Client(), url)
    client.force_login(resident)
    reaction = Reaction.objects.filter(is_active=True).first()
    client.post(reverse("viewcounts:react", args=[article.pk]), {"reaction": reaction.pk})
    page = client.get(url)
    assert "X-Page-Cache" not in page
    assert re.search(rf'value="{reaction.pk}" class="reaction" aria-pressed="true"', page.content.decode())


def test_an_anonymous_reaction_without_javascript_gets_a_fresh_page_then_the_shared_one(client, article):
    """No session is made: the messages cookie naming the choice keeps the next page fresh, once."""
    url = article.get_absolute_url()
    get(Client(), url)
    reaction = Reaction.objects.filter(is_active=True).first()
    client.post(reverse("viewcounts:react", args=[article.pk]), {"reaction": reaction.pk})
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    page = client.get(url)
    assert "X-Page-Cache" not in page
    assert re.search(rf'data-reaction="{reaction.pk}">1<', page.content.decode())
    assert f"你的表态：{reaction.icon} {reaction.name}" in page.content.decode()
    assert client.cookies["messages"]["max-age"] == 0  # shown once; a browser drops it (the test client does not)
    del client.cookies["messages"]
    again = get(client, url)  # the message was shown: the shared page again, which names no choice
    assert again["X-Page-Cache"] == "miss" and "你的表态" not in again.content.decode()
    assert get(Client(), url)["X-Page-Cache"] == "hit"


def test_error_pages_and_previews_are_not_cached(client, article, reporter):
    draft = make_article(title="草稿不缓存", category=article.category, author=reporter, status="draft")
    assert client.get(draft.get_absolute_url()).status_code == 404
    staff = Client()
    staff.force_login(reporter)
    assert "草稿不缓存" in staff.get(draft.get_absolute_url()).content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_off_when_the_setting_is_zero(client, article, settings):
    settings.PAGE_CACHE_SECONDS = 0
    get(client, "/")
    assert "X-Page-Cache" not in get(client, "/")


def test_a_page_for_the_nginx_microcache_carries_no_token_and_sets_no_cookie(client, article):
    """nginx asks with X-Microcache: 1; that page is shared by every anonymous reader for a second."""
    url = article.get_absolute_url()
    for attempt in ("miss", "hit"):
        shared = Client().get(url, HTTP_X_MICROCACHE="1")
        assert shared["X-Page-Cache"] == attempt
        assert shared["X-Accel-Expires"] == "1"
        assert not shared.cookies
        values = re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', shared.content.decode())
        assert values and set(values) == {""}
    own = get(Client(), url)  # without the header: this reader's own token and cookie
    assert "X-Accel-Expires" not in own and own.cookies["csrftoken"].value
    assert set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', own.content.decode())) != {""}


def test_the_csrf_endpoint_gives_a_reader_a_working_token(article):
    reader = Client(enforce_csrf_checks=True)
    response = reader.get(reverse("csrf-token"))
    assert response["Cache-Control"] == "no-store, private"
    token = response.json()["token"]
    reaction = Reaction.objects.filter(is_active=True).first()
    posted = reader.post(
        reverse("viewcounts:react", args=[article.pk]), {"reaction": reaction.pk, "csrfmiddlewaretoken": token}
    )
    assert posted.status_code in {200, 302}
    assert Article.objects.get(pk=article.pk).reaction_count == 1


@pytest.mark.parametrize("status", ["withdrawn", "draft"])
def test_a_page_that_stops_being_public_replaces_nginxs_copy_at_once(client, article, status):
    """nginx keeps serving its copy until it gets one it may store: the 410/404 is marked too."""
    article.status = Article.Status.WITHDRAWN if status == "withdrawn" else Article.Status.DRAFT
    article.withdrawn_reason = "核实有误"
    article.save()
    response = client.get(article.get_absolute_url(), HTTP_X_MICROCACHE="1")
    assert response.status_code == (410 if status == "withdrawn" else 404)
    assert response["X-Accel-Expires"] == "1"
    assert not response.cookies  # no CSRF cookie shared through nginx
    assert set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', response.content.decode())) <= {""}


def test_an_error_page_for_one_reader_is_not_marked_for_sharing(client, article):
    article.status = Article.Status.WITHDRAWN
    article.save()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 410
    assert not response.has_header("X-Accel-Expires")
