"""nginx's residents' copy ("the edge", yzgz.pagecache): what Django hands nginx to share among
logged-in residents, and what /page-parts/ gives each resident to make it theirs.

nginx marks a resident's request ``X-Microcache: member`` only when their browser runs site.js
and they were last given the shared page (deploy/nginx.conf.template; the production stack's
own test drives it through real nginx). Here the header is set by hand, as nginx would, and
each test checks what a resident — or somebody else — would see.
"""

import json
import re

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import resolve

from accounts.models import Ban
from news.articles.factories import make_article, make_user
from news.articles.models import SiteSettings
from news.comments import services
from news.comments.models import Comment, CommentLike
from news.engagement.models import Favourite
from news.viewcounts.models import Reaction, ReactionVote
from news.viewcounts.reactions import account_visitor
from yzgz import pagecache
from yzgz.pagecache import EDGE_COOKIE, FRESH_COOKIE, member_hooks

pytestmark = pytest.mark.django_db

EDGE = {"HTTP_X_MICROCACHE": "member"}
NAME = re.compile(r'class="user-menu__name"[^>]*>([^<]*)<')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')
PRESSED = re.compile(r'class="(?:reaction|favourite|like)"[^>]*aria-pressed="true"')


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60
    settings.PAGE_CACHE_MEMBERS = True


@pytest.fixture
def article(category, reporter):
    SiteSettings.current()
    return make_article(title="钧瓷文化节开幕", body="<p>正文。</p>", category=category, author=reporter)


@pytest.fixture
def neighbour_comment(article, reporter):
    wang = make_user("wang", nickname="老王")
    return services.comment_post(article=article, user=wang, text="邻居的评论写在这里").comment


def reader(username, nickname=""):
    client = Client(enforce_csrf_checks=True)
    user = make_user(username, nickname=nickname)
    client.force_login(user)
    client.cookies[EDGE_COOKIE] = "1"
    return client, user


def pressed_everything(user, article, comment):
    """``user`` chose 鲜花, kept the article (收藏) and liked ``comment``; returns the reaction."""
    flower = Reaction.objects.get(name="鲜花")
    ReactionVote.objects.create(article=article, reaction=flower, visitor=account_visitor(user))
    Favourite.objects.create(user=user, article=article)
    CommentLike.objects.create(user=user, comment=comment)
    return flower


def parts(client, path):
    response = client.get("/page-parts/", {"path": path})
    assert response["Cache-Control"] == "no-store, private"
    return response, json.loads(response.content)


def test_nginx_gets_the_residents_copy_with_nothing_of_anyones(article, neighbour_comment):
    """老张 reacted, kept the article and liked a comment; the copy nginx shares carries none of it."""
    client, zhang = reader("zhang", "老张")
    pressed_everything(zhang, article, neighbour_comment)
    url = article.get_absolute_url()
    for expected in ("miss", "hit"):
        response = client.get(url, **EDGE)
        html = response.content.decode()
        assert response.status_code == 200
        assert response["X-Page-Cache"] == expected
        assert response["X-Accel-Expires"] == "1"
        assert "老张" not in html and "zhang" not in html
        assert 'id="yz-user-menu" data-parts="/page-parts/" data-page="1"' in html, "site.js asks for their parts"
        assert set(TOKEN.findall(html)) == {""}, "no token of anyone's"
        assert not PRESSED.search(html), "nothing pressed"
        assert 'class="favourite"' in html and 'class="like"' in html and 'class="reaction"' in html
        assert not response.cookies, "a response nginx stores sets no cookie"
        assert "邻居的评论写在这里" in html


def test_page_parts_give_each_resident_their_own(article, neighbour_comment, django_assert_num_queries):
    zhang_client, zhang = reader("zhang", "老张")
    li_client, _li = reader("li", "小李")
    flower = pressed_everything(zhang, article, neighbour_comment)
    url = article.get_absolute_url()
    zhang_client.get("/")  # the session and the bell's count read once
    with django_assert_num_queries(2):  # the user; one statement for the page's own-ness and the parts
        response, body = parts(zhang_client, url)
    assert response.status_code == 200
    assert NAME.search(body["menu"]).group(1) == "老张"
    assert body["token"] and TOKEN.search(body["menu"]).group(1) == body["token"]
    assert sorted(map(tuple, ((selector, tuple(attrs.items())) for selector, attrs in body["set"]))) == sorted(
        [
            (f'button.reaction[value="{flower.pk}"]', (("aria-pressed", "true"),)),
            ("button.favourite", (("aria-pressed", "true"), ("value", "off"))),
            (f'button.like[data-comment="{neighbour_comment.pk}"]', (("aria-pressed", "true"),)),
        ]
    )
    assert "reuse" not in body, "an article's parts are asked on every view"
    response, body = parts(li_client, url)
    assert NAME.search(body["menu"]).group(1) == "小李"
    assert body["set"] == [] and "老张" not in json.dumps(body, ensure_ascii=False)
    # The token works for the shared copy's comment form.
    form = {"body": "从共享页面发的评论", "csrfmiddlewaretoken": body["token"]}
    posted = li_client.post(f"/article/{article.pk}/comments/", form)
    assert posted.status_code == 302
    assert Comment.objects.get(body="从共享页面发的评论").user.username == "li"


def test_each_articles_parts_are_its_own_though_addresses_are_remembered(article, neighbour_comment, category):
    """/page-parts/ remembers what each address resolved to (yzgz.pagecache._resolve): one
    resident going from article to article still gets each one's own parts."""
    pagecache._resolved.clear()
    zhang_client, zhang = reader("zhang", "老张")
    pressed_everything(zhang, article, neighbour_comment)
    other = make_article(title="另一篇文章", category=category, author=article.author)
    for _round in range(2):  # resolved, then remembered
        assert len(parts(zhang_client, article.get_absolute_url())[1]["set"]) == 3
        assert parts(zhang_client, other.get_absolute_url())[1]["set"] == []
    remembered = pagecache._resolve(other.get_absolute_url())
    assert remembered is pagecache._resolve(other.get_absolute_url()) and remembered.kwargs == {"pk": other.pk}
    assert pagecache._resolve("/no-such-page/") is None
    before = len(pagecache._resolved)
    assert pagecache._resolve("/" + "x" * 300 + "/") is None and len(pagecache._resolved) == before, "not kept"


def test_the_home_page_parts_are_the_menu_alone():
    client, _user = reader("zhang", "老张")
    assert 'data-page="0"' in client.get("/", **EDGE).content.decode(), "nothing of theirs but the menu"
    response, body = parts(client, "/")
    assert NAME.search(body["menu"]).group(1) == "老张" and body["set"] == []
    assert body["reuse"] == 60, "site.js may reuse the menu and token for a minute on such pages"
    response, body = parts(client, "/no-such-page/")  # the 404 page's menu too
    assert response.status_code == 200 and NAME.search(body["menu"]).group(1) == "老张"


@pytest.mark.parametrize("why", ["banned", "waiting", "staff", "anonymous"])
def test_who_must_get_a_page_of_their_own_is_told_so_and_loses_the_cookie(why, article, moderator):
    client, user = reader("zhang", "老张")
    url = article.get_absolute_url()
    if why == "banned":
        Ban.objects.create(user=user, reason="恶意灌水", created_by=moderator)
    elif why == "waiting":
        Comment.objects.create(article=article, user=user, body="等待审核的评论", status=Comment.Status.PENDING)
    elif why == "staff":
        user.is_staff = True
        user.save()
    else:
        client.logout()
        client.cookies[EDGE_COOKIE] = "1"
        client.cookies["sessionid"] = "forged"
    response, body = parts(client, url)
    assert response.status_code == 200 and body == {"own": True}
    assert response.cookies[EDGE_COOKIE]["max-age"] == 0
    # And nginx's request for them (were the cookie still there) is their own page, never stored.
    response = client.get(url, **EDGE)
    assert "X-Accel-Expires" not in response
    html = response.content.decode()
    if why == "banned":
        assert "恶意灌水" in html
    if why == "waiting":
        assert "等待审核的评论" in html
    if why in {"banned", "waiting"}:
        assert response.cookies[EDGE_COOKIE]["max-age"] == 0


def test_a_change_reaches_the_residents_copy_at_once(article, resident):
    client, _user = reader("zhang")
    url = article.get_absolute_url()
    client.get(url, **EDGE)
    services.comment_post(article=article, user=resident, text="刚刚发表的新评论")
    assert "刚刚发表的新评论" in client.get(url, **EDGE).content.decode()
    article.title = "钧瓷文化节圆满闭幕"
    article.save()
    assert "钧瓷文化节圆满闭幕" in client.get(url, **EDGE).content.decode()


def test_the_shared_page_sets_the_cookie_and_a_write_sets_fresh(article):
    client = Client()
    client.force_login(make_user("zhang"))
    url = article.get_absolute_url()
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss" and response.cookies[EDGE_COOKIE].value == "1", (
        "given the shared page: nginx may serve it next"
    )
    cookie = response.cookies[EDGE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert EDGE_COOKIE not in client.get(url).cookies, "set once"
    posted = client.post(f"/article/{article.pk}/comments/", {"body": "刚写的评论，回来就要看到"})
    assert posted.status_code == 302
    assert posted.cookies[FRESH_COOKIE]["max-age"] == 12, "the page they come back to is the app servers'"


def test_logging_out_forgets_the_cookie(article):
    client, _user = reader("zhang")
    token = TOKEN.search(client.get("/").content.decode()).group(1)
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response.cookies[EDGE_COOKIE]["max-age"] == 0
    client.cookies.pop("sessionid", None)
    client.cookies[EDGE_COOKIE] = "1"
    assert client.get("/").cookies[EDGE_COOKIE]["max-age"] == 0, "no session: the cookie goes"


@pytest.mark.parametrize("path", ["", "article/1/", "//evil.example/", "https://evil.example/", "/" + "a" * 2001])
def test_a_path_that_is_not_a_page_of_the_site_is_a_400(path):
    client, _user = reader("zhang")
    response = client.get("/page-parts/", {"path": path})
    assert response.status_code == 400
    assert json.loads(response.content)["error"] == "这个地址不是本站的页面。"


def test_a_withdrawn_article_replaces_the_residents_copy_without_anyones_menu(article):
    from news.articles import services as articles

    client, _user = reader("zhang", "老张")
    url = article.get_absolute_url()
    client.get(url, **EDGE)
    articles.withdraw([article.pk], reason="核实有误")
    response = client.get(url, **EDGE)
    html = response.content.decode()
    assert response.status_code == 410 and response["X-Accel-Expires"] == "1"
    assert "老张" not in html and 'id="yz-user-menu"' in html
    assert not response.cookies


def test_tracking_parameters_are_never_handed_to_nginx(article):
    client, _user = reader("zhang", "老张")
    response = client.get(article.get_absolute_url() + "?from=groupmessage", **EDGE)
    assert "X-Accel-Expires" not in response and NAME.search(response.content.decode()).group(1) == "老张"


def test_the_edge_cookies_change_nothing_for_a_page_not_shared(article):
    """A resident's profile page is theirs: the header from nginx changes nothing there."""
    client, _user = reader("zhang", "老张")
    response = client.get("/accounts/profile/", **EDGE)
    assert "X-Accel-Expires" not in response and "老张" in response.content.decode()


@pytest.mark.parametrize("who", ["staff", "a message waiting"])
def test_a_404_is_shared_among_residents_only_when_it_is_a_plain_residents(who):
    client, user = reader("zhang", "老张")
    if who == "staff":
        user.is_staff = True
        user.save()
    else:
        session = client.session
        session["_messages"] = '[["__json_message",0,25,"你的资料已保存。"]]'
        session.save()
    response = client.get("/no-such-page/", **EDGE)
    assert response.status_code == 404 and "X-Accel-Expires" not in response
    plain, _user = reader("li", "小李")
    response = plain.get("/no-such-page/", **EDGE)
    assert response.status_code == 404 and response["X-Accel-Expires"] == "1"
    assert "小李" not in response.content.decode()


def scanned_rows(plan):
    """The rows every scan of an EXPLAIN (ANALYZE, FORMAT JSON) plan read (kept or filtered out), summed."""
    rows = 0
    if "Scan" in plan["Node Type"]:
        read = plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
        rows = read * plan.get("Actual Loops", 1)
    return rows + sum(scanned_rows(child) for child in plan.get("Plans", ()))


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's plan of the prepared statement")
def test_a_residents_parts_of_a_busy_article_do_not_read_its_comments(article, reporter):
    """The one statement of every resident's view of an article, as PostgreSQL runs it once it is
    prepared (a generic plan): on a busy article it must not read the article's comments to learn
    whether this resident has one waiting (the large data's busiest article has 2,522; reading
    them cost 0.4 ms a view, a fifth of what the app servers could serve)."""
    # As in the large data: many articles with a few comments each, one with hundreds, and a
    # resident who has written many (so PostgreSQL's estimates favour reading by article).
    wang = make_user("wang", nickname="老王")
    _client, zhang = reader("zhang", "老张")
    others = [
        make_article(title=f"另一篇{i}", body="<p>正文。</p>", category=article.category, author=reporter)
        for i in range(30)
    ]
    approved = Comment.Status.APPROVED
    Comment.objects.bulk_create(
        [Comment(article=article, user=wang, body=f"第{i}条", status=approved) for i in range(600)]
        + [
            Comment(article=other, user=zhang, body="别处的评论", status=approved)
            for other in others
            for _ in range(10)
        ]
        + [Comment(article=others[0], user=zhang, body="等待审核", status=Comment.Status.PENDING)]
    )
    request = RequestFactory().get("/page-parts/")
    request.user = zhang
    request.session = {}
    match = resolve(article.get_absolute_url())
    questions = [q for hook in member_hooks if (q := hook.own_query(request, match)) is not None]
    questions += [q for hook in member_hooks if (q := hook.edge_query(request, match)) is not None]
    sql = "SELECT " + ", ".join(f"({sql})" for sql, _params in questions)
    params = [param for _sql, params in questions for param in params]
    numbered = iter(range(1, len(params) + 1))
    sql = re.sub("%s", lambda _m: f"${next(numbered)}", sql)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE news_comment")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE parts_plan AS {sql}")
        try:
            cursor.execute(
                f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE parts_plan({', '.join(['%s'] * len(params))})", params
            )
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("DEALLOCATE parts_plan")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert scanned_rows(plan[0]["Plan"]) < 20, json.dumps(plan, indent=1)
