"""Published copies: the anonymous pages nginx serves as plain files during a spike.

nginx's microcache (``deploy/nginx.conf.template``) serves a page it keeps for a second, but
each answer from it costs nginx more than a file: it opens its copy, reads and parses the stored
response headers, and locks the cache zone. Under a breaking-news spike that is 10–25% fewer
readers a second than nginx serving the same bytes as a file. So the app servers also write the
page they hand to the microcache as a file, and nginx serves that file with ``try_files``
before it asks the microcache at all:

* A copy lives in a directory named for the second it may be served in: nginx looks for
  ``<root>/<current second><path>index.html`` (the second from ``$msec``). A page rendered at
  second *s* is written for *s* … *s* + ``PUBLISHED_SECONDS`` − 1 (5 by default), so no copy
  is served more than that after it was made. When no copy exists for this second, nginx falls
  back to the microcache (and its one background refresh, which writes the next copies).
  Directories of past seconds are removed whenever a copy is written.
* Every change readers should see calls :func:`yzgz.pagecache.bump`, which calls :func:`forget`:
  all copies go at once, and the next reader's request reaches the microcache and then the app
  servers. A copy rendered before a change and written after it is deleted by its writer (the
  generation the page cache used for the page is compared with the one after writing), so no
  copy outlives a change. Only the
  查看 count and the rankings may lag, by ``PUBLISHED_SECONDS`` (the page cache lets them lag a
  minute).
* Only what nginx would microcache is written: a ``GET`` that nginx marks ``X-Microcache: 1``
  (no session, no messages cookie) and ``X-Publish: 1`` (no query string, no language cookie),
  for a path of lower-case ASCII segments ending in ``/`` (the same pattern as nginx's map),
  answered 200 with ``X-Accel-Expires``, HTML, no cookie.
* A file carries no headers, so nginx adds them (``add_header`` lines in ``headers.conf`` in the
  root, written by ``manage.py published_headers`` from what Django sends for the home page).
  A page is published only if its headers are exactly those: a page with a policy of its own
  (the WeChat JS-SDK's script origin, say) stays with the microcache, never loses a header.
* A page that stops being public (the marked 404/410 of
  :class:`yzgz.pagecache.MicrocacheErrorsMiddleware`) has its copies deleted.

Off unless ``PUBLISHED_ROOT`` is set (``DJANGO_PUBLISHED_ROOT``; ``make prod`` sets it). The
directory must be the one nginx reads: app servers on other hosts than nginx leave it unset and
the microcache alone serves the spike.
"""

import contextlib
import os
import re
import shutil
import threading
import time
from pathlib import Path

from django.conf import settings

PUBLISH_HEADER = "HTTP_X_PUBLISH"
MICROCACHE_HEADER = "HTTP_X_MICROCACHE"
HEADERS_FILE = "headers.conf"
CONTENT_TYPE = "text/html; charset=utf-8"
# The same pattern as the $published map in deploy/nginx.conf.template.
PATH = re.compile(r"^/(?:[a-z0-9_-]+/)*$")
# Django's headers that nginx sets itself for a file, or that only describe this response.
VOLATILE = {"content-length", "content-type", "date", "server", "x-accel-expires", "x-page-cache", "connection"}
# Not compared: Django's page cache answers without "Vary: Cookie"; the copies always carry it.
UNCOMPARED = {"vary"}
_ADD_HEADER = re.compile(r'^add_header\s+(\S+)\s+"((?:[^"\\]|\\.)*)";', re.M)
_headers = {"mtime": None, "value": None}
_lock = threading.Lock()


def root():
    value = getattr(settings, "PUBLISHED_ROOT", None)
    return Path(value) if value else None


def response_headers(response):
    """The headers of ``response`` a published copy must carry, as Django sends them."""
    return [(name, value) for name, value in response.items() if name.lower() not in VOLATILE]


def comparable(headers):
    """``headers`` as a sorted tuple of (lower-cased name, value); a policy's directives (and
    their sources), which django-csp writes in no fixed order, sorted too."""
    out = []
    for name, value in headers:
        name = name.lower()
        if name in UNCOMPARED:
            continue
        if name == "content-security-policy":
            directives = (" ".join(sorted(part.split())) for part in value.split(";") if part.strip())
            value = "; ".join(sorted(directives))
        out.append((name, value))
    return tuple(sorted(out))


def nginx_lines(headers):
    """``add_header`` lines for nginx; ``ValueError`` for a value nginx would read differently."""
    lines = []
    for name, value in headers:
        if "$" in value or '"' in value or "\\" in value or "\n" in value or not re.fullmatch(r"[A-Za-z0-9-]+", name):
            raise ValueError(f"cannot be written as an nginx add_header: {name}: {value}")
        lines.append(f'add_header {name} "{value}";')
    return lines


def expected_headers(directory):
    """The headers in ``directory/headers.conf`` (read again when the file changes), or None."""
    path = directory / HEADERS_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    with _lock:
        if _headers["mtime"] != mtime:
            text = path.read_text(encoding="utf-8")
            _headers["value"] = comparable(_ADD_HEADER.findall(text))
            _headers["mtime"] = mtime
        return _headers["value"]


def publishable(request, response):
    if request.method != "GET" or request.META.get(MICROCACHE_HEADER) != "1" or request.META.get(PUBLISH_HEADER) != "1":
        return False
    if request.META.get("QUERY_STRING") or not PATH.match(request.path):
        return False
    return (
        response.status_code == 200
        and "X-Accel-Expires" in response
        and response.get("Content-Type") == CONTENT_TYPE
        and not response.cookies
        and not getattr(response, "streaming", False)
    )


def ahead():
    return max(int(getattr(settings, "PUBLISHED_SECONDS", 5)), 1)


def write(directory, path, content, now=None):
    """Write ``content`` as the copy of ``path`` for this second and the next ``ahead() - 1``;
    sweep past seconds."""
    second = int(time.time() if now is None else now)
    relative = path.strip("/")
    name = f".{os.getpid()}-{threading.get_ident()}.tmp"
    written = directory / name  # the bytes once; each second's copy is a link to them
    descriptor = os.open(written, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(content)
        for each in range(second, second + ahead()):
            folder = directory / str(each) / relative if relative else directory / str(each)
            folder.mkdir(mode=0o755, parents=True, exist_ok=True)
            (folder / name).unlink(missing_ok=True)  # left by a process killed half-way
            os.link(written, folder / name)
            os.replace(folder / name, folder / "index.html")
    finally:
        written.unlink(missing_ok=True)
    sweep(directory, second)


def seconds_in(directory):
    """The second directories under ``directory``, as (second, path); none when it is missing."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return [(int(name), directory / name) for name in names if name.isdigit()]


def sweep(directory, second):
    """Remove the directories of seconds that can no longer be served."""
    for each, folder in seconds_in(directory):
        if each < second - 1:
            shutil.rmtree(folder, ignore_errors=True)


def forget(*args, **kwargs):
    """Delete every copy of every page (something readers should see has changed)."""
    directory = root()
    if directory is not None:
        for _second, folder in seconds_in(directory):
            shutil.rmtree(folder, ignore_errors=True)


def withdraw(directory, path):
    """Delete every copy of ``path`` (it stopped being public)."""
    relative = path.strip("/")
    for _second, folder in seconds_in(directory):
        (folder / relative / "index.html" if relative else folder / "index.html").unlink(missing_ok=True)


class PublishMiddleware:
    """Outermost: sees the response with every header the other middleware added."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        directory = root()
        if directory is None or request.META.get(MICROCACHE_HEADER) != "1":
            return self.get_response(request)
        response = self.get_response(request)
        if response.status_code in (404, 410) and "X-Accel-Expires" in response and PATH.match(request.path):
            withdraw(directory, request.path)
            return response
        # The generation the page cache rendered or served the page for (None: not a cached page).
        rendered_for = getattr(request, "pagecache_generation", None)
        if (
            rendered_for is not None
            and publishable(request, response)
            and comparable(response_headers(response)) == expected_headers(directory)
        ):
            from yzgz import pagecache

            # A full disk or a missing directory: nginx's microcache serves the page anyway.
            with contextlib.suppress(OSError):
                write(directory, request.path, response.content)
            if pagecache.generation() != rendered_for:
                withdraw(directory, request.path)  # rendered before a change: not for after it
        return response
