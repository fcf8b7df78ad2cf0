"""Shared helpers for rate limits and visitor identity, kept in Django's cache (Redis in production)."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def hit(key, window):
    """Add one to a counter that lives ``window`` seconds from its first hit; returns the new value."""
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, window)
        return 1


def visitor_hash(raw):
    """A salted hash that identifies a visitor without storing who they are."""
    return hashlib.sha256(f"{settings.SECRET_KEY}|{raw}".encode()).hexdigest()[:32]
