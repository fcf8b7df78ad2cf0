"""The production stack: two Granian app servers in production mode (DEBUG off, PostgreSQL,
Redis), and nginx in front when it is installed — nothing that must be shared lives in one
app server.

* A resident logged in through one app server is logged in on the other.
* Login throttling holds across both: failures on either server add up.
* An anonymous page cached by one server is served by the other, and a comment posted
  through one refreshes it on both.
* nginx serves static files with long cache headers and gzip, passes the client's address,
  and proxies to both servers.
"""

import http.cookiejar
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection  # noqa: F401 - read by the skipif condition string
from django.utils import timezone

from news.articles.factories import make_article, make_category, make_user
from news.articles.models import Article, SiteSettings
from news.comments.models import Comment
from news.viewcounts.models import Reaction
from tests.viewcounts.test_viewcount import redis_available
from tests.viewcounts.test_viewcount_processes import database_url, free_port
from yzgz import published

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/15"
PHONES = itertools.count(1)
FACTORY_PASSWORD = "demo-password-123"  # news.articles.factories.make_user's default

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL shared between processes"),
    pytest.mark.skipif(not redis_available(REDIS_URL), reason="needs Redis on 127.0.0.1:6379"),
]


def production_env(tmp, site_url="http://127.0.0.1"):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "YZGZ_"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="test-production-stack-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SITE_URL=site_url,  # nginx's address (the app servers also answer on their own ports)
        DJANGO_SECURE_SSL="0",
        DJANGO_TRUSTED_PROXIES="127.0.0.2",  # nginx connects from there (proxy_bind)
        DATABASE_URL=database_url(),
        DATABASE_POOL="0",
        REDIS_URL=REDIS_URL,
        DJANGO_PAGE_CACHE_SECONDS="60",
        DJANGO_STATIC_ROOT=str(tmp / "staticfiles"),
        DJANGO_MEDIA_ROOT=str(tmp / "media"),
    )
    return env


def resident_named(username, **fields):
    """A resident whose password the app servers can check (tests hash with MD5, production with Argon2),
    with a verified mobile number, as production asks of a resident before a comment (实名)."""
    fields.setdefault("phone", f"+861370000{next(PHONES):04d}")
    fields.setdefault("phone_verified_at", timezone.now())
    user = make_user(username, **fields)
    user.password = Argon2PasswordHasher().encode(FACTORY_PASSWORD, Argon2PasswordHasher().salt())
    user.save(update_fields=["password"])
    return user


def wait_until_answering(url, deadline):
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """collectstatic once: production mode serves hashed file names from the manifest."""
    tmp = tmp_path_factory.mktemp("prod")
    env = production_env(tmp)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    return tmp


@pytest.fixture
def stack(static_root, tmp_path):
    """Two app servers (and nginx in front of them when installed); yields their base URLs."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    front_port = free_port()
    env = production_env(static_root, site_url=f"http://127.0.0.1:{front_port}")
    run = tmp_path / "nginx"
    if shutil.which("nginx"):
        # Pages nginx serves as files (yzgz/published.py), with the headers Django sends.
        env["DJANGO_PUBLISHED_ROOT"] = str(run / "published")
        subprocess.run([sys.executable, "manage.py", "published_headers", "-v0"], cwd=ROOT, env=env, check=True)
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "yzgz.appserver", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    nginx = None
    deadline = time.monotonic() + 30
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    for url in urls:
        wait_until_answering(url + "/robots.txt", deadline)
    front = None
    if shutil.which("nginx"):
        run.mkdir(exist_ok=True)
        config = (ROOT / "deploy" / "nginx.conf.template").read_text()
        for marker, value in {
            "@RUN@": str(run),
            "@ROOT@": str(static_root),  # staticfiles/ and media/ are looked up under it
            "@DEPLOY@": str(ROOT / "deploy"),
            "@PORT@": str(front_port),
            "@SITE_NETLOC@": f"127.0.0.1:{front_port}",
            "@SITE_HOST@": "127.0.0.1",
            "@UPSTREAM_A@": f"127.0.0.1:{ports[0]}",
            "@UPSTREAM_B@": f"127.0.0.1:{ports[1]}",
            "@PAGE_LOCK@": "on",
        }.items():
            config = config.replace(marker, value)
        if os.geteuid() == 0:
            # Started as root, nginx workers become "nobody", who cannot read pytest's private
            # temporary directory; deploy/prod.sh serves the project's own directories instead.
            config = "user root root;\n" + config
        (run / "nginx.conf").write_text(config)
        subprocess.run(["nginx", "-p", str(run), "-c", str(run / "nginx.conf")], check=True)
        nginx = run
        front = f"http://127.0.0.1:{front_port}"
        wait_until_answering(front + "/robots.txt", deadline)
    yield {"a": urls[0], "b": urls[1], "front": front}
    if nginx is not None:
        subprocess.run(["nginx", "-p", str(nginx), "-c", str(nginx / "nginx.conf"), "-s", "stop"], check=False)
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait(timeout=10)


class Browser:
    """A cookie jar shared by requests to either server, as one browser behind a load balancer."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), urllib.request.HTTPRedirectHandler()
        )

    def get(self, url, headers=None):
        request = urllib.request.Request(url, headers={"User-Agent": "Mozilla/5.0 test", **(headers or {})})
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), error.headers

    def post(self, url, form_url, data):
        return self.prepare_post(url, form_url)(data)

    def prepare_post(self, url, form_url):
        """Open the form now (its CSRF token and cookie); the returned ``send(data)`` posts it."""
        _status, page, _headers = self.get(form_url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

        def send(data):
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
            request = urllib.request.Request(
                url, data=body, headers={"User-Agent": "Mozilla/5.0 test", "Referer": form_url}
            )
            try:
                with self.opener.open(request, timeout=30) as response:
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode()

        return send


def log_in(browser, base, username, password):
    return browser.post(
        f"{base}/accounts/login/", f"{base}/accounts/login/", {"username": username, "password": password}
    )


def test_a_resident_logged_in_through_one_server_is_logged_in_on_the_other(stack, db):
    resident = resident_named("lixiaomei", nickname="李小妹")
    browser = Browser()
    log_in(browser, stack["a"], resident.username, FACTORY_PASSWORD)
    status, page, _headers = browser.get(f"{stack['b']}/accounts/profile/")
    assert status == 200 and "lixiaomei" in page
    status, page, _headers = Browser().get(f"{stack['b']}/accounts/profile/")
    assert status == 200 and "lixiaomei" not in page  # a stranger is sent to the login page


def test_failed_logins_add_up_across_both_servers(stack, db):
    resident = resident_named("wangwu")
    browser = Browser()
    for attempt in range(5):
        base = stack["a"] if attempt % 2 else stack["b"]
        _status, page = log_in(browser, base, "wangwu", "wrong-password")
        assert "登录失败次数过多" not in page
    for base in (stack["a"], stack["b"]):
        _status, page = log_in(Browser(), base, resident.username, FACTORY_PASSWORD)
        assert "登录失败次数过多" in page  # even with the right password, on either server


def test_an_anonymous_page_is_cached_once_for_both_servers_and_refreshed_by_a_comment(stack, category, reporter):
    site = SiteSettings.current()
    site.comment_moderation = "post_first"
    site.save()
    article = make_article(title="两台服务器共享缓存", category=category, author=reporter)
    url = article.get_absolute_url()
    reader = Browser()
    assert reader.get(stack["a"] + url)[2]["X-Page-Cache"] == "miss"
    status, page, headers = Browser().get(stack["b"] + url)
    assert (status, headers["X-Page-Cache"]) == (200, "hit")

    resident = resident_named("zhangsan")
    member = Browser()
    log_in(member, stack["a"], resident.username, FACTORY_PASSWORD)
    status, _page = member.post(
        stack["a"] + f"/article/{article.pk}/comments/", stack["a"] + url, {"body": "两台都能看到吗？"}
    )
    assert Comment.objects.filter(article=article, status=Comment.Status.APPROVED).count() == 1
    status, page, headers = Browser().get(stack["b"] + url)
    assert "两台都能看到吗？" in page and headers["X-Page-Cache"] == "miss"


def front_with_shared_cache(stack, settings):
    """nginx in front, or skip; this process saves articles too, so its cache (and the page
    generation in it) is the servers' Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "yzgz",
        }
    }
    if stack["front"] is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")


def test_nginx_serves_static_files_and_proxies_to_both_servers_with_the_client_address(stack, db, settings):
    front_with_shared_cache(stack, settings)
    front = stack["front"]
    status, page, _headers = Browser().get(front + "/")
    assert status == 200
    css = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', page).group(1)
    request = urllib.request.Request(front + css, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert "immutable" in response.headers["Cache-Control"]
    # Anonymous pages: the second reader gets nginx's copy, with no token and no cookie; the
    # token comes from /csrf/ (what site.js does) and works for 表态 through nginx.
    article = make_article(title="微缓存的文章", category=make_category(), author=make_user("reporter9", role="记者"))
    url = front + article.get_absolute_url()
    _status, first_page, first = Browser().get(url)
    assert first["X-Microcache"] == "MISS"
    status, page, headers = Browser().get(url)
    # The copy is served as a file (yzgz/published.py), with every header Django sent.
    assert (status, headers["X-Microcache"]) == (200, "FILE")
    assert page == first_page
    assert "Set-Cookie" not in headers

    def sent(headers):
        return published.comparable(
            (name, value)
            for name, value in headers.items()
            if name.lower() not in {"date", "x-microcache", "x-page-cache", "last-modified", "etag", "accept-ranges"}
        ) + tuple(sorted(value.strip() for vary in headers.get_all("Vary") for value in vary.split(",")))

    assert sent(headers) == sent(first)
    # A link shared in a WeChat group carries WeChat's parameters: the same copy, not the app.
    status, shared, headers = Browser().get(url + "?from=groupmessage&isappinstalled=0")
    assert (status, headers["X-Microcache"], shared) == (200, "FILE", first_page)
    # A parameter a page reads is never dropped.
    _status, _page, headers = Browser().get(url + "?from=groupmessage&cpage=1")
    assert headers["X-Microcache"] != "FILE"
    assert set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', page)) == {""}
    reader = Browser()
    _status, body, _headers = reader.get(front + "/csrf/")
    token = json.loads(body)["token"]
    reaction = Reaction.objects.filter(is_active=True).first()
    request = urllib.request.Request(
        front + f"/article/{article.pk}/react/",
        data=urllib.parse.urlencode({"reaction": reaction.pk, "csrfmiddlewaretoken": token}).encode(),
        headers={"Accept": "application/json", "User-Agent": "Mozilla/5.0 test", "Referer": url},
    )
    with reader.opener.open(request, timeout=10) as response:
        assert response.status == 200
    assert Article.objects.get(pk=article.pk).reaction_count == 1
    # 表态 starts no session (news.viewcounts.reactions), so the reader keeps getting the shared copy, except
    # right after a vote without JavaScript: that page names the choice (a messages cookie).
    assert "sessionid" not in {cookie.name for cookie in reader.jar}
    request = urllib.request.Request(
        front + f"/article/{article.pk}/react/",
        data=urllib.parse.urlencode({"reaction": reaction.pk, "csrfmiddlewaretoken": token}).encode(),
        headers={"User-Agent": "Mozilla/5.0 test", "Referer": url},
    )
    with reader.opener.open(request, timeout=10) as response:  # and the redirect to the article
        assert response.headers["X-Microcache"] == "BYPASS" and "你的表态" in response.read().decode()
    assert "sessionid" not in {cookie.name for cookie in reader.jar}
    # Withdrawn: once the copy's second is over, nobody gets it again.
    article.status = Article.Status.WITHDRAWN
    article.withdrawn_reason = "核实有误"
    article.save()
    time.sleep(2.1)  # the copy lives one second (X-Accel-Expires: 1), counted in whole seconds
    # The first reader after that may still get the old copy while nginx refreshes it in the
    # background (proxy_cache_use_stale updating); the refresh is the 410, marked for the
    # microcache, and it replaces the copy for everyone after.
    first, _page, headers = Browser().get(url)
    assert first == 410 or headers["X-Microcache"] in {"STALE", "UPDATING"}
    time.sleep(0.5)
    assert [Browser().get(url)[0] for _ in range(3)] == [410, 410, 410]

    # The client's address reaches Django through nginx (login throttling counts by address),
    # and an X-Forwarded-For the client wrote itself does not give it a new one.
    resident = resident_named("zhaoliu")
    for attempt in range(5):
        spoofing = Browser()
        spoofing.opener.addheaders = [("X-Forwarded-For", f"203.0.113.{attempt}")]
        log_in(spoofing, front, f"nobody{attempt}", "wrong")  # five usernames, one real address
    _status, page = log_in(Browser(), front, resident.username, FACTORY_PASSWORD)
    assert "登录失败次数过多" in page


def test_the_api_through_nginx_shares_anonymous_answers_never_a_tokens(stack, db, settings):
    """#22: an anonymous /api/v1/ answer is kept by nginx's microcache like a page; a request with
    a token always reaches the app (its answer is the resident's own), and the token works there."""
    front_with_shared_cache(stack, settings)
    from news.api.models import ApiToken

    front = stack["front"]
    article = make_article(title="接口经过nginx", category=make_category(), author=make_user("reporter8", role="记者"))
    url = f"{front}/api/v1/articles/{article.pk}"
    _status, first, headers = Browser().get(url)
    assert headers["X-Microcache"] == "MISS"
    status, body, headers = Browser().get(url)
    assert (status, headers["X-Microcache"], body) == (200, "HIT", first)
    assert json.loads(body)["title"] == "接口经过nginx"
    resident = resident_named("lisi")
    token = ApiToken.issue(resident, "nginx")[0]
    for _ in range(2):
        status, body, headers = Browser().get(f"{front}/api/v1/me", {"Authorization": f"Bearer {token}"})
        assert (status, headers["X-Microcache"]) == (200, "BYPASS")
        assert json.loads(body)["username"] == "lisi"
    # The same address asked with a token is answered by the app, not from the anonymous copy.
    status, _body, headers = Browser().get(url, {"Authorization": f"Bearer {token}"})
    assert (status, headers["X-Microcache"], headers["Cache-Control"]) == (200, "BYPASS", "private, no-cache")
    # Errors through nginx are the API's JSON too.
    status, body, _headers = Browser().get(f"{front}/api/v1/articles/999999999")
    assert (status, json.loads(body)["code"]) == (404, "not_found")


def test_long_pages_through_nginx_come_without_a_40_ms_stall_on_a_kept_connection(stack, db, settings):
    """A busy article (hundreds of comments: 60-100 KB) from nginx's residents' copy, to a browser
    that keeps its connection open. With ``tcp_nopush on``, at some sizes (71.6 KB here) every
    answer from nginx's cache waited for the client's delayed ACK: 44 ms each, 24 pages a second
    on one connection instead of thousands (found by make bench-peers on the 20,000-article data)."""
    import http.client
    import statistics

    front_with_shared_cache(stack, settings)
    front = stack["front"]
    author, category = make_user("reporter8", role="记者"), make_category()
    resident_named("zhang8")
    browser = Browser()
    assert log_in(browser, front, "zhang8", FACTORY_PASSWORD)[0] == 200
    host, port = front.removeprefix("http://").split(":")
    slow = {}
    for paragraphs in range(500, 850, 50):  # pages of about 60 to 100 KB
        body = "".join(f"<p>第{n}段：禹州夏都街道开展党建观摩活动，居民代表参与评议。</p>" for n in range(paragraphs))
        url = make_article(
            title=f"很长的文章{paragraphs}", body=body, category=category, author=author
        ).get_absolute_url()
        browser.get(front + url)  # the residents' shared page: yz_member
        cookies = {cookie.name: cookie.value for cookie in browser.jar if cookie.name != "yz_fresh"}
        cookie = "; ".join(f"{name}={value}" for name, value in {**cookies, "yz_js": "1"}.items())
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        took, served = [], []
        for _ in range(10):
            started = time.monotonic()
            connection.request("GET", url, headers={"User-Agent": "Mozilla/5.0 test", "Cookie": cookie})
            response = connection.getresponse()
            size = len(response.read())
            took.append(time.monotonic() - started)
            served.append(response.getheader("X-Microcache"))
        connection.close()
        assert served.count("HIT") >= 7, served  # nginx's copy, not the app servers
        if statistics.median(took[1:]) > 0.02:
            slow[size] = [round(t * 1000, 1) for t in took]
    assert not slow, f"bytes: milliseconds per answer {slow}"
