"""Django's Redis cache, made to survive Redis going away.

When Redis cannot be reached every operation behaves as on an empty cache that keeps
nothing: reads miss, writes are dropped, ``add`` succeeds and ``incr`` finds no key. So
pages are rendered from the database, page caching pauses, the view counter writes
straight to the database (``news.viewcounts.viewcount``) and rate limits fail open (they start
again from zero; see ``accounts.throttle``). A warning is logged at most every 10 s.
Connection timeouts are short, so a Redis that hangs costs a request a second at most.

Django's Redis client builds a new ``redis.Redis`` object for every operation; with redis-py 8
that costs about 100 µs here, as much as the round trip to Redis itself (``cache.get`` 238 µs,
redis-py's own ``get`` 139 µs). :class:`ReusedClientRedisCacheClient` keeps one per connection
pool (redis-py's clients are thread-safe; connections still come from the pool per command).
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
_last_warning = 0.0


def _warn(operation):
    global _last_warning  # one timestamp per process, to rate-limit the log
    now = time.monotonic()
    if now - _last_warning > 10:
        _last_warning = now
        logger.warning("Redis unreachable (%s): serving without the cache", operation, exc_info=True)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client, with one ``redis.Redis`` per connection pool instead of one per operation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE:
            _warn("get")
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE:
            _warn("get_many")
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE:
            _warn("has_key")
            return False

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE:
            _warn("add")
            return True  # as on an empty cache

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE:
            _warn("set")

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE:
            _warn("set_many")
            return list(data)

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE:
            _warn("touch")
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE:
            _warn("delete")
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNREACHABLE:
            _warn("delete_many")

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE:
            _warn("incr")
            raise ValueError(f"Key '{key}' not found (Redis unreachable)") from None

    def clear(self):
        try:
            return super().clear()
        except UNREACHABLE:
            _warn("clear")
            return False
