"""/api/v1/ as an app developer uses it: read articles, log in, post a comment, react.

The same rules as the site: only ``published()`` articles, pending comments to their author
alone, phone verification, bans, flood control, sensitive words and moderation modes; JSON
errors with a stable code and a Chinese message; cursors, ETags and 304s; rate limits; CORS
for the listed origins only; a constant number of queries per endpoint.
"""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Ban
from news.api.models import ApiToken
from news.articles.factories import make_article, make_category, make_source, make_user
from news.articles.models import Article, SiteSettings
from news.comments.models import Comment, SensitiveWord
from news.viewcounts.models import Reaction, ReactionVote

pytestmark = pytest.mark.django_db
API = "/api/v1"
PASSWORD = "demo-password-123"


def verified(user):
    user.phone = "+8613800138000"
    user.phone_verified_at = timezone.now()
    user.save()
    return user


def token_for(client, user, password=PASSWORD):
    response = client.post(f"{API}/auth/token", {"username": user.username, "password": password}, "application/json")
    assert response.status_code == 201, response.content
    return response.json()["token"]


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def site():
    site = SiteSettings.current()
    site.comment_moderation = "post_first"
    site.comment_min_interval = 0
    site.comments_require_phone = True
    site.save()
    return site


@pytest.fixture
def news(category, reporter):
    sub = make_category("夏都街道", slug="xiadu", parent=category)
    source = make_source("禹州市融媒体中心")
    now = timezone.now()
    public = [
        make_article(
            title=f"公开文章{i}",
            category=sub if i % 2 else category,
            author=reporter,
            source=source if i == 0 else None,
            tags=["钧瓷"] if i < 2 else [],
            published_at=now - timedelta(hours=i + 1),
        )
        for i in range(5)
    ]
    draft = make_article(title="未公开草稿", category=category, author=reporter, status=Article.Status.DRAFT)
    scheduled = make_article(
        title="定时发布的文章", category=category, author=reporter, published_at=now + timedelta(days=1)
    )
    withdrawn = make_article(
        title="已撤稿文章", category=category, author=reporter, status=Article.Status.WITHDRAWN, withdrawn_reason="有误"
    )
    return {"public": public, "hidden": [draft, scheduled, withdrawn], "sub": sub, "source": source}


# --- reading ------------------------------------------------------------------------------


def test_the_list_shows_public_articles_only_newest_first(client, news):
    response = client.get(f"{API}/articles")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    titles = [item["title"] for item in response.json()["items"]]
    assert titles == [f"公开文章{i}" for i in range(5)]


@pytest.mark.parametrize("which", [0, 1, 2])
def test_drafts_scheduled_and_withdrawn_articles_are_404(client, news, which):
    article = news["hidden"][which]
    response = client.get(f"{API}/articles/{article.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert article.title not in response.content.decode()
    assert client.get(f"{API}/articles/{article.pk}/comments").status_code == 404


def test_filters(client, news):
    def titles(query):
        response = client.get(f"{API}/articles?{query}")
        assert response.status_code == 200, response.content
        return [item["title"] for item in response.json()["items"]]

    assert titles("category=latest") == [f"公开文章{i}" for i in range(5)]  # with its sub-category
    assert titles("category=xiadu") == ["公开文章1", "公开文章3"]
    assert titles("tag=钧瓷".replace("钧瓷", news["public"][0].tags.get().slug)) == ["公开文章0", "公开文章1"]
    assert titles(f"source={news['source'].pk}") == ["公开文章0"]
    assert titles("publisher=reporter1") == [f"公开文章{i}" for i in range(5)]
    assert titles("publisher=nobody") == []
    today = timezone.localdate(news["public"][0].published_at).isoformat()
    assert "公开文章0" in titles(f"date_from={today}&date_to={today}")
    assert titles("date_to=2000-01-01") == []
    missing = client.get(f"{API}/articles?category=no-such")
    assert missing.status_code == 404
    assert missing.json()["code"] == "category_not_found"
    bad = client.get(f"{API}/articles?date_from=2024-13-45")
    assert bad.status_code == 400
    assert bad.json() == {"code": "bad_date", "message": "日期的格式是 YYYY-MM-DD。"}


def test_cursor_pages_are_stable_when_new_articles_arrive(client, news, category, reporter):
    first = client.get(f"{API}/articles?limit=2").json()
    assert [i["title"] for i in first["items"]] == ["公开文章0", "公开文章1"]
    make_article(title="刚发布的新闻", category=category, author=reporter)
    second = client.get(f"{API}/articles?limit=2&cursor={first['next_cursor']}").json()
    assert [i["title"] for i in second["items"]] == ["公开文章2", "公开文章3"]
    third = client.get(f"{API}/articles?limit=2&cursor={second['next_cursor']}").json()
    assert [i["title"] for i in third["items"]] == ["公开文章4"]
    assert third["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["x", "!!!", "MjAyNC0wMS0wMQ", "bm90fGF8Y3Vyc29y", "MjAyNC0wMS0wMVQwMDowMDowMHwtMQ"])
def test_a_cursor_the_list_did_not_give_is_a_400(client, news, cursor):
    response = client.get(f"{API}/articles?cursor={cursor}")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_cursor"


def test_detail_has_the_body_pictures_tags_counts_and_neighbours(client, news):
    article = news["public"][1]
    article.byline = "记者 王小明"
    article.save()
    data = client.get(f"{API}/articles/{article.pk}").json()
    assert data["title"] == "公开文章1"
    assert data["url"] == f"http://testserver/article/{article.pk}/"
    assert "禹州关注的测试正文" in data["body_html"]
    assert data["byline"] == "记者 王小明"
    assert data["publisher"] == {"username": "reporter1", "name": "reporter1"}
    assert data["tags"] == [{"name": "钧瓷", "slug": article.tags.get().slug}]
    assert data["category"]["slug"] == "xiadu"
    # Neighbours in its category (公开文章1 and 3 are in 夏都街道).
    assert data["neighbours"] == {"previous": {"id": news["public"][3].pk, "title": "公开文章3"}, "next": None}
    assert [r["name"] for r in data["reactions"]] == ["路过", "雷人", "握手", "鲜花", "鸡蛋"]
    assert data["comments_open"] is True


def test_detail_gives_a_gallery_and_a_video(client, news, media_root):
    """#20: apps get a 图集's pictures with their captions, and the lead video."""
    from django.core.files.base import ContentFile

    from news.articles.factories import make_image_bytes
    from news.articles.models import GalleryPicture

    article = news["public"][1]
    assert client.get(f"{API}/articles/{article.pk}").json()["kind"] == "article"
    Article.objects.filter(pk=article.pk).update(
        kind=Article.Kind.GALLERY, video_embed="https://www.bilibili.com/video/BV1xx411c7mD"
    )
    for order, caption in enumerate(["开幕式", "老街"]):
        picture = GalleryPicture(article=article, caption=caption, alt="" if order else "钧瓷艺人展示作品", order=order)
        picture.image.save(f"g{order}.jpg", ContentFile(make_image_bytes(900, 600, seed=order)), save=False)
        picture.save()
    data = client.get(f"{API}/articles/{article.pk}").json()
    assert data["kind"] == "gallery"
    assert [(p["caption"], p["alt"]) for p in data["gallery"]] == [("开幕式", "钧瓷艺人展示作品"), ("老街", "老街")]
    first = data["gallery"][0]
    assert first["url"].startswith("http://testserver/media/gallery/") and first["width"] == 900
    assert {r["width"] for r in first["renditions"]} == {400, 800, 900}
    assert data["video"] == {
        "source": "bilibili",
        "url": "https://player.bilibili.com/player.html?bvid=BV1xx411c7mD&p=1&autoplay=0",
        "page_url": "https://www.bilibili.com/video/BV1xx411c7mD",
        "poster": None,
        "width": None,
        "height": None,
        "duration": None,
    }


def test_categories_tags_sources_and_rankings(client, news):
    tree = client.get(f"{API}/categories").json()
    latest = next(c for c in tree if c["slug"] == "latest")
    assert [c["slug"] for c in latest["children"]] == ["xiadu"]
    tags = client.get(f"{API}/tags").json()
    assert [(t["name"], t["count"]) for t in tags] == [("钧瓷", 2)]
    assert client.get(f"{API}/sources").json()[0]["name"] == "禹州市融媒体中心"
    rankings = client.get(f"{API}/rankings?period=week").json()
    assert rankings["period"] == "week"
    assert client.get(f"{API}/rankings?period=year").status_code == 422


# --- residents ------------------------------------------------------------------------------


def test_a_resident_logs_in_posts_a_comment_and_reads_it_back(client, news, site, resident):
    verified(resident)
    article = news["public"][0]
    token = token_for(client, resident)
    me = client.get(f"{API}/me", **bearer(token)).json()
    assert me["can_comment"] is True
    response = client.post(
        f"{API}/articles/{article.pk}/comments",
        {"text": "钧瓷文化节什么时候开始？"},
        "application/json",
        **bearer(token),
    )
    assert response.status_code == 201, response.content
    posted = response.json()
    assert posted["comment"]["status"] == "approved"
    assert posted["message"] == "评论已发表。"
    comment = Comment.objects.get()
    assert (comment.user, comment.article, comment.body) == (resident, article, "钧瓷文化节什么时候开始？")
    assert Article.objects.get(pk=article.pk).comment_count == 1
    listed = client.get(f"{API}/articles/{article.pk}/comments").json()
    assert [c["text"] for c in listed["items"]] == ["钧瓷文化节什么时候开始？"]
    reply = client.post(
        f"{API}/articles/{article.pk}/comments",
        {"text": "下个月，在钧官窑址。", "parent_id": comment.pk},
        "application/json",
        **bearer(token),
    )
    assert reply.status_code == 201
    thread = client.get(f"{API}/articles/{article.pk}/comments").json()["items"][0]
    assert [r["text"] for r in thread["replies"]] == ["下个月，在钧官窑址。"]


def test_the_sites_rules_hold_with_stable_codes(client, news, site, resident, moderator):
    article = news["public"][0]
    token = token_for(client, resident)

    def post(text, **headers):
        return client.post(f"{API}/articles/{article.pk}/comments", {"text": text}, "application/json", **headers)

    unverified = post("没有绑定手机号的评论", **bearer(token))
    assert (unverified.status_code, unverified.json()["code"]) == (403, "phone_required")
    assert "手机号" in unverified.json()["message"]
    verified(resident)
    assert post("第一条评论的内容", **bearer(token)).status_code == 201
    duplicate = post("第一条评论的内容", **bearer(token))
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "comment_duplicate")
    SensitiveWord.objects.create(word="违禁词", action=SensitiveWord.Action.BLOCK)
    blocked = post("这里有违禁词啊", **bearer(token))
    assert (blocked.status_code, blocked.json()["code"]) == (400, "sensitive_words")
    short = post("好", **bearer(token))
    assert (short.status_code, short.json()["code"]) == (400, "comment_too_short")
    site.comment_min_interval = 60
    site.save()
    assert post("第二条评论的内容", **bearer(token)).status_code == 201
    fast = post("第三条评论的内容", **bearer(token))
    assert (fast.status_code, fast.json()["code"]) == (429, "comment_too_fast")
    assert fast.json()["message"].startswith("评论太快了")
    Ban.objects.create(user=resident, reason="辱骂他人", created_by=moderator)
    banned = post("被禁言后的评论", **bearer(token))
    assert (banned.status_code, banned.json()["code"]) == (403, "banned")
    assert Comment.objects.filter(user=resident).count() == 2
    anonymous = post("没有令牌的评论")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "token_required")
    assert anonymous["WWW-Authenticate"] == "Bearer"


def test_pending_comments_are_seen_by_their_author_only(client, news, site, resident):
    verified(resident)
    site.comment_moderation = "review_first"
    site.save()
    article = news["public"][0]
    token = token_for(client, resident)
    response = client.post(
        f"{API}/articles/{article.pk}/comments", {"text": "等待审核的评论"}, "application/json", **bearer(token)
    )
    assert response.json()["comment"]["status"] == "pending"
    assert "审核" in response.json()["message"]
    assert client.get(f"{API}/articles/{article.pk}/comments").json()["items"] == []
    mine = client.get(f"{API}/articles/{article.pk}/comments", **bearer(token)).json()["items"]
    assert [(c["text"], c["status"]) for c in mine] == [("等待审核的评论", "pending")]
    other = token_for(client, make_user("邻居"))
    assert client.get(f"{API}/articles/{article.pk}/comments", **bearer(other)).json()["items"] == []
    status = client.get(f"{API}/me/comments", **bearer(token)).json()["items"]
    assert [(c["status"], c["status_label"]) for c in status] == [("pending", "待审核")]


def test_react_moves_the_residents_one_reaction(client, news, resident):
    article = news["public"][0]
    token = token_for(client, resident)
    flowers, eggs = Reaction.objects.get(name="鲜花"), Reaction.objects.get(name="鸡蛋")
    url = f"{API}/articles/{article.pk}/reactions"
    first = client.post(url, {"reaction_id": flowers.pk}, "application/json", **bearer(token)).json()
    assert first["chosen"] == flowers.pk
    assert {r["name"]: r["count"] for r in first["reactions"]}["鲜花"] == 1
    client.post(url, {"reaction_id": eggs.pk}, "application/json", **bearer(token))
    assert ReactionVote.objects.get(article=article).reaction == eggs
    unknown = client.post(url, {"reaction_id": 99999}, "application/json", **bearer(token))
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_reaction")
    own = token_for(client, article.author)
    assert client.post(url, {"reaction_id": eggs.pk}, "application/json", **bearer(own)).json()["code"] == "own_article"


def test_tokens_are_stored_hashed_revocable_and_listed_on_the_profile(client, news, resident):
    token = token_for(client, resident)
    row = ApiToken.objects.get()
    assert token not in (row.key_hash, row.prefix) and token.startswith(row.prefix)
    assert client.get(f"{API}/me", **bearer(token)).status_code == 200
    client.force_login(resident)
    page = client.get("/accounts/profile/").content.decode()
    assert "应用和设备" in page and f"/accounts/api-tokens/{row.pk}/revoke/" in page
    response = client.post(f"/accounts/api-tokens/{row.pk}/revoke/")
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    client.logout()
    gone = client.get(f"{API}/me", **bearer(token))
    assert (gone.status_code, gone.json()["code"]) == (401, "token_invalid")


def test_a_resident_cannot_revoke_anothers_token(client, resident):
    other = make_user("邻居")
    token_for(client, other)
    client.force_login(resident)
    client.post(f"/accounts/api-tokens/{ApiToken.objects.get().pk}/revoke/")
    assert ApiToken.objects.filter(user=other).exists()


def test_delete_revokes_the_token_it_carries(client, resident):
    token = token_for(client, resident)
    assert client.delete(f"{API}/auth/token", **bearer(token)).status_code == 204
    assert client.get(f"{API}/me", **bearer(token)).status_code == 401


def test_wrong_password_then_the_sites_throttle(client, resident):
    for _ in range(5):
        wrong = client.post(f"{API}/auth/token", {"username": "resident1", "password": "wrong"}, "application/json")
        assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid_credentials")
    locked = client.post(f"{API}/auth/token", {"username": "resident1", "password": PASSWORD}, "application/json")
    assert locked.status_code == 429
    assert locked.json()["code"] == "login_throttled"
    assert int(locked["Retry-After"]) > 0
    assert not ApiToken.objects.exists()
    # The site's own login page counts the same failures.
    page = client.post("/accounts/login/", {"username": "resident1", "password": PASSWORD})
    assert page.status_code == 429


# --- HTTP ------------------------------------------------------------------------------------


def test_etag_and_last_modified_give_304s(client, news):
    first = client.get(f"{API}/articles/{news['public'][0].pk}")
    assert first["Cache-Control"] == "public, max-age=30"
    assert first.has_header("ETag") and first.has_header("Last-Modified")
    again = client.get(f"{API}/articles/{news['public'][0].pk}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    since = client.get(f"{API}/articles", HTTP_IF_MODIFIED_SINCE=client.get(f"{API}/articles")["Last-Modified"])
    assert since.status_code == 304


def test_an_edit_reaches_cached_anonymous_answers(client, news, settings):
    settings.API_CACHE_SECONDS = 300
    SiteSettings.current()  # the row exists on a running site (creating it makes every page stale)
    article = news["public"][0]
    assert client.get(f"{API}/articles/{article.pk}").json()["title"] == "公开文章0"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{API}/articles/{article.pk}").json()["title"] == "公开文章0"
    assert len(queries) == 0  # from the cache
    article.title = "改过的标题"
    article.save()
    assert client.get(f"{API}/articles/{article.pk}").json()["title"] == "改过的标题"
    assert client.get(f"{API}/articles").json()["items"][0]["title"] == "改过的标题"
    article.status = Article.Status.WITHDRAWN
    article.withdrawn_reason = "撤稿"
    article.save()
    assert client.get(f"{API}/articles/{article.pk}").status_code == 404


def test_rate_limit_per_address_and_per_token(client, news, resident, settings):
    settings.API_RATE_PER_IP = 3
    settings.API_RATE_PER_TOKEN = 4
    for _ in range(3):
        assert client.get(f"{API}/sources").status_code == 200
    limited = client.get(f"{API}/sources")
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    other = client.get(f"{API}/sources", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200
    token = ApiToken.issue(resident)[0]
    assert [client.get(f"{API}/me", **bearer(token)).status_code for _ in range(5)] == [200] * 4 + [429]


def test_cors_only_for_listed_origins(client, news, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://m.yzgz.example"]
    allowed = client.get(f"{API}/articles", HTTP_ORIGIN="https://m.yzgz.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://m.yzgz.example"
    other = client.get(f"{API}/articles", HTTP_ORIGIN="https://evil.example")
    assert not other.has_header("Access-Control-Allow-Origin")
    page = client.get("/", HTTP_ORIGIN="https://m.yzgz.example")
    assert not page.has_header("Access-Control-Allow-Origin")
    preflight = client.options(
        f"{API}/articles/1/comments",
        HTTP_ORIGIN="https://m.yzgz.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert preflight.status_code == 200
    assert "authorization" in preflight["Access-Control-Allow-Headers"]


@pytest.mark.parametrize(
    ("method", "url", "status", "code"),
    [
        ("get", "/api/v1/nothing-here", 404, "not_found"),
        ("get", "/api/v2/articles", 404, "not_found"),
        ("put", "/api/v1/articles", 405, "method_not_allowed"),
        ("get", "/api/v1/articles?limit=abc", 422, "invalid_input"),
        ("get", "/api/v1/articles?limit=500", 422, "invalid_input"),
        ("get", "/api/v1/articles/99999999999999999999", 404, "not_found"),
        ("get", "/api/v1/search?q=%00", 400, "nul_character"),
    ],
)
def test_errors_are_json_with_a_code_and_a_chinese_message(client, news, method, url, status, code):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "bad_request"),
        (b'{"text": 5}', "invalid_input"),
        (b'{"text": "\\u0000\\u0000\\u0000"}', "invalid_input"),
        (b"[]", "invalid_input"),
        (b'{"text": "' + "长".encode() * 5000 + b'"}', "comment_too_long"),
    ],
)
def test_bad_bodies_are_4xx_and_save_nothing(client, news, site, resident, body, code):
    token = token_for(client, verified(resident))
    response = client.post(
        f"{API}/articles/{news['public'][0].pk}/comments", body, content_type="application/json", **bearer(token)
    )
    assert 400 <= response.status_code < 500
    assert response.json()["code"] == code
    assert not Comment.objects.exists()


def test_nul_in_login_is_refused_before_the_database(client, resident):
    response = client.post(f"{API}/auth/token", {"username": "resident1\x00", "password": "x"}, "application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


# --- query budgets --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        ("/articles?limit=50", 1),
        ("/articles?category=latest&tag=x&limit=50", 2),
        ("/articles/{pk}", 4),
        ("/articles/{pk}/comments?limit=50", 3),
        ("/categories", 1),
        ("/tags", 1),
        ("/sources", 1),
        ("/search?q=公开文章&limit=50", 4),  # 3 on SQLite; PostgreSQL counts matches apart
    ],
)
def test_each_endpoint_has_a_constant_query_budget(client, news, site, url, budget, settings):
    settings.API_CACHE_SECONDS = 0
    article = news["public"][0]
    users = [make_user(f"居民{i}") for i in range(12)]
    for i, user in enumerate(users):
        parent = Comment.objects.create(article=article, user=user, body=f"评论{i}", status="approved")
        Comment.objects.create(article=article, user=users[-1 - i], body=f"回复{i}", status="approved", parent=parent)
    client.get(API + url.format(pk=article.pk))  # warm the site settings, reactions and category tree
    with CaptureQueriesContext(connection) as queries:
        response = client.get(API + url.format(pk=article.pk))
    assert response.status_code == 200
    assert len(queries) <= budget, [q["sql"] for q in queries]


def test_every_parameter_and_field_is_described_in_chinese_and_english(client):
    schema = client.get(f"{API}/openapi.json").json()

    def bilingual(text):
        return bool(text) and re.search(r"[\u4e00-\u9fff]", text) and re.search(r"[A-Za-z]{2}", text)

    missing = [
        f"{method} {path} {parameter['name']}"
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        for parameter in operation.get("parameters", [])
        if not bilingual(parameter.get("description") or parameter.get("schema", {}).get("description"))
    ]
    missing += [
        f"{name}.{field}"
        for name, component in schema["components"]["schemas"].items()
        for field, spec in component.get("properties", {}).items()
        if not bilingual(spec.get("description"))
    ]
    missing += [
        f"{method} {path}"
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if not (bilingual(operation.get("summary")) and bilingual(operation.get("description")))
    ]
    assert not missing
    assert client.get(f"{API}/docs").status_code == 200
    assert "cdn" not in client.get(f"{API}/docs").content.decode().lower()


def test_search_ranks_and_filters_as_the_site_does(client, news):
    def titles(query):
        response = client.get(f"{API}/search?{query}")
        assert response.status_code == 200, response.content
        return [item["title"] for item in response.json()["items"]]

    assert sorted(titles("q=公开文章")) == sorted(f"公开文章{i}" for i in range(5))
    assert sorted(titles("q=公开文章&category=xiadu")) == ["公开文章1", "公开文章3"]
    assert titles("q=公开文章&date_to=2000-01-01") == []
    site = client.get("/search/?q=公开文章&category=xiadu").content.decode()
    assert all(title in site for title in ("公开文章1", "公开文章3")) and "公开文章0" not in site
    assert client.get(f"{API}/search?q=公开文章&category=nothing").json()["code"] == "category_not_found"
    assert client.get(f"{API}/search?q=公开文章&date_from=2024-02-30").json()["code"] == "bad_date"
    assert client.get(f"{API}/search?q=草稿").json()["items"] == []  # the draft's title: never found


def test_a_new_comment_reaches_the_cached_anonymous_comment_list(client, news, site, resident, settings):
    settings.API_CACHE_SECONDS = 300
    article = news["public"][0]
    url = f"{API}/articles/{article.pk}/comments"
    assert client.get(url).json()["items"] == []
    token = token_for(client, verified(resident))
    client.post(url, {"text": "缓存之后的新评论"}, "application/json", **bearer(token))
    assert [c["text"] for c in client.get(url).json()["items"]] == ["缓存之后的新评论"]
    assert client.get(f"{API}/articles/{article.pk}").json()["comment_count"] == 1


def test_the_body_has_absolute_addresses_and_its_pictures_are_listed(client, news):
    article = news["public"][0]
    body = (
        '<p>钧瓷<a href="/article/1/">上一篇</a></p><figure><img src="/media/body/2024/a.jpg" width="1600"'
        ' height="900" alt="钧官窑址" srcset="/media/renditions/body/2024/a-400w.webp 400w,'
        ' /media/renditions/body/2024/a-800w.webp 800w"></figure><img src="https://example.cn/x.png" alt="">'
    )
    Article.objects.filter(pk=article.pk).update(body_html=body)
    data = client.get(f"{API}/articles/{article.pk}").json()
    assert 'href="http://testserver/article/1/"' in data["body_html"]
    assert 'src="http://testserver/media/body/2024/a.jpg"' in data["body_html"]
    assert "http://testserver/media/renditions/body/2024/a-800w.webp 800w" in data["body_html"]
    first, second = data["pictures"]
    assert first == {
        "url": "http://testserver/media/body/2024/a.jpg",
        "width": 1600,
        "height": 900,
        "alt": "钧官窑址",
        "renditions": [
            {"url": "http://testserver/media/renditions/body/2024/a-400w.webp", "width": 400, "format": "webp"},
            {"url": "http://testserver/media/renditions/body/2024/a-800w.webp", "width": 800, "format": "webp"},
        ],
    }
    assert second["url"] == "https://example.cn/x.png" and second["width"] is None


def test_pictures_of_a_rendered_body_have_both_formats(client, news, media_root):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from news.articles.body import render_body
    from news.articles.factories import make_image_bytes
    from yzgz import images

    name = "body/2026/12/juntai.jpg"
    default_storage.save(name, ContentFile(make_image_bytes(1000, 500)))
    images.ensure_renditions(name)
    article = news["public"][0]
    rendered = render_body(f'<p><img src="/media/{name}" alt="钧台"></p>')
    assert "<picture>" in rendered
    Article.objects.filter(pk=article.pk).update(body_html=rendered)
    (picture,) = client.get(f"{API}/articles/{article.pk}").json()["pictures"]
    # The <img> the site renders points at the 800 px JPEG (the fallback for old browsers).
    assert picture["url"] == "http://testserver/media/renditions/body/2026/12/juntai-800w.jpg"
    assert (picture["width"], picture["height"], picture["alt"]) == (1000, 500, "钧台")
    assert {(r["format"], r["width"]) for r in picture["renditions"]} == {
        ("webp", 400),
        ("webp", 800),
        ("webp", 1000),
        ("jpg", 400),
        ("jpg", 800),
        ("jpg", 1000),
    }


def test_made_up_tokens_count_against_their_address(client, news, resident, settings):
    settings.API_RATE_PER_IP = 3
    for n in range(3):
        assert client.get(f"{API}/me", **bearer(f"yz_made-up-{n}")).status_code == 401
    limited = client.get(f"{API}/me", **bearer("yz_made-up-again"))
    assert (limited.status_code, limited.json()["code"]) == (429, "rate_limited")
    # A real token from another address is not held back by them.
    token = ApiToken.issue(resident)[0]
    assert client.get(f"{API}/me", REMOTE_ADDR="10.0.0.7", **bearer(token)).status_code == 200


def test_the_schema_has_no_repeated_keys(client):
    """Python's json keeps the last of two equal keys; Swagger UI refuses the schema."""

    def refuse_repeats(pairs):
        keys = [key for key, _value in pairs]
        assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
        return dict(pairs)

    json.loads(client.get(f"{API}/openapi.json").content, object_pairs_hook=refuse_repeats)


def test_my_comments_keep_a_withdrawn_articles_title_to_themselves(client, news, site, resident):
    article = news["public"][0]
    Comment.objects.create(article=article, user=resident, body="撤稿之前的评论", status="approved")
    token = token_for(client, resident)
    assert client.get(f"{API}/me/comments", **bearer(token)).json()["items"][0]["article"] == {
        "id": article.pk,
        "title": "公开文章0",
        "public": True,
    }
    article.status, article.withdrawn_reason = Article.Status.WITHDRAWN, "内容有误"
    article.save()
    (mine,) = client.get(f"{API}/me/comments", **bearer(token)).json()["items"]
    assert mine["article"] == {"id": article.pk, "title": "", "public": False}
    assert mine["text"] == "撤稿之前的评论"


def test_detail_gives_our_own_video_with_its_poster(client, news, media_root):
    from django.core.files.base import ContentFile
    from django.core.files.uploadedfile import SimpleUploadedFile

    from news.articles import video
    from news.articles.factories import make_video_bytes

    clip = make_video_bytes(seconds=2, width=320, height=180, seed=4)
    info = video.probe(SimpleUploadedFile("clip.mp4", clip))
    article = news["public"][1]
    article.video = ContentFile(clip, name="opening.mp4")
    article.video_poster = video.poster_from_frame(info.frame, "opening.mp4")
    article.video_width, article.video_height, article.video_duration = info.width, info.height, info.duration
    article.save()
    got = client.get(f"{API}/articles/{article.pk}").json()["video"]
    assert got["source"] == "file" and got["page_url"] is None
    assert got["url"].startswith("http://testserver/media/videos/") and got["url"].endswith(".mp4")
    assert (got["width"], got["height"]) == (320, 180) and 1.9 <= got["duration"] <= 2.1
    assert got["poster"]["url"].startswith("http://testserver/media/posters/")
