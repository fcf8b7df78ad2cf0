"""WeChat share cards: the JS-SDK signature (WeChat's published example), the access token and
jsapi_ticket from a fake WeChat API on 127.0.0.1 (a real HTTP server), the signature endpoint,
and what an article page loads and allows when WeChat is configured and when it is not."""

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from news.articles import wechat
from news.articles.models import SiteSettings

pytestmark = pytest.mark.django_db

APP_ID = "wx1234567890abcdef"
SECRET = "s3cr3t-app-secret-value"
BASE = "http://testserver"

# WeChat JS-SDK documentation, 附录1 (JS-SDK使用权限签名算法): the published example.
DOC_TICKET = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
DOC_NONCE = "Wm3WZYTPz0wzccnW"
DOC_TIMESTAMP = 1414587457


# --- a fake WeChat API ----------------------------------------------------------------------


class FakeWeChat:
    """``/cgi-bin/token`` and ``/cgi-bin/ticket/getticket`` as WeChat answers them, on 127.0.0.1."""

    def __init__(self):
        self.calls = []
        self.delay = 0.0
        self.token_answers = []  # queued answers; then a fresh token each time
        self.ticket_answers = []
        self.issued = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with fake.lock:
                    fake.calls.append((parts.path, query))
                time.sleep(fake.delay)
                body = fake.answer(parts.path, query)
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, path, query):
        with self.lock:
            if path == "/cgi-bin/token":
                if query.get("appid") != APP_ID or query.get("secret") != SECRET:
                    return {"errcode": 40013, "errmsg": "invalid appid"}
                if self.token_answers:
                    return self.token_answers.pop(0)
                self.issued += 1
                return {"access_token": f"TOKEN-{self.issued}", "expires_in": 7200}
            if path == "/cgi-bin/ticket/getticket":
                if query.get("type") != "jsapi" or not query.get("access_token", "").startswith("TOKEN-"):
                    return {"errcode": 40001, "errmsg": "invalid credential"}
                if self.ticket_answers:
                    return self.ticket_answers.pop(0)
                return {
                    "errcode": 0,
                    "errmsg": "ok",
                    "ticket": "TICKET-for-" + query["access_token"],
                    "expires_in": 7200,
                }
            return {"errcode": -1, "errmsg": "no such api"}

    def paths(self):
        return [path for path, _query in self.calls]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_wechat(settings):
    fake = FakeWeChat()
    settings.WECHAT_API_BASE = fake.url
    settings.WECHAT_APP_SECRET = SECRET
    yield fake
    fake.close()


@pytest.fixture
def configured(fake_wechat):
    site = SiteSettings.current()
    site.wechat_app_id = APP_ID
    site.save()
    return fake_wechat


def sha1(text):
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - WeChat's algorithm


# --- the signature --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # The example as WeChat's documentation publishes it today, and its earlier edition.
        ("http://mp.weixin.qq.com?params=value", "0f9de62fce790f9a083d5c99e95740ceb90c27ed"),
        ("http://mp.weixin.qq.com", "f4d90daf4b3bca3078ab155816175ba34c443a7b"),
    ],
)
def test_signature_matches_wechats_published_example(url, expected):
    assert wechat.signature(jsapi_ticket=DOC_TICKET, noncestr=DOC_NONCE, timestamp=DOC_TIMESTAMP, url=url) == expected


def test_sign_drops_the_fragment_and_uses_the_ticket(configured):
    config = wechat.sign("http://mp.weixin.qq.com?params=value#comments", APP_ID, now=DOC_TIMESTAMP, nonce=DOC_NONCE)
    ticket = "TICKET-for-TOKEN-1"
    assert config == {
        "appId": APP_ID,
        "timestamp": DOC_TIMESTAMP,
        "nonceStr": DOC_NONCE,
        "signature": sha1(
            f"jsapi_ticket={ticket}&noncestr={DOC_NONCE}&timestamp={DOC_TIMESTAMP}&url=http://mp.weixin.qq.com?params=value"
        ),
    }


# --- the token and the ticket ----------------------------------------------------------------


def test_token_and_ticket_are_fetched_once_then_served_from_the_cache(configured):
    first = wechat.jsapi_ticket(APP_ID)
    second = wechat.jsapi_ticket(APP_ID)
    assert first == second == "TICKET-for-TOKEN-1"
    assert configured.paths() == ["/cgi-bin/token", "/cgi-bin/ticket/getticket"]
    token_call = configured.calls[0][1]
    assert token_call == {"grant_type": "client_credential", "appid": APP_ID, "secret": SECRET}
    assert configured.calls[1][1] == {"access_token": "TOKEN-1", "type": "jsapi"}


def test_token_and_ticket_are_kept_until_shortly_before_they_expire(configured):
    before = time.time()
    wechat.jsapi_ticket(APP_ID)
    for kind in ("access-token", "jsapi-ticket"):
        expires = cache._expire_info[cache.make_and_validate_key(f"wechat:{kind}:{APP_ID}")]  # local memory cache
        assert 7200 - wechat.EXPIRY_MARGIN_SECONDS - 5 <= expires - before <= 7200 - wechat.EXPIRY_MARGIN_SECONDS + 5


def test_an_expired_ticket_is_fetched_again_with_the_cached_token(configured):
    wechat.jsapi_ticket(APP_ID)
    cache.delete(f"wechat:jsapi-ticket:{APP_ID}")  # as when its time in the cache is up
    assert wechat.jsapi_ticket(APP_ID) == "TICKET-for-TOKEN-1"
    assert configured.paths() == ["/cgi-bin/token", "/cgi-bin/ticket/getticket", "/cgi-bin/ticket/getticket"]


def test_a_token_replaced_elsewhere_is_fetched_anew_once(configured):
    cache.set(f"wechat:access-token:{APP_ID}", "TOKEN-stale", 600)
    configured.ticket_answers = [{"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}]
    assert wechat.jsapi_ticket(APP_ID) == "TICKET-for-TOKEN-1"
    assert configured.paths() == ["/cgi-bin/ticket/getticket", "/cgi-bin/token", "/cgi-bin/ticket/getticket"]


def test_parallel_requests_fetch_the_ticket_once(configured):
    configured.delay = 0.3  # WeChat takes a moment: the other requests arrive meanwhile
    results, errors = [], []

    def ask():
        try:
            results.append(wechat.jsapi_ticket(APP_ID))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert results == ["TICKET-for-TOKEN-1"] * 6
    assert configured.paths() == ["/cgi-bin/token", "/cgi-bin/ticket/getticket"]


@pytest.mark.parametrize(
    "answers",
    [
        {"token_answers": [{"errcode": 40164, "errmsg": "invalid ip, not in whitelist"}]},
        {"ticket_answers": [{"errcode": 45009, "errmsg": "reach max api daily quota limit"}]},
        {"token_answers": [{"expires_in": 7200}]},  # no token at all
    ],
)
def test_wechat_errors_raise_and_cache_nothing(configured, answers):
    for name, value in answers.items():
        setattr(configured, name, value)
    with pytest.raises(wechat.WeChatError):
        wechat.jsapi_ticket(APP_ID)
    assert cache.get(f"wechat:jsapi-ticket:{APP_ID}") is None
    assert cache.get(f"wechat:lock:{APP_ID}") is None


def test_a_failure_is_remembered_for_a_minute_then_wechat_is_asked_again(configured):
    configured.token_answers = [{"errcode": 40164, "errmsg": "invalid ip, not in whitelist"}]
    with pytest.raises(wechat.WeChatError):
        wechat.jsapi_ticket(APP_ID)
    asked = len(configured.calls)
    for _ in range(5):  # every page opened in WeChat meanwhile: no call spends the daily quota
        with pytest.raises(wechat.WeChatError):
            wechat.jsapi_ticket(APP_ID)
    assert len(configured.calls) == asked
    cache.delete(f"wechat:failed:{APP_ID}")  # the minute is over
    assert wechat.jsapi_ticket(APP_ID) == "TICKET-for-TOKEN-1"


# --- the endpoint -----------------------------------------------------------------------------


def jssdk(client, url):
    return client.get("/wechat/jssdk/", {"url": url})


def test_endpoint_signs_a_page_of_this_site(client, configured):
    response = jssdk(client, BASE + "/article/1/?cpage=2#comments")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert set(data) == {"appId", "timestamp", "nonceStr", "signature"}
    assert data["appId"] == APP_ID
    assert abs(data["timestamp"] - time.time()) < 60
    assert len(data["nonceStr"]) == 16
    expected = sha1(
        f"jsapi_ticket=TICKET-for-TOKEN-1&noncestr={data['nonceStr']}&timestamp={data['timestamp']}"
        f"&url={BASE}/article/1/?cpage=2"
    )
    assert data["signature"] == expected


def test_endpoint_signs_on_the_sites_own_address(client, configured, settings):
    settings.SITE_URL = "https://www.yzgz.example"
    settings.ALLOWED_HOSTS = ["www.yzgz.example", "testserver"]
    assert jssdk(client, "https://www.yzgz.example/").status_code == 200
    assert jssdk(client, BASE + "/").status_code == 400  # the Host header is not the site


@pytest.mark.parametrize(
    "url",
    [
        "",
        "https://evil.example/article/1/",
        "http://testserver.evil.example/",
        "http://evil.example/?http://testserver/",
        "//testserver/article/1/",
        "/article/1/",
        "javascript:alert(1)",
        "http://user:pass@testserver/",
        "http://testserver/\x1b[31m",  # a control character (NUL is refused before any view)
        "http://testserver/" + "a" * 2000,
        "http://testserver:99999/",
        "http://[::1/",
    ],
)
def test_endpoint_refuses_other_addresses_with_a_message(client, configured, url):
    response = jssdk(client, url)
    assert response.status_code == 400
    assert "本站" in response.json()["error"]
    assert configured.calls == []


def test_endpoint_without_the_secret_is_a_404_and_calls_nothing(client, configured, settings):
    settings.WECHAT_APP_SECRET = ""
    response = jssdk(client, BASE + "/")
    assert response.status_code == 404
    assert response.json()["error"]
    assert configured.calls == []


def test_endpoint_without_the_app_id_is_a_404(client, fake_wechat):
    assert jssdk(client, BASE + "/").status_code == 404


def test_endpoint_answers_503_when_wechat_refuses(client, configured):
    configured.token_answers = [{"errcode": 40125, "errmsg": "invalid appsecret"}]
    response = jssdk(client, BASE + "/")
    assert response.status_code == 503
    assert "微信" in response.json()["error"]
    assert SECRET not in response.content.decode()


def test_endpoint_answers_503_when_wechat_is_too_slow(client, configured, monkeypatch):
    monkeypatch.setattr(wechat, "TIMEOUT_SECONDS", 0.2)
    configured.delay = 1.0
    assert jssdk(client, BASE + "/").status_code == 503


def test_endpoint_answers_503_when_wechat_cannot_be_reached(client, configured, settings):
    configured.close()
    settings.WECHAT_API_BASE = configured.url  # nothing listens there any more
    configured.close = lambda: None
    assert jssdk(client, BASE + "/").status_code == 503


def test_endpoint_answers_503_when_wechat_answers_garbage(client, configured, settings):
    """Not HTTP at all, or a body cut short: http.client's own exceptions are a 503 too."""
    import socket

    for reply in (b"garbage\r\n\r\n", b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"ticket'):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def answer(listener=listener, reply=reply):
            connection, _address = listener.accept()
            connection.recv(4096)
            connection.sendall(reply)
            connection.close()

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        settings.WECHAT_API_BASE = f"http://127.0.0.1:{listener.getsockname()[1]}"
        cache.delete(f"wechat:failed:{APP_ID}")
        response = jssdk(client, BASE + "/")
        thread.join(5)
        listener.close()
        assert response.status_code == 503
        assert SECRET not in response.content.decode()


def test_endpoint_is_get_only(client, configured):
    assert client.post("/wechat/jssdk/", {"url": BASE + "/"}).status_code == 405


# --- the article page ---------------------------------------------------------------------------


def csp_script_src(response):
    for part in response["Content-Security-Policy"].split(";"):
        name, _sep, sources = part.strip().partition(" ")
        if name == "script-src":
            return sources.split()
    return []


def test_configured_article_page_loads_the_share_script_and_allows_the_sdk(client, configured, seed_article):
    response = client.get(seed_article.get_absolute_url())
    page = response.content.decode()
    assert 'src="/static/js/wechat-share.js"' in page
    assert 'data-endpoint="/wechat/jssdk/"' in page
    assert 'data-sdk="https://res.wx.qq.com/open/js/jweixin-1.6.0.js"' in page
    assert "https://res.wx.qq.com" in csp_script_src(response)
    assert configured.calls == []  # nothing is fetched until a reader inside WeChat asks


@pytest.mark.parametrize("missing", ["app_id", "secret"])
def test_without_both_settings_nothing_of_wechat_is_loaded_or_allowed(
    client, fake_wechat, seed_article, settings, missing
):
    site = SiteSettings.current()
    site.wechat_app_id = "" if missing == "app_id" else APP_ID
    site.save()
    if missing == "secret":
        settings.WECHAT_APP_SECRET = ""
    response = client.get(seed_article.get_absolute_url())
    page = response.content.decode()
    assert "wechat-share.js" not in page and "res.wx.qq.com" not in page
    assert csp_script_src(response) == ["'self'"]


def test_a_cached_article_page_keeps_the_sdk_allowed(client, configured, seed_article, settings):
    settings.PAGE_CACHE_SECONDS = 60
    client.get(seed_article.get_absolute_url())
    response = client.get(seed_article.get_absolute_url())
    assert response["X-Page-Cache"] == "hit"
    assert "https://res.wx.qq.com" in csp_script_src(response)
    assert "wechat-share.js" in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/category/{category}/", "/tag/党建/"])
def test_home_and_list_pages_load_the_share_script_and_allow_the_sdk(client, configured, seed_article, path):
    response = client.get(path.format(category=seed_article.category.slug))
    assert response.status_code == 200
    assert 'src="/static/js/wechat-share.js"' in response.content.decode()
    assert "https://res.wx.qq.com" in csp_script_src(response)


@pytest.mark.parametrize("path", ["/search/?q=党建", "/rank/", "/accounts/login/"])
def test_other_pages_do_not_allow_the_sdk(client, configured, seed_article, path):
    response = client.get(path)
    assert "wechat-share.js" not in response.content.decode()
    assert csp_script_src(response) == ["'self'"]
