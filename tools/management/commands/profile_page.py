"""Where one page spends its time: ``manage.py profile_page /article/1/``.

Requests the page in-process (Django's test client, debug off, page cache off) and prints

* milliseconds per request, split into SQL (time in the database driver, and the number of
  queries), template rendering and the rest (view code, the ORM building queries and
  objects, middleware);
* a pyinstrument call tree of the same requests, Django's own frames folded.

``make profile URL=/article/1/`` runs it on the benchmark's large data set. The numbers are
for one process without concurrency: the benchmark through nginx shows what they become
under load.
"""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.template.response import SimpleTemplateResponse
from django.test import Client, override_settings


class Timer:
    def __init__(self):
        self.seconds = 0.0
        self.count = 0

    def add(self, started):
        self.seconds += time.perf_counter() - started
        self.count += 1


class Command(BaseCommand):
    help = "Time a page in-process, split into SQL, templates and the rest, with a call tree."

    def add_arguments(self, parser):
        parser.add_argument("path", help="e.g. /article/1/ or '/search/?q=社区'")
        parser.add_argument("--requests", type=int, default=200)
        parser.add_argument("--user", default="", help="log in as this username first")
        parser.add_argument("--no-tree", action="store_true", help="only the split, no call tree")

    def handle(self, *args, path, requests, user, no_tree, **options):
        if requests < 1:
            raise CommandError("--requests must be at least 1")
        with override_settings(
            DEBUG=False, PAGE_CACHE_SECONDS=0, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
        ):
            client = self.client_for(user)
            response = client.get(path, secure=True)
            if response.status_code != 200:
                raise CommandError(f"{path} answered {response.status_code}, not 200")
            for _ in range(5):  # warm: template cache, URL patterns, connections
                client.get(path, secure=True)
            sql, templates, total = self.split(client, path, requests)
            self.stdout.write(
                f"{path}: {total * 1000:.2f} ms a request over {requests}; "
                f"SQL {sql.seconds / requests * 1000:.2f} ms in {sql.count / requests:.0f} queries, "
                f"templates {templates.seconds / requests * 1000:.2f} ms, "
                f"the rest {(total - (sql.seconds + templates.seconds) / requests) * 1000:.2f} ms"
            )
            if not no_tree:
                self.tree(client, path, requests)

    def client_for(self, username):
        client = Client()
        if username:
            account = get_user_model().objects.filter(username=username).first()
            if account is None:
                raise CommandError(f"no user {username!r}")
            client.force_login(account)
        return client

    def split(self, client, path, requests):
        sql, templates = Timer(), Timer()

        def on_execute(execute, query, params, many, context):
            started = time.perf_counter()
            try:
                return execute(query, params, many, context)
            finally:
                sql.add(started)

        render = SimpleTemplateResponse.render

        def timed_render(response):
            started = time.perf_counter()
            try:
                return render(response)
            finally:
                templates.add(started)

        wrappers = [connection.execute_wrapper(on_execute) for connection in connections.all()]
        for wrapper in wrappers:
            wrapper.__enter__()
        SimpleTemplateResponse.render = timed_render
        try:
            started = time.perf_counter()
            for _ in range(requests):
                client.get(path, secure=True)
            total = (time.perf_counter() - started) / requests
        finally:
            SimpleTemplateResponse.render = render
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
        return sql, templates, total

    def tree(self, client, path, requests):
        try:
            from pyinstrument import Profiler
        except ImportError as exc:  # pragma: no cover - it is in requirements-dev.lock
            raise CommandError("pyinstrument is missing: make venv") from exc
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(requests):
            client.get(path, secure=True)
        profiler.stop()
        self.stdout.write(f"\nCall tree of {requests} requests (seconds in all):")
        self.stdout.write(profiler.output_text(unicode=True, color=False, show_all=False))
