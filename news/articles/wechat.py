"""WeChat JS-SDK share cards: what a page opened inside WeChat shows when it is shared.

WeChat's browser (its user agent says ``MicroMessenger``) lets a page set the card of a
share — title, summary, link and picture — through the JS-SDK, once the page has proved
it belongs to a domain of the site's official account (公众号) with a signature made on
our server (WeChat's JS-SDK documentation, 附录1):

    signature = sha1("jsapi_ticket=…&noncestr=…&timestamp=…&url=…")

with the page's URL as the browser has it, without the ``#fragment``. The ticket comes from
WeChat's API with an access token, which comes from the AppID and AppSecret. Both last 7200
seconds and WeChat limits how often they may be fetched, so both are kept in the shared
cache (Redis in production) until shortly before they expire, and only one request at a
time fetches them (``cache.add`` as a lock); the others wait a moment for its result.

The AppID is a site setting (the admin), the AppSecret an environment variable
(``WECHAT_APP_SECRET``); without both nothing of WeChat's is loaded or rendered.
"""

import hashlib
import http.client
import json
import secrets
import string
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.views.decorators.debug import sensitive_variables

from news.articles.models import SiteSettings

SDK_URL = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"
SDK_ORIGIN = "https://res.wx.qq.com"
JS_API_LIST = ("updateAppMessageShareData", "updateTimelineShareData")
TIMEOUT_SECONDS = 5  # one call to WeChat's API
EXPIRY_MARGIN_SECONDS = 300  # a token or ticket is fetched again this long before WeChat's expiry
LOCK_SECONDS = 2 * TIMEOUT_SECONDS + 5  # longer than one fetch of both, so one request fetches at a time
WAIT_SECONDS = 3  # how long a request waits for another's fetch before giving up (503)
# After WeChat refused or failed, pages get a 503 at once for this long instead of asking again:
# its token endpoint has a daily quota, and an account whose server is not whitelisted fails every time.
FAILURE_SECONDS = 60
# The access token was replaced (fetched elsewhere with the same AppSecret) or expired early.
STALE_TOKEN_ERRORS = {40001, 40014, 42001}
NONCE_ALPHABET = string.ascii_letters + string.digits


class WeChatError(Exception):
    """WeChat's API could not be reached, or answered with an error code."""

    def __init__(self, message, errcode=None):
        super().__init__(message)
        self.errcode = errcode


def app_id(site=None):
    """The configured AppID, or "" when the AppID or the AppSecret is missing."""
    if not getattr(settings, "WECHAT_APP_SECRET", ""):
        return ""
    site = site or SiteSettings.current()
    return (site.wechat_app_id or "").strip()


def is_configured(site=None):
    return bool(app_id(site))


def allow_sdk(response, *, preview=False):
    """Let a page that shows the share card load the JS-SDK (its CSP names WeChat's origin);
    kept on the page caches' copies (yzgz.pagecache). Nothing when not configured."""
    if not preview and is_configured():
        response._csp_update = {"script-src": [SDK_ORIGIN]}
    return response


def signature(*, jsapi_ticket, noncestr, timestamp, url):
    """WeChat's JS-SDK signature (附录1): the fields in ASCII order, raw (not URL-escaped), SHA-1."""
    string1 = f"jsapi_ticket={jsapi_ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(string1.encode()).hexdigest()  # noqa: S324 - the algorithm WeChat prescribes


def sign(url, appid, *, now=None, nonce=None):
    """The ``wx.config`` fields for the page at ``url`` (its fragment dropped)."""
    url = url.split("#", 1)[0]
    timestamp = int(now if now is not None else time.time())
    nonce = nonce or "".join(secrets.choice(NONCE_ALPHABET) for _ in range(16))
    ticket = jsapi_ticket(appid)
    return {
        "appId": appid,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": signature(jsapi_ticket=ticket, noncestr=nonce, timestamp=timestamp, url=url),
    }


@sensitive_variables("params", "url")
def _call(path, params):
    """GET WeChat's API; the JSON answer, or :class:`WeChatError` (never the secret in its message)."""
    url = f"{settings.WECHAT_API_BASE}{path}?{urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - our fixed https base
            data = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError, ValueError) as exc:
        raise WeChatError(f"WeChat API {path} unreachable or unreadable: {exc.__class__.__name__}") from exc
    if not isinstance(data, dict):
        raise WeChatError(f"WeChat API {path}: unexpected answer")
    errcode = data.get("errcode") or 0
    if errcode:
        raise WeChatError(f"WeChat API {path}: errcode {errcode} {data.get('errmsg', '')}", errcode=errcode)
    return data


def _lifetime(data):
    """Seconds to keep a token or ticket: WeChat's ``expires_in`` less the margin."""
    try:
        expires_in = int(data.get("expires_in", 7200))
    except (TypeError, ValueError):
        expires_in = 7200
    return max(expires_in - EXPIRY_MARGIN_SECONDS, expires_in // 2, 1)


@sensitive_variables("data")
def _fetch_access_token(appid):
    data = _call(
        "/cgi-bin/token", {"grant_type": "client_credential", "appid": appid, "secret": settings.WECHAT_APP_SECRET}
    )
    if not data.get("access_token"):
        raise WeChatError("WeChat API /cgi-bin/token: no access_token")
    return data["access_token"], _lifetime(data)


def _fetch_ticket(appid):
    token_key = _key("access-token", appid)
    for attempt in range(2):
        token = cache.get(token_key)
        if not token:
            token, lifetime = _fetch_access_token(appid)
            cache.set(token_key, token, lifetime)
        try:
            data = _call("/cgi-bin/ticket/getticket", {"access_token": token, "type": "jsapi"})
        except WeChatError as exc:
            if exc.errcode in STALE_TOKEN_ERRORS and attempt == 0:
                cache.delete(token_key)  # replaced elsewhere: fetch a new one and try once more
                continue
            raise
        if not data.get("ticket"):
            raise WeChatError("WeChat API /cgi-bin/ticket/getticket: no ticket")
        return data["ticket"], _lifetime(data)
    raise WeChatError("WeChat API: the access token was refused twice")  # pragma: no cover - loop returns


def _key(kind, appid):
    return f"wechat:{kind}:{appid}"


def jsapi_ticket(appid):
    """The jsapi_ticket from the cache, or fetched by one request while the others wait."""
    key = _key("jsapi-ticket", appid)
    ticket = cache.get(key)
    if ticket:
        return ticket
    failed = _key("failed", appid)
    if cache.get(failed):
        raise WeChatError("WeChat API failed a moment ago; not asking again yet")
    lock = _key("lock", appid)
    if cache.add(lock, 1, LOCK_SECONDS):
        try:
            ticket = cache.get(key)  # fetched by another request between our get and our add
            if not ticket:
                try:
                    ticket, lifetime = _fetch_ticket(appid)
                except WeChatError:
                    cache.set(failed, 1, FAILURE_SECONDS)
                    raise
                cache.set(key, ticket, lifetime)
            return ticket
        finally:
            cache.delete(lock)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        ticket = cache.get(key)
        if ticket:
            return ticket
        if not cache.get(lock):
            break  # the other request failed; do not wait for nothing
    raise WeChatError("WeChat API: another request is fetching the ticket")
