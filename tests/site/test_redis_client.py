"""yzgz.cache's Redis client: one redis.Redis per pool, kept across a Redis restart.

Django's own client built a new ``redis.Redis`` for every cache operation (about 100 µs each
here); ours keeps one. Kept for the life of the process, it must carry on when Redis goes away
and comes back, as the page cache and the sessions do: tried against a real redis-server.
"""

import shutil
import socket
import subprocess
import time

import pytest

from yzgz.cache import ResilientRedisCache

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(port):
    server = subprocess.Popen(  # noqa: S603 - a throwaway local Redis
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S607
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.05)
    server.kill()
    raise RuntimeError("redis-server did not start")


def test_one_client_serves_every_operation_and_survives_a_restart():
    port = free_port()
    server = start(port)
    cache = ResilientRedisCache(f"redis://127.0.0.1:{port}/0", {"OPTIONS": {"socket_connect_timeout": 0.5}})
    try:
        cache.set("page", "钧瓷文化节")
        assert cache._cache.get_client() is cache._cache.get_client(write=True)
        client = cache._cache.get_client()
        assert cache.get("page") == "钧瓷文化节"
        server.terminate()
        server.wait(10)
        assert cache.get("page", "miss") == "miss"  # Redis away: a miss, not an error
        server = start(port)
        cache.set("page", "重新连接")
        assert cache.get("page") == "重新连接"
        assert cache._cache.get_client() is client
    finally:
        server.terminate()
        server.wait(10)
