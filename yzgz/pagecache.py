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
* The query string: known tracking parameters (:data:`TRACKING_PARAMETERS`, what WeChat, Weibo
  and ad links append) are dropped from the key and from the request the view sees, so
  ``?utm_source=…`` shares the page of the bare address; any other parameter a view does not
  read (its ``query`` list) makes the request uncached, so made-up parameters cannot fill Redis.
  Only a clean address (no tracking parameter) is handed to nginx's microcache.

Logged-in residents ("members") share pages too (``PAGE_CACHE_MEMBERS``): what a resident
sees is the page every other resident sees except for a few parts of their own. The shared
copy is stored with those parts cut out — the user menu (between ``<!--yz:user-menu-->``
markers), the CSRF tokens, and what the apps' :data:`member_hooks` strip (their reaction
pressed) — and each request puts this resident's back: the menu rendered from its small
template, their token, the hooks' parts (``put_back`` of what their ``query`` subqueries read, all
of them in one statement, then ``fill``). A resident whose page differs in more than that
(a hook's ``own_page`` or ``own_query``: banned, or with comments of their own waiting for
review — asked in the same statement as the hooks' parts on a hit), staff, and
anyone with a message to show get the page rendered for them alone. The copy is private
(``Cache-Control: private``) and shares the generation with the anonymous pages, so every
change readers should see reaches residents at once too.

nginx may serve residents' pages too ("the edge", ``EDGE``): a resident whose browser runs our
JavaScript (the ``yz_js`` cookie, set by site.js) and who was last given the shared copy (the
``yz_member`` cookie, set here; dropped whenever they get a page of their own) is marked by
nginx with ``X-Microcache: member``. Django then answers with the residents' copy as it is —
no menu, no token, nothing pressed — and ``X-Accel-Expires``, and nginx serves that copy to every
such resident for a second. site.js then asks :func:`page_parts_view` for this resident's parts
(the menu, their token, what the hooks' ``edge_query``/``edge_parts`` say is theirs) and puts
them in; if the page should have been theirs alone, that answer says so, drops the cookie and
the page loads again from Django. A resident's write (any POST) sets ``yz_fresh`` for
``FRESH_SECONDS``, so the page they come back to is never nginx's copy from before it.
"""

import re
from functools import wraps
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse, QueryDict
from django.middleware.csrf import get_token
from django.template import Context, engines
from django.urls import Resolver404, get_resolver, get_urlconf
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yzgz import published

GENERATION_KEY = "pagecache:generation"
MICROCACHE_HEADER = "HTTP_X_MICROCACHE"
TOKEN_MARKER = "__yzgz_csrf_token__"  # noqa: S105 - a placeholder, not a secret
_TOKEN_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_KEPT_HEADERS = ("Content-Type", "Content-Language")
USER_MENU_MARKER = "<!--yz:user-menu:here-->"
# nginx's residents' copy (see the module docstring): the value of X-Microcache, the cookies
# nginx reads, and what stands where the menu will be until site.js puts this resident's in.
EDGE = "member"
EDGE_COOKIE = "yz_member"
FRESH_COOKIE = "yz_fresh"
# nginx hands the first reader after a copy's second the copy it has while it refreshes it
# (proxy_cache_use_stale updating), and keeps a copy nobody asks for 10 s (inactive=10s): so a copy
# may be up to about 11 s old when served. After a write, a resident skips nginx's copies that long.
FRESH_SECONDS = 12
# data-page: "1" when the page has parts of its own for a resident (an article: their reaction…),
# "0" when the menu and token are all (site.js may then reuse the ones it fetched a moment ago).
EDGE_MENU = '<div class="user-menu" id="yz-user-menu" data-parts="/page-parts/" data-page="{page}"></div>'
# How long site.js may reuse a resident's menu and token on pages with nothing else of theirs.
MENU_REUSE_SECONDS = 60
_USER_MENU = re.compile(r"<!--yz:user-menu-->.*?<!--/yz:user-menu-->", re.DOTALL)
# A resident's rendered menu (token left out), by account and language (_user_menu). Kept this
# long at most: a new release's menu reaches everyone within it.
MENU_KEY = "pagecache:menu:{}:{}"
MENU_SECONDS = 300


class MemberHook:
    """What an app adds to residents' shared pages; apps append theirs to :data:`member_hooks`
    in AppConfig.ready() and override what they need. ``match`` is the request's ResolverMatch."""

    @staticmethod
    def own_page(request, match):
        """True: this resident needs the page rendered for them alone."""
        return False

    @staticmethod
    def own_query(request, match):
        """Like :meth:`own_page`, from the database: ``(sql, params)`` of one scalar boolean
        subquery (true: their own page), or None. On a hit it runs in the same statement as the
        hooks' :meth:`query` parts."""
        return None

    @staticmethod
    def strip(content):
        """Cut the resident's part out of a copy about to be shared."""
        return content

    @staticmethod
    def fill(request, match, content):
        """Put this resident's part back into the shared copy."""
        return content

    @staticmethod
    def query(request, match, content):
        """What this resident's part needs from the database, as ``(sql, params)`` of one scalar
        subquery, or None. The hooks' subqueries run together as one statement per request; its
        value for this hook goes to :meth:`put_back`."""
        return None

    @staticmethod
    def put_back(request, match, content, value):
        """Put this resident's part back, given the value of :meth:`query`."""
        return content

    @staticmethod
    def edge_query(request, match):
        """Like :meth:`query`, without the page (for :func:`page_parts_view`), or None."""
        return None

    @staticmethod
    def edge_parts(request, match, value):
        """Given the value of :meth:`edge_query`: ``[[css selector, {attribute: value}], …]`` that
        site.js sets on nginx's residents' copy to make it this resident's."""
        return []


member_hooks = []

# Callables ``user_id -> [cache key, …]``: what the user menu shows from the cache (apps add theirs
# in AppConfig.ready(): the bell's count). A resident's rendered menu is reused while those
# values are unchanged (:func:`_user_menu`).
menu_keys = []

# Parameters that share links and ad campaigns append and no view reads: dropped from the page
# cache's key and from the page's own address (its 手机版 link and QR code, login's "next").
TRACKING_PARAMETERS = frozenset(
    {
        # Campaign and ad click ids (Google Analytics, Google/Microsoft/Facebook/Baidu ads)
        "fbclid", "gclid", "dclid", "msclkid", "bd_vid", "_ga", "mc_cid", "mc_eid",
        # WeChat shares and the in-app browser
        "from", "isappinstalled", "scene", "clicktime", "enterid", "sharer_sharetime",
        "sharer_shareid", "sharer_sharetimes", "srcid", "nsukey", "wxshare_count", "pass_ticket",
        "exportkey", "ascene", "devicetype", "version", "lang", "wx_header", "subscene", "sessionid",
        # Weibo, QQ, Toutiao/Douyin, Alibaba
        "weibo_id", "wm", "luicode", "lfid", "featurecode", "share_token", "share_from", "share_source",
        "share_medium", "tt_from", "spm", "scm", "timestamp", "s_trans", "s_channel",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_",)


def seconds():
    return getattr(settings, "PAGE_CACHE_SECONDS", 0)


def bump(*args, **kwargs):
    """Make every cached page stale (usable as a signal receiver), nginx's files too."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)
    published.forget()


def bump_on_commit(*args, **kwargs):
    """:func:`bump` now and again when the transaction commits.

    Now, so nothing in this transaction reads a stale page; at the commit, because a reader
    may have cached the old content under the new generation in between.
    """
    bump()
    transaction.on_commit(bump)


def generation():
    """The page cache's generation now (it moves on every :func:`bump`)."""
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


def is_tracking_parameter(name):
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def without_tracking(query_string):
    """``query_string`` without tracking parameters, the others in their order."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    return urlencode([(name, value) for name, value in pairs if not is_tracking_parameter(name)])


def _drop_tracking(request):
    """Let the view see the address without tracking parameters; True if there were any."""
    query_string = request.META.get("QUERY_STRING", "")
    clean = without_tracking(query_string)
    if clean == query_string or not query_string:
        return False
    request.META["QUERY_STRING"] = clean
    request.GET = QueryDict(clean)
    return True


def _key(request, audience=""):
    """The page's key: the generation, the language, who shares it ("" anonymous readers) and the address."""
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    audience = f"{audience}:" if audience else ""
    # The generation the page is rendered or served for (yzgz.published compares it after writing).
    request.pagecache_generation = generation()
    return f"pagecache:{request.pagecache_generation}:{language}:{audience}{request.get_full_path()}"


def cache_anonymous(view, query=()):
    """Serve ``view`` from the shared cache to anonymous readers (see the module docstring).

    ``query``: the parameters the view reads (``page``, ``q``…); a request with any other one
    (not a tracking parameter) is answered by the view and never stored.
    """
    allowed = frozenset(query)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        ttl = seconds()
        if not ttl:
            return view(request, *args, **kwargs)
        if not is_anonymous_request(request):
            if is_member_request(request):
                return _member_page(view, request, args, kwargs, allowed, ttl)
            return view(request, *args, **kwargs)
        tracked = _drop_tracking(request)
        if not set(request.GET) <= allowed:
            return view(request, *args, **kwargs)
        if tracked:
            # nginx keys its copies by the full address: only the clean one may be shared there.
            request.META.pop(MICROCACHE_HEADER, None)
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            return _serve(request, stored, hit=True)
        response, stored = _render_and_store(view, request, args, kwargs, key, ttl)
        if stored is not None and request.META.get(MICROCACHE_HEADER) == "1":
            return _serve(request, stored, hit=False)
        response["X-Page-Cache"] = "miss"
        return response

    return wrapper


def is_member_request(request):
    """A resident's GET with nothing of their own to show but the menu, token and hooks' parts."""
    if request.method not in {"GET", "HEAD"} or "messages" in request.COOKIES:
        return False
    if not getattr(settings, "PAGE_CACHE_MEMBERS", False):
        return False
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active or user.is_staff:
        return False
    return not request.session.get("_messages")  # messages kept in the session (too big for the cookie)


def _member_page(view, request, args, kwargs, allowed, ttl):
    # nginx keys its copies by the full address: only a clean one may be shared there.
    tracked = _drop_tracking(request)
    edge = request.META.get(MICROCACHE_HEADER) == EDGE and not tracked
    match = request.resolver_match
    if not set(request.GET) <= allowed or any(hook.own_page(request, match) for hook in member_hooks):
        return _own(view(request, *args, **kwargs), request)
    own = [question for hook in member_hooks if (question := hook.own_query(request, match)) is not None]
    key = _key(request, "member")
    stored = cache.get(key)
    if stored is None:
        if own and any(_ask(own)):
            return _own(view(request, *args, **kwargs), request)
        response, stored = _render_and_store(view, request, args, kwargs, key, ttl, _members_copy)
        if edge and stored is not None:
            return _serve_edge(request, stored, hit=False)
        response["X-Page-Cache"] = "miss"
        return _shared(_private(response), request)  # rendered for this member: theirs as it is
    if edge:
        if own and any(_ask(own)):
            return _own(view(request, *args, **kwargs), request)
        return _serve_edge(request, stored, hit=True)
    # One statement for the whole hit: whether the page is theirs alone, and the hooks' parts.
    asked = [(hook, hook.query(request, match, stored["content"])) for hook in member_hooks]
    asked = [(hook, question) for hook, question in asked if question is not None]
    values = _ask(own + [question for _hook, question in asked])
    if any(values[: len(own)]):
        return _own(view(request, *args, **kwargs), request)
    token = get_token(request)
    content = stored["content"].replace(USER_MENU_MARKER, _user_menu(request, token), 1)
    for (hook, _question), value in zip(asked, values[len(own) :], strict=True):
        content = hook.put_back(request, match, content, value)
    for hook in member_hooks:
        content = hook.fill(request, match, content)
    return _shared(_private(_response(content.replace(TOKEN_MARKER, token), stored, hit=True)), request)


def _serve_edge(request, stored, hit):
    """The residents' copy for nginx to share among residents for a second (nothing of anyone's)."""
    menu = EDGE_MENU.format(page="1" if _has_own_parts(request, request.resolver_match) else "0")
    content = stored["content"].replace(USER_MENU_MARKER, menu, 1).replace(TOKEN_MARKER, "")
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
    response = _private(_response(content, stored, hit))
    response["X-Accel-Expires"] = str(getattr(settings, "MICROCACHE_SECONDS", 1))
    return response


def _has_own_parts(request, match):
    """Whether a resident's page at ``match`` has more of theirs than the menu and the token."""
    return any(
        hook.own_query(request, match) is not None or hook.edge_query(request, match) is not None
        for hook in member_hooks
    )


def _shared(response, request):
    """A resident was given the shared copy: nginx may give them its copy next time."""
    if request.COOKIES.get(EDGE_COOKIE) != "1":
        response.set_cookie(
            EDGE_COOKIE,
            "1",
            max_age=settings.SESSION_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


def _own(response, request):
    """A page rendered for this resident alone: nginx must send them to the app servers."""
    if EDGE_COOKIE in request.COOKIES:
        response.delete_cookie(EDGE_COOKIE, samesite="Lax")
    return _private(response)


def _ask(questions):
    """The values of scalar subqueries ``[(sql, params), …]``, read in one statement.

    On PostgreSQL the statement is prepared on the connection (psycopg's server-side binding:
    after ``prepare_threshold`` runs, the server keeps its plan). It runs on every resident's
    page and parts request, and planning its four subqueries took ten times as long as running
    them (about 2 ms against 0.2 ms).
    """
    if not questions:
        return ()
    sql = "SELECT " + ", ".join(f"({sql})" for sql, _params in questions)
    params = [param for _sql, params in questions for param in params]
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _cursor():
    """A cursor of the default connection; on PostgreSQL one that binds on the server, so that
    psycopg prepares statements it runs often (Django's own cursors bind on the client)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.close_if_health_check_failed()  # as connection.cursor() does
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    # Django's wrapper: database errors as Django's, and counted and logged like any query.
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def _members_copy(content):
    """A resident's page as every resident may share it: their menu and their hooks' parts cut out."""
    content = _USER_MENU.sub(USER_MENU_MARKER, content)
    for hook in member_hooks:
        content = hook.strip(content)
    return content


def _render_and_store(view, request, args, kwargs, key, ttl, shared=None):
    """The view's response, and the copy stored under ``key`` (None when it may not be stored).

    The copy has its CSRF tokens cut out, then ``shared(content)`` applied.
    """
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if not _storable(response):
        return response, None
    content = _TOKEN_INPUT.sub(rf"\g<1>{TOKEN_MARKER}\g<2>", response.content.decode(response.charset))
    headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
    stored = {"content": shared(content) if shared else content, "headers": headers}
    if getattr(response, "_csp_update", None):
        stored["csp_update"] = response._csp_update  # a view's own @csp_update (WeChat's JS-SDK) holds on a hit
    cache.set(key, stored, ttl)
    return response, stored


def _response(content, stored, hit):
    response = HttpResponse(content)
    for name, value in stored["headers"].items():
        response[name] = value
    if stored.get("csp_update"):
        response._csp_update = stored["csp_update"]
    response["X-Page-Cache"] = "hit" if hit else "miss"
    return response


def menu_cache_keys(user_id, language):
    """The key of this resident's rendered menu, then the keys of what it shows from the cache
    (:data:`menu_keys`: the bell's count…)."""
    return [MENU_KEY.format(user_id, language)] + [key for keys_of in menu_keys for key in keys_of(user_id)]


def forget_menus(user_id):
    """The resident's menus in every language: their account changed."""
    cache.delete_many([MENU_KEY.format(user_id, code) for code, _name in settings.LANGUAGES])


def _user_menu(request, token, known=None):
    """The resident's menu with their token, from the cache while what it shows is unchanged.

    The copy is kept with the values of :data:`menu_keys` it was rendered with, and used only
    while those are the same, so the bell's count is as fresh as on a page rendered whole; an
    account saved or deleted drops it (:func:`forget_menus`). ``known``: those keys' values,
    already read (``{key: value}``).
    """
    user = request.user
    keys = menu_cache_keys(user.pk, getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE))
    values = known if known is not None else cache.get_many(keys)
    stored, shown = values.get(keys[0]), [values.get(key) for key in keys[1:]]
    if stored is not None and stored["shown"] == shown and None not in shown:
        return stored["html"].replace(TOKEN_MARKER, token)
    template = engines["django"].get_template("includes/user_menu.html")
    # A plain Context: the menu needs the user and a token, not every context processor.
    html = (
        "<!--yz:user-menu-->"
        + template.template.render(Context({"user": user, "csrf_token": TOKEN_MARKER}))
        + "<!--/yz:user-menu-->"
    )
    if None not in shown:  # else the template read them first: stored on the next request
        cache.set(keys[0], {"html": html, "shown": shown}, MENU_SECONDS)
    return html.replace(TOKEN_MARKER, token)


def page_parts_view(request):
    """This resident's parts of nginx's residents' copy of the page at ``?path=`` (site.js puts them in).

    ``{"menu": …, "token": …, "set": [[selector, {attribute: value}], …]}``, or ``{"own": true}``
    when the page should be rendered for them alone (banned, comments waiting, staff, logged
    out): then the ``yz_member`` cookie goes and site.js loads the page again. For a plain
    resident :class:`yzgz.pageparts.PagePartsMiddleware` answers before the rest of the stack,
    with the same :func:`page_parts`.
    """
    return parts_answer(request, *page_parts(request))


_resolved = {}
RESOLVED_PATHS = 4096


def _resolve(path):
    """``resolve(path)``, or None for the site's 404 page (the menu and token all the same),
    remembered per URLconf, language and path: a busy evening's readers ask for the same few
    articles' parts, and resolving one is ~6% of answering it. The match is only read."""
    resolver = get_resolver(get_urlconf())
    key = (resolver, get_language(), path)
    try:
        return _resolved[key]
    except KeyError:
        pass
    try:
        match = resolver.resolve(path)
    except Resolver404:
        match = None
    if len(path) <= 200:  # a site's own addresses; nobody's made-up long ones held in memory
        if len(_resolved) >= RESOLVED_PATHS:
            _resolved.clear()
        _resolved[key] = match
    return match


def page_parts(request, known=None):
    """``(body, status)`` of :func:`page_parts_view` for ``request`` (its session and user loaded);
    ``known``: the values of :func:`menu_cache_keys` already read."""
    path = request.GET.get("path", "")
    if not path.startswith("/") or path.startswith("//") or len(path) > 2000:
        return {"error": _("This address is not a page of this site.")}, 400
    match = _resolve(path.split("?", 1)[0])
    if match is not None and any(isinstance(value, int) and not 0 < value < 2**63 for value in match.kwargs.values()):
        match = None  # no such row (and no database takes the number): the 404 page's parts
    if not is_member_request(request) or any(hook.own_page(request, match) for hook in member_hooks):
        return {"own": True}, 200
    own = [question for hook in member_hooks if (question := hook.own_query(request, match)) is not None]
    asked = [(hook, hook.edge_query(request, match)) for hook in member_hooks]
    asked = [(hook, question) for hook, question in asked if question is not None]
    values = _ask(own + [question for _hook, question in asked])
    if any(values[: len(own)]):
        return {"own": True}, 200
    token = get_token(request)
    parts = [
        part
        for (hook, _question), value in zip(asked, values[len(own) :], strict=True)
        for part in hook.edge_parts(request, match, value)
    ]
    body = {"menu": _user_menu(request, token, known), "token": token, "set": parts}
    if not own and not asked:
        body["reuse"] = MENU_REUSE_SECONDS  # nothing of this page's: site.js may reuse it on the next
    return body, 200


def parts_answer(request, body, status=200):
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store, private"
    if body.get("own") and EDGE_COOKIE in request.COOKIES:
        response.delete_cookie(EDGE_COOKIE, samesite="Lax")
    return response


class EdgeCookiesMiddleware:
    """The cookies nginx reads to serve residents its copy (see the module docstring).

    After a resident's write (a POST that did not fail), ``yz_fresh`` for ``FRESH_SECONDS``: the page
    they come back to is the app servers', with what they just did in it. A browser that is
    not logged in (any more) loses ``yz_member``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "POST":
            user = getattr(request, "user", None)  # loaded by a POST's view anyway
            if user is not None and user.is_authenticated:
                if response.status_code < 400:
                    response.set_cookie(
                        FRESH_COOKIE,
                        "1",
                        max_age=FRESH_SECONDS,
                        secure=settings.SESSION_COOKIE_SECURE,
                        httponly=True,
                        samesite="Lax",
                    )
                return response
            self._forget_edge(request, response)  # logged out
        elif settings.SESSION_COOKIE_NAME not in request.COOKIES:
            self._forget_edge(request, response)
        return response

    @staticmethod
    def _forget_edge(request, response):
        if EDGE_COOKIE in request.COOKIES and EDGE_COOKIE not in response.cookies:
            response.delete_cookie(EDGE_COOKIE, samesite="Lax")


def _private(response):
    patch_cache_control(response, private=True)
    return response


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
    response = _response(content, stored, hit)
    if shared:
        response["X-Accel-Expires"] = str(getattr(settings, "MICROCACHE_SECONDS", 1))
    return response


def csrf_token_view(request):
    """``{"token": …}`` for this reader (and their CSRF cookie): fills microcached pages' forms."""
    response = JsonResponse({"token": get_token(request)})
    response["Cache-Control"] = "no-store, private"
    return response


class MicrocacheErrorsMiddleware:
    """Mark a 404 or 410 for nginx's microcache, so it replaces the copy of a page that was public.

    nginx serves its last copy of a page while one request refreshes it, and keeps it while the
    app servers are down (``proxy_cache_use_stale``); it replaces the copy only with a response
    it may store. A page that stopped being public (withdrawn: 410; deleted, or back to draft:
    404) must replace the copy at once, so for a request nginx may microcache (``X-Microcache:
    1``) its error page is shareable like a page: no CSRF token, no cookie, ``X-Accel-Expires``.
    It sits after CsrfViewMiddleware, whose response step would otherwise set a cookie. For
    residents' copies (``X-Microcache: member``) the user menu goes too, as on their pages.
    """

    STATUSES = {404, 410}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        audience = request.META.get(MICROCACHE_HEADER)
        if (
            audience not in {"1", EDGE}
            or response.status_code not in self.STATUSES
            # Only a plain resident's page is everyone's but the menu (staff, a message to show: not).
            or (audience == EDGE and not is_member_request(request))
            or getattr(response, "streaming", False)
            or not response.get("Content-Type", "").startswith("text/html")
        ):
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
            return response
        content = _TOKEN_INPUT.sub(r"\g<1>\g<2>", response.content.decode(response.charset))
        if audience == EDGE:
            content = _USER_MENU.sub(EDGE_MENU.format(page="0"), content)
        response.content = content
        response.cookies.pop(settings.CSRF_COOKIE_NAME, None)
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        response["X-Accel-Expires"] = str(getattr(settings, "MICROCACHE_SECONDS", 1))
        return response
