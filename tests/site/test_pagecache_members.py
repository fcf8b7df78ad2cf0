"""Logged-in residents share pages too, each with their own menu, token and reaction put back.

yzgz.pagecache ("members"): the first resident's request renders the page and stores a copy
with the personal parts cut out; every other resident's request is that copy with theirs put
in. These tests read pages as two residents and check nobody ever sees somebody else's part,
that every change shows at once, and who gets a page of their own.
"""

import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Ban
from news.articles import services as articles
from news.articles.factories import make_article, make_user
from news.articles.models import SiteSettings
from news.comments import services
from news.comments.models import Comment
from news.viewcounts.models import Reaction

pytestmark = pytest.mark.django_db

NAME = re.compile(r'class="user-menu__name"[^>]*>([^<]*)<')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60
    settings.PAGE_CACHE_MEMBERS = True


@pytest.fixture
def article(category, reporter):
    SiteSettings.current()
    return make_article(title="钧瓷文化节开幕", body="<p>正文。</p>", category=category, author=reporter)


def reader(username, nickname=""):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(username, nickname=nickname))
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, response.content.decode()


def test_every_resident_sees_their_own_name_and_token_in_the_shared_page(article):
    first, second = reader("zhang", "老张"), reader("li", "小李")
    url = article.get_absolute_url()
    response, html = page(first, url)
    assert response["X-Page-Cache"] == "miss"
    assert NAME.search(html).group(1) == "老张"
    response, html = page(second, url)
    assert response["X-Page-Cache"] == "hit"
    assert NAME.search(html).group(1) == "小李"
    assert "老张" not in html
    assert "private" in response["Cache-Control"]
    tokens = set(TOKEN.findall(html))
    assert len(tokens) == 1 and "" not in tokens, "every form carries this reader's token"
    # The token works: the comment form of the shared copy posts for 小李.
    posted = second.post(
        f"/article/{article.pk}/comments/", {"body": "从缓存页面发的评论", "csrfmiddlewaretoken": tokens.pop()}
    )
    assert posted.status_code == 302
    assert Comment.objects.get(body="从缓存页面发的评论").user.username == "li"


def test_each_resident_sees_their_own_reaction_pressed(article):
    first, second = reader("zhang"), reader("li")
    flower = Reaction.objects.get(name="鲜花")
    page(first, article.get_absolute_url())  # the shared copy, nothing pressed
    token = TOKEN.search(page(second, "/")[1]).group(1)
    voted = second.post(
        f"/article/{article.pk}/react/",
        {"reaction": flower.pk, "csrfmiddlewaretoken": token},
        HTTP_ACCEPT="application/json",
    )
    assert voted.status_code == 200
    page(first, article.get_absolute_url())  # the vote moved the generation: a new shared copy
    zhang_html = page(first, article.get_absolute_url())[1]
    li_response, li_html = page(second, article.get_absolute_url())
    pressed = re.compile(r'value="(\d+)" class="reaction" aria-pressed="true"')
    assert pressed.findall(li_html) == [str(flower.pk)]
    assert pressed.findall(zhang_html) == []
    assert li_response["X-Page-Cache"] == "hit"


@pytest.mark.parametrize("change", ["comment", "edit", "withdraw", "pin"])
def test_a_change_reaches_residents_at_once(article, change, resident, editor):
    client = reader("zhang")
    url = article.get_absolute_url()
    page(client, url)
    page(reader("li"), url)  # served from the copy
    if change == "comment":
        services.comment_post(article=article, user=resident, text="刚刚发表的新评论")
        assert "刚刚发表的新评论" in page(client, url)[1]
    elif change == "edit":
        article.title = "钧瓷文化节圆满闭幕"
        article.save()
        assert "钧瓷文化节圆满闭幕" in page(client, url)[1]
    elif change == "withdraw":
        articles.withdraw([article.pk], reason="核实有误")
        assert client.get(url).status_code == 410
    else:
        home = page(client, "/")[1]
        assert not re.search(r'<section class="headlines".*?钧瓷文化节开幕.*?</section>', home, re.S)
        articles.pin([article.pk], order=1)
        assert re.search(r'<section class="headlines".*?钧瓷文化节开幕.*?</section>', page(client, "/")[1], re.S)


def test_a_banned_resident_gets_their_own_page_saying_why(article, moderator):
    client = reader("zhang")
    url = article.get_absolute_url()
    page(reader("li"), url)  # the shared copy, with the comment form
    banned = client.get("/").wsgi_request.user
    Ban.objects.create(user=banned, reason="恶意灌水", created_by=moderator)
    response, html = page(client, url)
    assert response.get("X-Page-Cache") is None, "rendered for them alone"
    assert "恶意灌水" in html


def test_a_banned_resident_first_to_open_a_page_leaves_no_copy_for_the_others(article, moderator):
    client = reader("zhang")
    banned = client.get("/").wsgi_request.user
    Ban.objects.create(user=banned, reason="恶意灌水", created_by=moderator)
    url = article.get_absolute_url()
    response, html = page(client, url)
    assert response.get("X-Page-Cache") is None and "恶意灌水" in html
    response, html = page(reader("li"), url)
    assert response["X-Page-Cache"] == "miss" and "恶意灌水" not in html


def test_with_real_names_required_only_verified_residents_share_the_page_with_the_form(article):
    site = SiteSettings.current()
    site.comments_require_phone = True
    site.save()
    verified = Client(enforce_csrf_checks=True)
    verified.force_login(make_user("zhao", phone="+8613912340001", phone_verified_at=timezone.now()))
    url = article.get_absolute_url()
    response, html = page(verified, url)
    assert response["X-Page-Cache"] == "miss" and 'id="comment-body"' in html
    assert page(reader("qian"), url)[0].get("X-Page-Cache") is None  # unverified: a page of their own
    response, html = page(reader("sun"), url)
    assert response.get("X-Page-Cache") is None
    assert 'id="comment-body"' not in html and "/accounts/phone/?next=" in html
    other = Client()
    other.force_login(make_user("li", phone="+8613912340002", phone_verified_at=timezone.now()))
    response, html = page(other, url)
    assert response["X-Page-Cache"] == "hit" and 'id="comment-body"' in html


def test_a_resident_with_a_comment_waiting_for_review_sees_it(article):
    client = reader("zhang")
    url = article.get_absolute_url()
    page(reader("li"), url)
    Comment.objects.create(
        article=article, user=client.get("/").wsgi_request.user, body="等待审核的评论", status="pending"
    )
    html = page(client, url)[1]
    assert "等待审核的评论" in html
    assert "等待审核的评论" not in page(reader("wang"), url)[1]


def test_staff_and_messages_are_never_served_a_shared_copy(article, editor):
    url = article.get_absolute_url()
    page(reader("li"), url)
    staff = Client()
    staff.force_login(editor)
    response, html = page(staff, url)
    assert response.get("X-Page-Cache") is None
    assert 'href="/admin/"' in html  # the newsroom link only staff see
    resident = reader("zhang")
    token = TOKEN.search(page(resident, url)[1]).group(1)
    resident.post(f"/article/{article.pk}/comments/", {"body": "留言成功后的页面", "csrfmiddlewaretoken": token})
    response, html = page(resident, url)  # carries the "published" message
    assert response.get("X-Page-Cache") is None
    assert "留言成功后的页面" in html


def test_a_shared_hit_costs_a_few_small_queries(article, django_assert_max_num_queries):
    url = article.get_absolute_url()
    page(reader("li"), url)
    client = reader("zhang")
    page(client, "/")  # the session is in the cache from here on
    # The user; one statement for "banned or waiting comments" and the hooks' parts (their
    # reaction, their 收藏, the comments they liked). The bell's count comes from the cache.
    with django_assert_max_num_queries(2):
        response, _html = page(client, url)
    assert response["X-Page-Cache"] == "hit"


def test_off_when_the_setting_is_off(article, settings):
    settings.PAGE_CACHE_MEMBERS = False
    url = article.get_absolute_url()
    page(reader("li"), url)
    response, _html = page(reader("zhang"), url)
    assert response.get("X-Page-Cache") is None


def test_the_page_of_a_scheduled_article_is_not_shared_before_its_time(category, reporter):
    later = make_article(
        title="明天发布", category=category, author=reporter, published_at=timezone.now() + timezone.timedelta(hours=1)
    )
    assert reader("li").get(later.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("state", ["lifted", "expired"])
def test_a_ban_that_is_over_no_longer_makes_a_page_of_ones_own(article, moderator, state):
    """The plain-SQL check in news.comments.pagecache follows Ban.objects.active()."""
    client = reader("zhang")
    url = article.get_absolute_url()
    page(reader("li"), url)
    user = client.get("/").wsgi_request.user
    ban = Ban.objects.create(user=user, reason="旧禁言", created_by=moderator)
    if state == "lifted":
        Ban.objects.filter(pk=ban.pk).update(lifted_at=timezone.now())
    else:
        Ban.objects.filter(pk=ban.pk).update(expires_at=timezone.now() - timezone.timedelta(minutes=1))
    assert user.active_ban() is None
    page(client, url)  # the ban moved the generation: this one makes the new shared copy
    response, html = page(client, url)
    assert response["X-Page-Cache"] == "hit", "the shared copy, not a page of their own"
    assert "旧禁言" not in html


# --- #21 comment likes (news.comments.pagecache.LikedComments) ---


LIKE_PRESSED = re.compile(r'class="like" data-comment="(\d+)" aria-pressed="true"')


def test_each_resident_sees_their_own_likes_pressed_in_the_shared_page(article):
    author = make_user("author")
    comments = [
        Comment.objects.create(article=article, user=author, body=f"评论{i}", status="approved") for i in range(4)
    ]
    zhang, li = reader("zhang"), reader("li")
    url = article.get_absolute_url()
    zhang_user, li_user = zhang.get("/").wsgi_request.user, li.get("/").wsgi_request.user
    services.comment_like_toggle(comment=comments[0], user=zhang_user)  # zhang renders the copy with it pressed
    services.comment_like_toggle(comment=comments[2], user=li_user)
    response, html = page(zhang, url)
    assert response["X-Page-Cache"] == "miss"
    assert LIKE_PRESSED.findall(html) == [str(comments[0].pk)]
    response, html = page(li, url)
    assert response["X-Page-Cache"] == "hit"
    assert LIKE_PRESSED.findall(html) == [str(comments[2].pk)], "not zhang's, from the copy zhang made"
    response, html = page(reader("wang"), url)
    assert response["X-Page-Cache"] == "hit" and LIKE_PRESSED.findall(html) == []
    assert 'like__count">1<' in html  # the counts are everyone's


def test_a_like_reaches_residents_at_once(article):
    comment = Comment.objects.create(article=article, user=make_user("author"), body="评论", status="approved")
    zhang, li = reader("zhang"), reader("li")
    url = article.get_absolute_url()
    page(zhang, url)
    page(li, url)
    token = TOKEN.search(page(zhang, url)[1]).group(1)
    liked = zhang.post(
        f"/article/{article.pk}/comments/{comment.pk}/like/",
        {"csrfmiddlewaretoken": token},
        HTTP_ACCEPT="application/json",
    )
    assert liked.json() == {"liked": True, "count": 1}
    html = page(li, url)[1]
    assert 'like__count">1<' in html and LIKE_PRESSED.findall(html) == []
    assert LIKE_PRESSED.findall(page(zhang, url)[1]) == [str(comment.pk)]


def test_a_shared_hit_with_comments_asks_for_the_likes_once(article, category, reporter):
    """In the one statement of the hooks: as many queries as a page without comments."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    busy = make_article(title="评论很多", category=category, author=reporter)
    author = make_user("author")
    for i in range(30):
        comment = Comment.objects.create(article=busy, user=author, body=f"评论{i}", status="approved")
        Comment.objects.create(article=busy, user=author, parent=comment, body=f"回复{i}", status="approved")
    li, zhang = reader("li"), reader("zhang")
    page(zhang, "/")
    counts = []
    for url in (article.get_absolute_url(), busy.get_absolute_url()):
        page(li, url)
        with CaptureQueriesContext(connection) as captured:
            response, _html = page(zhang, url)
        assert response["X-Page-Cache"] == "hit"
        counts.append(len(captured.captured_queries))
        likes = [q["sql"] for q in captured.captured_queries if "commentlike" in q["sql"]]
    assert counts[1] == counts[0]
    assert len(likes) == 1 and "news_reactionvote" in likes[0] and "engagement_favourite" in likes[0]
