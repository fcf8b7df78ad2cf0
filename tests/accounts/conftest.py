"""Fixtures shared by the accounts tests."""

import time

import pytest
from django.core.cache import cache


@pytest.fixture
def clock(settings, monkeypatch):
    """``advance(seconds)`` moves the cache's clock.

    The cache is a local-memory one for these tests: its expiry reads time.time(). Redis keeps
    its own time; tests/accounts/test_phone_races.py reads the lifetimes it was given.
    """
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "clock"}}
    cache.clear()
    offset = [0.0]
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + offset[0])

    def advance(seconds):
        offset[0] += seconds

    return advance
