"""``/page-parts/`` for a plain resident, before the rest of the middleware.

Every view of an article by a logged-in resident is nginx's residents' copy of the page and
then one ``/page-parts/`` request (yzgz/pagecache.py, "the edge"): that request is what the app
servers do for a resident's page view, so it is kept to what the answer needs. For a GET that
carries a session cookie and no messages cookie, :class:`PagePartsMiddleware` (placed after the
host check and SecurityMiddleware):

* loads the session (one Redis read);
* takes the resident, their rendered menu and the bell's count from the shared cache in one
  more read (:func:`cached_user`; the account's copy and menus are dropped whenever it is saved
  or deleted, the menu whenever what it shows changes);
* answers with :func:`yzgz.pagecache.page_parts` — the same function the view uses, so the
  rules for who gets ``{"own": true}`` are the view's — in one prepared statement, and sets the
  CSRF cookie as CsrfViewMiddleware would.

The session middleware, CSP, the language, API, CSRF, authentication and messages middleware,
the URL resolver and the view's dispatch are skipped: the answer is JSON no browser renders,
with no form to check. So is Django's "SELECT 1" before a request's first query
(``CONN_HEALTH_CHECKS``): a connection a database restart broke fails the statement instead,
and the whole stack answers on a new one.

Anything out of the ordinary goes down the whole stack as before, where Django decides: no
session or an expired one, a backend no longer configured, a session whose password hash does
not match (Django flushes it, or rotates it for a fallback secret), staff, messages waiting, a
``POST``.
"""

import re
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models.signals import post_delete, post_save
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.crypto import constant_time_compare

from yzgz import pagecache
from yzgz.middleware import language_of

PATH = "/page-parts/"
_NUL = re.compile(r"\x00|%00")
USER_KEY = "pageparts:user:{}"
# A safety net only: every save and delete of an account drops its copy at once.
USER_SECONDS = 300


def _user_key(user_id):
    return USER_KEY.format(user_id)


def cached_user(session, language):
    """The logged-in user of ``session`` from the shared cache, and the values of their menu's
    keys (read in the same round trip); None when Django should decide.

    As ``django.contrib.auth.get_user`` for the plain case: the session names an account, a backend
    still configured, and the account's session hash; the backend's ``get_user`` (which refuses
    an inactive account) loads it on a miss.
    """
    try:
        user_id = session[SESSION_KEY]
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return None, None
    session_hash = session.get(HASH_SESSION_KEY)
    if backend_path not in settings.AUTHENTICATION_BACKENDS or not session_hash:
        return None, None
    key = _user_key(user_id)
    known = cache.get_many([key, *pagecache.menu_cache_keys(user_id, language)])
    user = known.pop(key, None)
    if user is None:
        user = load_backend(backend_path).get_user(get_user_model()._meta.pk.to_python(user_id))
        if user is None:
            return None, None
        cache.set(key, user, USER_SECONDS)
    if not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return None, None
    return user, known


def forget_user(sender, instance, **kwargs):
    """An account changed (its name, password, flags) or went: its cached copy and menus go,
    now and at the commit."""

    def forget():
        cache.delete(_user_key(instance.pk))
        pagecache.forget_menus(instance.pk)

    forget()
    transaction.on_commit(forget)


def connect():
    """Called from the accounts app's ready()."""
    user_model = get_user_model()
    post_save.connect(forget_user, sender=user_model, dispatch_uid="pageparts-forget-user-saved")
    post_delete.connect(forget_user, sender=user_model, dispatch_uid="pageparts-forget-user-deleted")


class PagePartsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request):
        if request.path_info != PATH or request.method != "GET":
            return self.get_response(request)
        # No "SELECT 1" before this request's first query (see the module docstring).
        checked, connection.health_check_done = connection.health_check_done, True
        try:
            response = self.answer(request)
        except (InterfaceError, OperationalError):
            if connection.in_atomic_block:
                raise
            connection.close()
            response = None
        finally:
            connection.health_check_done = checked  # the whole stack checks as it always does
        return response or self.get_response(request)

    def answer(self, request):
        """The resident's parts, or None for the whole stack to answer."""
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if not session_key or "messages" in request.COOKIES or _NUL.search(request.META.get("QUERY_STRING", "")):
            return None  # a NUL: RefuseNulMiddleware's 400, as for every URL
        request.session = self.session_store(session_key)
        language = language_of(request)
        user, known = cached_user(request.session, language)
        if user is None:
            return None
        request.user = user
        if not pagecache.is_member_request(request):  # staff, inactive, messages kept in the session
            return None
        translation.activate(language)
        request.LANGUAGE_CODE = language
        self.csrf.process_request(request)  # the resident's CSRF secret from their cookie
        response = pagecache.parts_answer(request, *pagecache.page_parts(request, known))
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return self.csrf.process_response(request, response)  # a new CSRF cookie if they had none
