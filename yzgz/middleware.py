"""Site-wide middleware: the footer's render statistics, the UI language, and no NUL in input."""

import contextlib
import time

from django.conf import settings
from django.db import connections
from django.http import HttpResponseBadRequest, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.utils import timezone, translation

# The base template writes this marker where the footer line goes. It is replaced per
# response, so a page served from a cache still shows the time and cost of this request.
RENDER_STATS_MARKER = b"<!--yzgz:render-stats-->"


class QueryCounter:
    """A database execute wrapper that counts queries (works with DEBUG off)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class RenderStatsMiddleware:
    """Fill the footer line: ``GMT+8, <now>, Processed in <s> second(s), <n> queries.``

    The numbers are measured for the response being sent: wall time from this
    middleware to the response, and every query on every database connection.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = QueryCounter()
        started = time.perf_counter()
        wrappers = [conn.execute_wrapper(counter) for conn in connections.all(initialized_only=False)]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            response = self.get_response(request)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
        elapsed = time.perf_counter() - started
        if (
            not getattr(response, "streaming", False)
            and response.get("Content-Type", "").startswith("text/html")
            and RENDER_STATS_MARKER in response.content
        ):
            now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
            line = translation.gettext("GMT+8, %(now)s, Processed in %(seconds).6f second(s), %(queries)d queries.") % {
                "now": now,
                "seconds": elapsed,
                "queries": counter.count,
            }
            response.content = response.content.replace(RENDER_STATS_MARKER, line.encode(), 1)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response


def language_of(request):
    """The language the reader chose (Django's ``set_language`` cookie), else the site's."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in {code for code, _name in settings.LANGUAGES} else settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Speak Simplified Chinese unless the reader chose another language.

    Unlike Django's LocaleMiddleware this ignores ``Accept-Language``: a local
    Chinese news site should not switch to English because a browser was set up
    in English. The choice made with Django's ``set_language`` view is a cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_of(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RefuseNulMiddleware:
    """Answer 400 to a NUL character in any query parameter or form field, for every URL.

    PostgreSQL refuses NUL in text, so a NUL that reaches a query is a 500 wherever a view
    (the admin's, Django's autocomplete, ours) filters by what it was sent; nobody types one.
    Names and values of ``GET`` and ``POST`` are checked, and the names of uploaded files
    (Django already drops unprintable characters from those; checked in case that changes).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.has_nul(request):
            title = translation.gettext("Bad request")
            message = translation.gettext(
                "The request contains a NUL character, which no form field or address accepts. Remove it and try again."
            )
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "nul_character", "message": message}, status=400)
            if "application/json" in request.headers.get("Accept", ""):
                return JsonResponse({"error": message}, status=400)
            body = loader.render_to_string("includes/error_page.html", {"error_title": title, "error_message": message})
            return HttpResponseBadRequest(body)
        return self.get_response(request)

    @staticmethod
    def has_nul(request):
        sources = [request.GET]
        # An unreadable body reads as empty from then on, and the view refuses it as it would.
        if request.method == "POST":
            with contextlib.suppress(MultiPartParserError, UnreadablePostError):
                sources += [request.POST, request.FILES]
        for data in sources:
            for key, values in data.lists():
                if "\x00" in key:
                    return True
                for value in values:
                    text = value if isinstance(value, str) else (getattr(value, "name", "") or "")
                    if "\x00" in text:
                        return True
        return False
