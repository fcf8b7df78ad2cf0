"""Every /api/ request: rate limits, the anonymous response cache, ETags and JSON errors.

* **Rate limits** — per token (``API_RATE_PER_TOKEN`` a minute) or, without one, per client
  address (``API_RATE_PER_IP``); over it a ``429`` with ``Retry-After``. Counted before the
  cache, so cached answers count too.
* **Cache** — an anonymous ``GET`` answer (200, JSON) is kept ``API_CACHE_SECONDS`` under the
  page cache's generation: whatever makes the site's cached pages stale (``article_changed``,
  bans, comments) makes these stale too. ``Cache-Control: public`` lets apps and CDNs keep it as
  long; answers to a token are ``private, no-cache``.
  nginx's microcache serves it for a second more (``X-Accel-Expires``) to anonymous clients.
* **Conditional GET** — an ``ETag`` on every 200 JSON answer (and the views' ``Last-Modified``),
  a ``304`` when the client already has it.
* **Errors** — whatever refuses an /api/ request before or outside the API's own views (no
  such address, a NUL character, a 500) answers ``{"code", "message"}`` JSON, never a page.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_http_date_safe
from django.utils.translation import gettext as _

from news.api.models import hash_token
from yzgz import counters, pagecache
from yzgz.net import client_ip

PREFIX = "/api/"
NOT_CACHED = ("/api/v1/docs", "/api/v1/openapi.json")
STATUS_CODES = {
    400: "bad_request",
    401: "token_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
}


def _messages():
    return {
        400: _("The request could not be read."),
        403: _("You may not do this."),
        404: _("There is no such address in the API."),
        405: _("This address does not take this method."),
        413: _("The request is too large."),
        500: _("Something went wrong on our side. Please try again later."),
    }


def json_error(status, code, message, **headers):
    response = JsonResponse(
        {"code": code, "message": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in headers.items():
        response[name] = value
    return response


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        limited = self._rate_limit(request)
        if limited is not None:
            return limited
        if any(not name.strip() for name in request.GET):
            return json_error(400, "bad_request", _("A query parameter has no name."))
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            # Read the body now: the API parses it as JSON after RefuseNulMiddleware has read a
            # form body as request.POST, which would have consumed the stream (a 500).
            try:
                request.body  # noqa: B018 - cached on the request
            except RequestDataTooBig:
                return json_error(413, "too_large", _messages()[413])
        anonymous = "Authorization" not in request.headers
        key = None
        if anonymous and request.method in ("GET", "HEAD") and request.path not in NOT_CACHED:
            key = self._key(request)
            stored = cache.get(key)
            if stored is not None:
                return self._finish(request, self._rebuild(stored), anonymous)
        response = self.get_response(request)
        response = self._as_json(request, response)
        if response.status_code == 401 and not anonymous:
            # A token that is not one counts against its address too: made-up tokens each have a
            # bucket of their own, their address has one.
            counters.hit(self._bad_tokens_key(request), 60)
        if key is not None and response.status_code == 200 and self._is_json(response) and not response.streaming:
            self._set_etag(response)
            cache.set(key, self._store(response), settings.API_CACHE_SECONDS)
        return self._finish(request, response, anonymous)

    # --- rate limits ---------------------------------------------------------------------------

    @staticmethod
    def _address(request):
        return counters.visitor_hash(f"api:{client_ip(request) or ''}")

    def _bad_tokens_key(self, request):
        return f"api:rate:bad:{self._address(request)}:{int(time.time() // 60)}"

    def _rate_limit(self, request):
        header = request.headers.get("Authorization", "")
        if header:
            who, limit = "t:" + hash_token(header)[:32], settings.API_RATE_PER_TOKEN
        else:
            who, limit = "a:" + self._address(request), settings.API_RATE_PER_IP
        now = time.time()
        window = int(now // 60)
        within = counters.hit(f"api:rate:{who}:{window}", 60) <= limit
        if within and header:
            within = (cache.get(self._bad_tokens_key(request)) or 0) < settings.API_RATE_PER_IP
        if within:
            return None
        wait = max(1, 60 - int(now % 60))
        return json_error(
            429,
            "rate_limited",
            _("Too many requests. Please wait %(seconds)d seconds and try again.") % {"seconds": wait},
            **{"Retry-After": str(wait)},
        )

    # --- cache ---------------------------------------------------------------------------------

    @staticmethod
    def _key(request):
        query = "&".join(sorted(request.META.get("QUERY_STRING", "").split("&")))
        raw = f"{request.get_host()}|{request.path}|{query}"
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:40]
        return f"api:v1:{pagecache.generation()}:{digest}"

    @staticmethod
    def _store(response):
        headers = {name: response[name] for name in ("Content-Type", "ETag", "Last-Modified") if name in response}
        return (response.content, headers)

    @staticmethod
    def _rebuild(stored):
        content, headers = stored
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        return response

    # --- headers -------------------------------------------------------------------------------

    @staticmethod
    def _is_json(response):
        return response.get("Content-Type", "").startswith("application/json")

    @staticmethod
    def _set_etag(response):
        if not response.has_header("ETag"):
            response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'

    def _finish(self, request, response, anonymous):
        patch_vary_headers(response, ("Authorization",))
        if response.status_code != 200 or not self._is_json(response) or response.streaming:
            return response
        self._set_etag(response)
        if request.method in ("GET", "HEAD"):
            if anonymous:
                response["Cache-Control"] = f"public, max-age={settings.API_CACHE_SECONDS}"
                # nginx's microcache keeps it a second, as it keeps the pages (never for a request
                # with an Authorization header: deploy/nginx.conf.template); not with the cache off.
                if settings.API_CACHE_SECONDS:
                    response["X-Accel-Expires"] = str(getattr(settings, "MICROCACHE_SECONDS", 1))
            else:
                response["Cache-Control"] = "private, no-cache"
            last_modified = response.get("Last-Modified")
            conditional = get_conditional_response(
                request,
                etag=response["ETag"],
                last_modified=parse_http_date_safe(last_modified or ""),
                response=response,
            )
            if conditional is not None and conditional.status_code == 304:
                return conditional
        return response

    # --- JSON errors ---------------------------------------------------------------------------

    def _as_json(self, request, response):
        status = response.status_code
        if status < 400 or self._is_json(response):
            return response
        messages = _messages()
        code = STATUS_CODES.get(status, "server_error" if status >= 500 else "bad_request")
        message = messages.get(status, messages[500] if status >= 500 else messages[400])
        answer = json_error(status, code, message)
        for name in ("Allow", "Retry-After", "WWW-Authenticate"):
            if response.has_header(name):
                answer[name] = response[name]
        return answer
