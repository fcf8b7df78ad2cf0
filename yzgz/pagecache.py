"""Whole pages for anonymous readers, from the shared cache (Redis in production).

The day a story spreads through every WeChat group in town, almost every request is an
anonymous reader opening the same few pages. :func:`cache_anonymous` serves those from the
cache, so they cost no query and no template.

* Only ``GET``/``HEAD`` requests that carry no session and no messages cookie are cached or
  served from the cache: logged-in readers (and anonymous readers with a session, e.g. after
  表态) always get their own page, and a response that sets any cookie but the CSRF one is
  never stored, so nobody's page can reach somebody else.
* CSRF tokens are cut out before storing and a fresh one for this reader is put back when
  serving, so every reader's forms (快捷登录, 表态) carry their own token and cookie.
* Behind nginx, a request nginx may microcache (it sends ``X-Microcache: 1``: no session, no
  messages cookie, GET) gets the page with *empty* token fields, no cookie and
  ``X-Accel-Expires``: nginx then serves that same page to every anonymous reader for a
  second, and ``static/js/site.js`` fills the fields from ``/csrf/`` (never cached), which
  also sets the reader's own CSRF cookie. No reader's token is ever shared.
* Every change readers should see — an article saved, published, withdrawn, scheduled or
  deleted; a comment approved, posted or removed; a reaction; a ban; a category, source or
  site setting — calls :func:`bump`, which moves a generation number that is part of every
  key: the old pages are simply never read again and expire. The view counter (查看) is
  the one figure allowed to lag, by at most ``PAGE_CACHE_SECONDS``; the beacon that counts
  views is an image request, never cached.
"""

import re
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token

GENERATION_KEY = "pagecache:generation"
MICROCACHE_HEADER = "HTTP_X_MICROCACHE"
TOKEN_MARKER = "__yzgz_csrf_token__"  # noqa: S105 - a placeholder, not a secret
_TOKEN_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_KEPT_HEADERS = ("Content-Type", "Content-Language")


def seconds():
    return getattr(settings, "PAGE_CACHE_SECONDS", 0)


def bump(*args, **kwargs):
    """Make every cached page stale (usable as a signal receiver)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


def bump_on_commit(*args, **kwargs):
    """:func:`bump` now and again when the transaction commits.

    Now, so nothing in this transaction reads a stale page; at the commit, because a reader
    may have cached the old content under the new generation in between.
    """
    bump()
    transaction.on_commit(bump)


def _generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, 1, None)
        generation = cache.get(GENERATION_KEY, 1)
    return generation


def is_anonymous_request(request):
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _key(request):
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    return f"pagecache:{_generation()}:{language}:{request.get_full_path()}"


def cache_anonymous(view):
    """Serve ``view`` from the shared cache to anonymous readers (see the module docstring)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        ttl = seconds()
        if not ttl or not is_anonymous_request(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            return _serve(request, stored, hit=True)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if _storable(response):
            content = _TOKEN_INPUT.sub(rf"\g<1>{TOKEN_MARKER}\g<2>", response.content.decode(response.charset))
            headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
            stored = {"content": content, "headers": headers}
            cache.set(key, stored, ttl)
            if request.META.get(MICROCACHE_HEADER) == "1":
                return _serve(request, stored, hit=False)
        response["X-Page-Cache"] = "miss"
        return response

    return wrapper


def _storable(response):
    if response.status_code != 200 or getattr(response, "streaming", False):
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    cookies = set(response.cookies) - {settings.CSRF_COOKIE_NAME}
    return not cookies and "private" not in response.get("Cache-Control", "")


def _serve(request, stored, hit):
    content = stored["content"]
    shared = request.META.get(MICROCACHE_HEADER) == "1"
    if shared:
        # For every anonymous reader at once: no token, no cookie; site.js fetches both.
        content = content.replace(TOKEN_MARKER, "")
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
    elif TOKEN_MARKER in content:
        content = content.replace(TOKEN_MARKER, get_token(request))
    response = HttpResponse(content)
    for name, value in stored["headers"].items():
        response[name] = value
    response["X-Page-Cache"] = "hit" if hit else "miss"
    if shared:
        response["X-Accel-Expires"] = str(getattr(settings, "MICROCACHE_SECONDS", 1))
    return response


def csrf_token_view(request):
    """``{"token": …}`` for this reader (and their CSRF cookie): fills microcached pages' forms."""
    response = JsonResponse({"token": get_token(request)})
    response["Cache-Control"] = "no-store, private"
    return response
