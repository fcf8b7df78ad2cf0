"""Counting views (查看) honestly: once per visitor per 30 minutes, no bots, no staff, no loss.

A view is recorded by the 1×1 image beacon each article page loads (``news:article-view``),
so it counts even when the page's HTML came from a cache and for readers without
JavaScript. The beacon calls :func:`record_view`:

* the visitor is their session, or a hash of IP address and user agent without one;
  only a salted hash is ever stored;
* the 30-minute window is a ``cache.add`` on a per-visitor key (shared across app servers
  when Redis is the cache);
* with ``REDIS_URL`` the hit is an ``HINCRBY`` into a Redis hash and ``manage.py
  flush_views`` writes batches to the database; without Redis, or when Redis fails, the
  hit goes straight to the database.

Every database write is an increment in SQL (``F()`` and ``INSERT … ON CONFLICT DO UPDATE``),
never a read-modify-write in Python. A flush renames the pending hash to a batch key, writes
the batch and its id in one transaction, then deletes the key; a crash at any point leaves
either an unapplied batch (applied next run) or an applied one (recognised by its id and
dropped), so no hit is lost or counted twice.
"""

import logging
import os
import uuid
from collections import defaultdict
from datetime import date

from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from news.articles.models import Article
from news.viewcounts.models import ArticleDailyViews, ViewFlushBatch
from yzgz import counters

logger = logging.getLogger(__name__)

DEDUP_SECONDS = 30 * 60
PENDING_KEY = "yzgz:views:pending"
BATCH_PREFIX = "yzgz:views:batch:"
PREFETCH_HEADERS = {"HTTP_SEC_PURPOSE": "prefetch", "HTTP_PURPOSE": "prefetch", "HTTP_X_MOZ": "prefetch"}

_redis_clients = {}


def redis_client():
    """A redis-py client for REDIS_URL (one per process and URL), or None without Redis."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    if url not in _redis_clients:
        import redis

        _redis_clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return _redis_clients[url]


# --- who counts ------------------------------------------------------------------------------


def is_bot(user_agent):
    """Crawlers by the CrawlerDetect list (maintained upstream); no user agent is a bot too."""
    return not user_agent or CrawlerDetect().isCrawler(user_agent)


def is_countable(request):
    if request.method != "GET":
        return False  # HEAD and friends
    if any(request.META.get(header, "").lower().startswith(value) for header, value in PREFETCH_HEADERS.items()):
        return False
    if request.user.is_authenticated and request.user.is_staff:
        return False  # reporters and editors reading their own site
    return not is_bot(request.headers.get("User-Agent", ""))


def visitor_key(request, client_ip):
    """A salted hash of the session key, or of IP address and user agent without a session."""
    session_key = request.session.session_key if hasattr(request, "session") else None
    if session_key:
        raw = f"s:{session_key}"
    else:
        raw = f"a:{client_ip}|{request.headers.get('User-Agent', '')}"
    return counters.visitor_hash(raw)


# --- recording -------------------------------------------------------------------------------


def today():
    return timezone.localdate()


def record_view(article_id, visitor):
    """Count one view unless this visitor was counted for this article in the last 30 minutes.

    Returns True when the view was counted, False when this visitor was already counted,
    and None when neither Redis nor the database could take it. Never raises.
    """
    try:
        try:
            first_time = cache.add(f"views:seen:{article_id}:{visitor}", 1, DEDUP_SECONDS)
        except Exception:
            logger.warning("view dedup cache unavailable; counting the view", exc_info=True)
            first_time = True
        if not first_time:
            return False
        client = redis_client()
        if client is not None:
            try:
                client.hincrby(PENDING_KEY, f"{article_id}:{today().isoformat()}", 1)
                return True
            except Exception:
                logger.warning("view buffer unavailable; writing the view to the database", exc_info=True)
        add_views({(article_id, today()): 1})
        return True
    except Exception:
        logger.exception("could not record a view of article %s", article_id)
        return None


def add_views(counts):
    """Add ``{(article_id, day): n}`` to the article counters and the daily buckets, in SQL."""
    per_article = defaultdict(int)
    for (article_id, _day), n in counts.items():
        per_article[article_id] += n
    with transaction.atomic():
        for article_id, n in sorted(per_article.items()):
            Article.objects.filter(pk=article_id).update(view_count=F("view_count") + n)
        existing = set(Article.objects.filter(pk__in=per_article).values_list("pk", flat=True))
        rows = [(a, d, n) for (a, d), n in sorted(counts.items()) if a in existing]
        if rows:
            _upsert_daily(rows)


def _upsert_daily(rows):
    table = ArticleDailyViews._meta.db_table
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    params = [value for row in rows for value in row]
    # Same statement on PostgreSQL and SQLite (3.24+): the increment happens in the database.
    sql = (
        f"INSERT INTO {table} (article_id, day, views) VALUES {values} "  # noqa: S608 - table name is ours
        f"ON CONFLICT (article_id, day) DO UPDATE SET views = {table}.views + excluded.views"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- flushing the Redis buffer ------------------------------------------------------------------


def _crash_point(name):
    """Test hook: ``YZGZ_FLUSH_CRASH_AT=<name>`` kills the process here, like ``kill -9``."""
    if os.environ.get("YZGZ_FLUSH_CRASH_AT") == name:
        os._exit(70)


def flush(client=None):
    """Write every buffered view to the database; returns (batches, hits) written."""
    client = client or redis_client()
    if client is None:
        return 0, 0
    batches = hits = 0
    for key in sorted(client.scan_iter(match=f"{BATCH_PREFIX}*")):
        hits += _apply_batch(client, key.decode() if isinstance(key, bytes) else key)
        batches += 1
    key = f"{BATCH_PREFIX}{uuid.uuid4().hex}"
    try:
        client.rename(PENDING_KEY, key)
    except Exception as exc:  # nothing pending: redis answers "no such key"
        if "no such key" not in str(exc).lower():
            raise
        return batches, hits
    hits += _apply_batch(client, key)
    return batches + 1, hits


def _apply_batch(client, key):
    batch_id = key.removeprefix(BATCH_PREFIX)
    raw = client.hgetall(key)
    counts = {}
    for field, value in raw.items():
        article_id, day = (field.decode() if isinstance(field, bytes) else field).split(":")
        counts[(int(article_id), date.fromisoformat(day))] = int(value)
    total = sum(counts.values())
    try:
        with transaction.atomic():
            ViewFlushBatch.objects.create(batch_id=batch_id, hits=total)
            add_views(counts)
            _crash_point("before-commit")
        applied = total
    except IntegrityError:
        applied = 0  # this batch was written by an earlier run that died before deleting it
    _crash_point("after-commit")
    client.delete(key)
    return applied
