"""Every /api/v1/ operation x every role, with tokens: the status each gets and what it may write.

Operations come from the API's own OpenAPI schema, so an endpoint added without a row in
``RULES`` fails ``test_every_operation_has_a_rule``. Roles: anonymous (no token), a resident
with a verified mobile number, one without, a banned resident, a reporter (who wrote the
article), a moderator and an editor. The site requires a verified number to comment.
A refusal writes no row; no answer to anyone carries the unpublished draft's title.
"""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import Ban
from accounts.roles import EDITOR, MODERATOR, REPORTER
from news.api.api import api
from news.api.models import ApiToken
from news.articles.factories import make_article, make_category, make_user
from news.articles.models import Article, SiteSettings
from news.comments.models import Comment
from news.viewcounts.models import Reaction, ReactionVote

pytestmark = pytest.mark.django_db

ANONYMOUS, RESIDENT, UNVERIFIED, BANNED = "anonymous", "resident", "unverified", "banned"
REPORTER1, MODERATOR1, EDITOR1 = "reporter", "moderator", "editor"
ROLES = (ANONYMOUS, RESIDENT, UNVERIFIED, BANNED, REPORTER1, MODERATOR1, EDITOR1)
DRAFT_TITLE = "接口矩阵未公开草稿"
PASSWORD = "demo-password-123"


def everyone(status, **exceptions):
    return {role: exceptions.get(role, status) for role in ROLES}


def with_token(status, anonymous=401, **exceptions):
    return everyone(status, anonymous=anonymous, **exceptions)


def comments(ctx):
    return Comment.objects.count()


def votes(ctx):
    return ReactionVote.objects.count()


def tokens(ctx):
    return ApiToken.objects.count()


# (method, path as in the schema) -> [(label, url, body, {role: status}, state)]
RULES = {
    ("get", "/api/v1/articles"): [("list", "/api/v1/articles", None, everyone(200), None)],
    ("get", "/api/v1/articles/{article_id}"): [
        ("published", "/api/v1/articles/{published}", None, everyone(200), None),
        ("draft", "/api/v1/articles/{draft}", None, everyone(404), None),
    ],
    ("get", "/api/v1/articles/{article_id}/comments"): [
        ("published", "/api/v1/articles/{published}/comments", None, everyone(200), None),
        ("draft", "/api/v1/articles/{draft}/comments", None, everyone(404), None),
    ],
    ("post", "/api/v1/articles/{article_id}/comments"): [
        (
            "published",
            "/api/v1/articles/{published}/comments",
            {"text": "接口矩阵的评论 {role}"},
            with_token(201, unverified=403, banned=403),
            comments,
        ),
        ("draft", "/api/v1/articles/{draft}/comments", {"text": "草稿下的评论"}, with_token(404), comments),
    ],
    ("post", "/api/v1/articles/{article_id}/reactions"): [
        ("published", "/api/v1/articles/{published}/reactions", "reaction", with_token(200, reporter=403), votes),
        ("draft", "/api/v1/articles/{draft}/reactions", "reaction", with_token(404), votes),
    ],
    ("get", "/api/v1/categories"): [("", "/api/v1/categories", None, everyone(200), None)],
    ("get", "/api/v1/tags"): [("", "/api/v1/tags", None, everyone(200), None)],
    ("get", "/api/v1/sources"): [("", "/api/v1/sources", None, everyone(200), None)],
    ("get", "/api/v1/rankings"): [("", "/api/v1/rankings?period=all", None, everyone(200), None)],
    ("get", "/api/v1/search"): [("", "/api/v1/search?q=接口矩阵", None, everyone(200), None)],
    ("get", "/api/v1/me"): [("", "/api/v1/me", None, with_token(200), None)],
    ("get", "/api/v1/me/comments"): [("", "/api/v1/me/comments", None, with_token(200), None)],
    ("post", "/api/v1/auth/token"): [("", "/api/v1/auth/token", "credentials", with_token(201, anonymous=400), tokens)],
    ("delete", "/api/v1/auth/token"): [("", "/api/v1/auth/token", None, with_token(204), tokens)],
}


@pytest.fixture
def world(db):
    site = SiteSettings.current()
    site.comments_require_phone = True
    site.comment_moderation = "post_first"
    site.comment_min_interval = 0
    site.save()
    users = {
        RESIDENT: make_user("接口居民"),
        UNVERIFIED: make_user("接口未实名"),
        BANNED: make_user("接口禁言"),
        REPORTER1: make_user("接口记者", role=REPORTER),
        MODERATOR1: make_user("接口审核", role=MODERATOR),
        EDITOR1: make_user("接口编辑", role=EDITOR),
    }
    for number, (role, user) in enumerate(users.items()):
        if role != UNVERIFIED:
            user.phone, user.phone_verified_at = f"+861380013800{number}", timezone.now()
            user.save()
    Ban.objects.create(user=users[BANNED], reason="矩阵测试")
    category = make_category("接口矩阵栏目", slug="api-matrix")
    published = make_article(title="接口矩阵公开文章", category=category, author=users[REPORTER1])
    draft = make_article(title=DRAFT_TITLE, category=category, author=users[REPORTER1], status=Article.Status.DRAFT)
    Comment.objects.create(article=published, user=users[RESIDENT], body="只给作者看的待审评论", status="pending")
    tokens = {role: ApiToken.issue(user, "矩阵")[0] for role, user in users.items()}
    ids = {"published": published.pk, "draft": draft.pk}
    return SimpleNamespace(users=users, tokens=tokens, ids=ids)


def cases():
    for (method, _path), probes in RULES.items():
        for label, url, body, expect, state in probes:
            for role in ROLES:
                yield pytest.param(method, url, body, expect[role], state, role, id=f"{method} {url} {label} - {role}")


def test_every_operation_has_a_rule():
    schema = api.get_openapi_schema()
    operations = {(method, path) for path, methods in schema["paths"].items() for method in methods}
    assert operations == set(RULES)


@pytest.mark.parametrize(("method", "url", "body", "status", "state", "role"), list(cases()))
def test_operation(client, world, method, url, body, status, state, role):
    headers = {} if role == ANONYMOUS else {"HTTP_AUTHORIZATION": f"Bearer {world.tokens[role]}"}
    url = url.format_map(world.ids)
    if body == "reaction":
        body = {"reaction_id": Reaction.objects.filter(is_active=True).first().pk}
    elif body == "credentials":
        user = world.users.get(role)
        body = {"username": user.username if user else "nobody", "password": PASSWORD}
    elif isinstance(body, dict):
        body = {k: v.format(role=role) for k, v in body.items()}
    before = state(None) if state else None
    if method == "get":
        response = client.get(url, **headers)
    elif method == "delete":
        response = client.delete(url, **headers)
    else:
        response = client.post(url, body, "application/json", **headers)
    assert response.status_code == status, (role, response.content.decode())
    text = response.content.decode()
    assert DRAFT_TITLE not in text
    if status >= 400:
        assert response.json()["code"], text
        if state:
            assert state(None) == before, f"{role} was refused ({status}) but something was written"
    elif state and method != "get":
        assert state(None) != before, f"{role} got {status} but nothing changed"
    if "/comments" in url and method == "get" and status == 200:
        pending_shown = "只给作者看的待审评论" in text
        assert pending_shown == (role == RESIDENT), role
