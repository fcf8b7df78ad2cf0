"""Site-wide middleware: the footer's render statistics and the UI language."""

import time

from django.conf import settings
from django.db import connections
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


class LanguageMiddleware:
    """Speak Simplified Chinese unless the reader chose another language.

    Unlike Django's LocaleMiddleware this ignores ``Accept-Language``: a local
    Chinese news site should not switch to English because a browser was set up
    in English. The choice made with Django's ``set_language`` view is a cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        available = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
