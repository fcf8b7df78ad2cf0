"""One login throttle for every way in, and the registration limit per IP address.

Logins go through django-axes: its backend stands first in ``AUTHENTICATION_BACKENDS``, so every
call of ``authenticate()`` — the login page, the header's 快捷登录 box, ``/admin/login/``, and any
later way in (an API token, a phone code) — is counted before any password is checked. A new
login path cannot forget the throttle, because it cannot log anyone in without ``authenticate()``.

:class:`AtomicCacheHandler` is axes' handler, with our rules:

* An attempt is counted *before* the password check, by one atomic ``INCR`` per counter (the
  account and the client's address), and refused when that takes a counter past the limit. So 30
  parallel guesses for one account check at most ``LOGIN_MAX_FAILURES`` passwords; counting
  failures afterwards, as axes' own handlers do, lets every parallel request through the check.
* The account is its :func:`accounts.models.username_key` — NFKC, trimmed, case-insensitive — so
  " name", "name\\u3000", "ｎａｍｅ" and "NAME" share one counter, as they share one account.
* A successful login gives its attempt back: the account's counter is cleared, the address's is
  lowered by one, so residents behind one carrier NAT do not lock each other out by logging in.
* The counters live in the shared cache (Redis in production), so every app server sees the same
  numbers, with a fixed window from the first attempt. When the cache is unreachable they fail
  open: refusing every resident is worse than a short gap in throttling.
"""

import hashlib
import logging

from axes.handlers.base import AbstractAxesHandler, AxesBaseHandler
from axes.signals import user_locked_out
from django.core.cache import cache

from accounts.models import username_key
from yzgz import counters
from yzgz.net import client_ip

logger = logging.getLogger(__name__)

LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW = 15 * 60
REGISTER_MAX_PER_IP = 5
REGISTER_WINDOW = 60 * 60
RESET_MAILS_PER_IP = 5
RESET_MAILS_PER_ADDRESS = 3
RESET_WINDOW = 60 * 60


def _key(kind, value):
    digest = hashlib.sha256(str(value).encode()).hexdigest()[:32]
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


def _give_back(key):
    try:
        cache.decr(key)
    except ValueError:  # the window ended meanwhile: nothing to give back
        pass
    except Exception:
        logger.warning("throttle cache unavailable", exc_info=True)


def axes_username(request, credentials):
    """AXES_USERNAME_CALLABLE: the account an attempt is for, as login looks it up.

    A phone-code login (accounts.backends) counts against its number, beside the address.
    """
    if credentials and credentials.get("phone") is not None:
        return f"phone:{credentials['phone']}"
    if credentials and credentials.get("username") is not None:
        return username_key(credentials["username"])
    return username_key(getattr(request, "POST", {}).get("username", ""))


def login_keys(request, credentials):
    """The counters one attempt adds to: its account's, and its address's."""
    keys = []
    username = axes_username(request, credentials)
    if username:
        keys.append(_key("login-user", username))
    ip = client_ip(request)
    if ip:
        keys.append(_key("login-ip", ip))
    return keys


class AtomicCacheHandler(AbstractAxesHandler, AxesBaseHandler):
    """axes' handler: count an attempt atomically before the password check (module docstring)."""

    def is_allowed(self, request, credentials=None):
        keys = login_keys(request, credentials)
        counts = [_hit(key, LOGIN_WINDOW) for key in keys]
        request.yzgz_login_keys = keys
        allowed = all(count <= LOGIN_MAX_FAILURES for count in counts)
        if not allowed:
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=axes_username(request, credentials), ip_address=client_ip(request)
            )
        return allowed

    def get_failures(self, request, credentials=None):
        return max((_count(key) for key in login_keys(request, credentials)), default=0)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        """Already counted in :meth:`is_allowed`, before the password was checked."""

    def user_logged_in(self, sender, request, user, **kwargs):
        if request is None:
            return
        for key in getattr(request, "yzgz_login_keys", ()):
            if key.startswith("throttle:login-user:"):
                try:
                    cache.delete(key)
                except Exception:
                    logger.warning("throttle cache unavailable", exc_info=True)
            else:
                _give_back(key)

    def user_logged_out(self, sender, request, user, **kwargs):
        pass

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False):
        """``manage.py axes_reset_ip`` / ``axes_reset_username`` for staff who must unlock someone."""
        keys = ([_key("login-ip", ip_address)] if ip_address else []) + (
            [_key("login-user", username_key(username))] if username else []
        )
        for key in keys:
            cache.delete(key)
        return len(keys)


def register_reserve(ip):
    """Count a registration from ``ip`` before the form is checked; False when over the limit.

    Counting first, atomically, is what stops 30 parallel registrations from one address: each
    takes a place before the (slow) password validation, and only the first five get one.
    """
    return not ip or _hit(_key("register-ip", ip), REGISTER_WINDOW) <= REGISTER_MAX_PER_IP


def register_release(ip):
    """A registration that was refused by the form gives its place back."""
    if ip:
        _give_back(_key("register-ip", ip))


def reset_mail_reserve(ip, email):
    """Count a 忘记密码 mail before it is sent; False when the address or the mailbox had enough.

    Counted whether or not an account has the email, so the limit reveals nothing either.
    """
    if _hit(_key("reset-ip", ip), RESET_WINDOW) > RESET_MAILS_PER_IP:
        return False
    return _hit(_key("reset-mail", username_key(email)), RESET_WINDOW) <= RESET_MAILS_PER_ADDRESS
