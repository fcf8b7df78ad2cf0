"""Counters in the shared cache for login throttling and registration limits.

They live in Django's cache (Redis in production), so every app server sees the same
numbers. When the cache is unreachable the counters fail open: logins and registrations
go on, since refusing every resident is worse than a short gap in throttling.
"""

import hashlib
import logging

from django.core.cache import cache

from yzgz import counters

logger = logging.getLogger(__name__)

LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW = 15 * 60
REGISTER_MAX_PER_IP = 5
REGISTER_WINDOW = 60 * 60


def _key(kind, value):
    digest = hashlib.sha256(str(value).casefold().encode()).hexdigest()[:32]
    return f"throttle:{kind}:{digest}"


def _count(key):
    try:
        return int(cache.get(key) or 0)
    except Exception:  # the cache is down: fail open
        logger.warning("throttle cache unavailable", exc_info=True)
        return 0


def _hit(key, window):
    try:
        return counters.hit(key, window)
    except Exception:
        logger.warning("throttle cache unavailable", exc_info=True)
        return 0


def login_blocked(username, ip):
    keys = [_key("login-user", username)] + ([_key("login-ip", ip)] if ip else [])
    return any(_count(key) >= LOGIN_MAX_FAILURES for key in keys)


def login_failed(username, ip):
    _hit(_key("login-user", username), LOGIN_WINDOW)
    if ip:
        _hit(_key("login-ip", ip), LOGIN_WINDOW)


def login_succeeded(username):
    try:
        cache.delete(_key("login-user", username))
    except Exception:
        logger.warning("throttle cache unavailable", exc_info=True)


def register_allowed(ip):
    return not ip or _count(_key("register-ip", ip)) < REGISTER_MAX_PER_IP


def registered(ip):
    if ip:
        _hit(_key("register-ip", ip), REGISTER_WINDOW)
