"""The 500 handler, which tells a database outage (503, try again shortly) from a bug (500)."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
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
