"""View counting across real processes (PostgreSQL and Redis, as in production).

* Two app servers (Granian) on different ports share PostgreSQL and Redis; N distinct
  visitors hit them concurrently, each reloading on the other server; after a flush the
  count has risen by exactly N.
* ``flush_views`` killed half-way (before its transaction commits, and after it commits
  but before it drops the Redis batch) neither loses nor double-counts a hit.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from news.articles.factories import make_article
from news.articles.models import Article
from news.viewcounts import viewcount
from tests.viewcounts.test_viewcount import redis_available

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/14"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL shared between processes"),
    pytest.mark.skipif(not redis_available(REDIS_URL), reason="needs Redis on 127.0.0.1:6379"),
]


def database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "YZGZ_"))}
    env.update(
        DATABASE_URL=database_url(),
        DATABASE_POOL="0",
        REDIS_URL=REDIS_URL,
        DJANGO_DEBUG="1",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_TRUSTED_PROXIES="127.0.0.1",
        **extra,
    )
    return env


@pytest.fixture
def buffer(settings):
    settings.REDIS_URL = REDIS_URL
    client = viewcount.redis_client()
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def article(category, reporter):
    return make_article(category=category, author=reporter)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def app_servers(buffer):
    """Two app servers (two workers each), standing in for two app hosts."""
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and app
            [sys.executable, "-m", "yzgz.appserver", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=ROOT,
            env=process_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    deadline = time.monotonic() + 30
    for port in ports:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/robots-check-404", timeout=2)
            except urllib.error.HTTPError:
                break  # the server answered
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    yield ports
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait(timeout=10)


def hit(port, article_id, visitor):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/article/{article_id}/view.gif",
        headers={
            "User-Agent": f"Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36 visitor-{visitor}",
            "X-Forwarded-For": f"10.{visitor // 65536}.{visitor // 256 % 256}.{visitor % 256}",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - http on loopback
        assert response.status == 200
        return response.read()


def test_two_app_servers_count_each_distinct_visitor_exactly_once(app_servers, article):
    visitors = 240
    before = Article.objects.get(pk=article.pk).view_count
    jobs = []
    for visitor in range(visitors):
        first, second = app_servers if visitor % 2 else app_servers[::-1]
        jobs.append((first, visitor))
        jobs.append((second, visitor))  # the same visitor reloading, on the other server
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda job: hit(job[0], article.pk, job[1]), jobs))
    assert Article.objects.get(pk=article.pk).view_count == before  # still buffered in Redis
    viewcount.flush()
    assert Article.objects.get(pk=article.pk).view_count == before + visitors
    # Everyone reloading again inside the 30 minutes adds nothing.
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda v: hit(app_servers[v % 2], article.pk, v), range(visitors)))
    viewcount.flush()
    assert Article.objects.get(pk=article.pk).view_count == before + visitors


def run_flush(**env):
    return subprocess.run(
        [sys.executable, "manage.py", "flush_views"],
        cwd=ROOT,
        env=process_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def buffer_hits(client, article, n):
    day = viewcount.today().isoformat()
    client.hincrby(viewcount.PENDING_KEY, f"{article.pk}:{day}", n)


@pytest.mark.parametrize("crash_at", ["before-commit", "after-commit"])
def test_a_flush_killed_half_way_neither_loses_nor_double_counts(buffer, article, crash_at):
    buffer_hits(buffer, article, 25)
    died = run_flush(YZGZ_FLUSH_CRASH_AT=crash_at)
    assert died.returncode == 70, died.stderr  # the process was killed at that point
    expected_after_crash = 0 if crash_at == "before-commit" else 25
    assert Article.objects.get(pk=article.pk).view_count == expected_after_crash
    buffer_hits(buffer, article, 5)  # more views arrive meanwhile
    finished = run_flush()
    assert finished.returncode == 0, finished.stderr
    assert Article.objects.get(pk=article.pk).view_count == 30
    assert list(buffer.scan_iter(match=f"{viewcount.BATCH_PREFIX}*")) == []
    assert run_flush().returncode == 0
    assert Article.objects.get(pk=article.pk).view_count == 30


def count_reaches(article, expected, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if Article.objects.get(pk=article.pk).view_count == expected:
            return True
        time.sleep(0.1)
    return False


def test_one_flush_process_keeps_flushing_until_sigterm(buffer, article):
    """make prod and the systemd unit run ``flush_views --every 5``: one process, many flushes."""
    looping = subprocess.Popen(
        [sys.executable, "manage.py", "flush_views", "--every", "0.2"],
        cwd=ROOT,
        env=process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        buffer_hits(buffer, article, 7)
        assert count_reaches(article, 7)
        buffer_hits(buffer, article, 4)  # later views, flushed by the same process
        assert count_reaches(article, 11)
        assert looping.poll() is None
        looping.terminate()
        _out, err = looping.communicate(timeout=10)
        assert looping.returncode == 0, err
    finally:
        if looping.poll() is None:
            looping.kill()
            looping.communicate()
    assert Article.objects.get(pk=article.pk).view_count == 11


def test_flush_every_refuses_a_period_of_zero(buffer):
    refused = subprocess.run(
        [sys.executable, "manage.py", "flush_views", "--every", "0"],
        cwd=ROOT,
        env=process_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "--every takes a number of seconds above 0" in refused.stderr
