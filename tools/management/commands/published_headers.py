"""Write the headers nginx adds to published copies: ``manage.py published_headers``.

Asks Django for the home page as nginx's microcache would (``X-Microcache: 1``, the site's own
Host) and writes its headers as ``add_header`` lines to ``headers.conf`` in ``PUBLISHED_ROOT``
(``deploy/nginx.conf.template`` includes it in the location that serves the copies). The app
servers publish a page only when its headers are exactly these (``yzgz/published.py``), so a
copy nginx serves as a file always carries what Django would have sent. Run it after every
deployment, before nginx reloads (``deploy/prod.sh`` does).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.utils.cache import patch_vary_headers

from yzgz import published


class Command(BaseCommand):
    help = "Write PUBLISHED_ROOT/headers.conf: the headers nginx adds to the published copies of pages."

    def handle(self, *args, verbosity=1, **options):
        directory = published.root()
        if directory is None:
            raise CommandError("PUBLISHED_ROOT is not set (DJANGO_PUBLISHED_ROOT).")
        host = urlsplit(settings.SITE_URL).netloc if getattr(settings, "SITE_URL", "") else "127.0.0.1"
        response = Client(HTTP_HOST=host).get("/", HTTP_X_MICROCACHE="1")
        if response.status_code != 200 or response.get("Content-Type") != published.CONTENT_TYPE:
            raise CommandError(f"the home page answered {response.status_code} {response.get('Content-Type')}")
        patch_vary_headers(response, ["Cookie"])  # the copies are for readers without a session
        try:
            lines = published.nginx_lines(published.response_headers(response))
        except ValueError as error:
            raise CommandError(str(error)) from error
        directory.mkdir(parents=True, exist_ok=True)
        text = "# Written by manage.py published_headers: what Django sends with a shareable page.\n"
        target = directory / published.HEADERS_FILE
        temporary = target.with_suffix(".tmp")
        temporary.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")
        temporary.replace(target)
        if verbosity:
            self.stdout.write(f"{target}: {len(lines)} headers")
