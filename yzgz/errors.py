"""Error pages: the 500 handler, which tells a database outage (503, try again shortly) from a
bug (500); the site's own pages while developing; 4xx logged as one line."""

import logging
import sys

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def server_error(request):
    """Django calls this while the exception is being handled, so ``sys.exc_info()`` names it.

    Connecting to the database failed or the connection broke: that is an outage, not a
    bug. The reader gets a friendly 503 page (rendered without a database: no context
    processors) with ``Retry-After``, never cached by anyone.
    """
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable for %s", request.path)
        body = loader.get_template("503.html").render()
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return defaults.server_error(request)


class ErrorPagesMiddleware:
    """The site's own Chinese 404/403/400/500 pages while developing too (``DEBUG`` on).

    With ``DEBUG`` Django answers a missing page or a bug with its English technical pages; a
    newcomer trying ``make run`` should see what readers see. A developer who wants the
    technical pages sets ``DJANGO_DEBUG_TECHNICAL_PAGES=1``. Without ``DEBUG`` Django already
    uses the site's handlers and this middleware does nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _active():
        return settings.DEBUG and not getattr(settings, "DEBUG_TECHNICAL_PAGES", False)

    def __call__(self, request):
        response = self.get_response(request)
        # No view matched the address: Django's resolver answered with its technical 404 page.
        if response.status_code == 404 and self._active() and getattr(request, "resolver_match", None) is None:
            return defaults.page_not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        """An exception a view raised (get_object_or_404, PermissionDenied, a bug)."""
        if not self._active():
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return defaults.permission_denied(request, exception)
        if isinstance(exception, BadRequest | SuspiciousOperation):
            return defaults.bad_request(request, exception)
        if isinstance(exception, MultiPartParserError):
            return defaults.bad_request(request, exception)
        # A bug: its traceback goes to the console once (django.request), the page is ours.
        logger.error(
            "Internal Server Error: %s", request.path, exc_info=(type(exception), exception, exception.__traceback__)
        )
        return server_error(request)


class OneLineClientErrors(logging.Filter):
    """Log a 4xx (Not Found, Forbidden, Bad Request) as one line, without a traceback."""

    def filter(self, record):
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
