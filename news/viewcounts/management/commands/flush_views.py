"""Write the view counts buffered in Redis to the database (run every few seconds)."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from news.viewcounts import viewcount


class Command(BaseCommand):
    help = (
        "Flush buffered views from Redis into Article.view_count and the daily buckets. "
        "Safe to run often and concurrently; a run that dies is finished by the next one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            metavar="SECONDS",
            help="keep running and flush every SECONDS until stopped (SIGTERM or Ctrl-C): one process "
            "instead of starting Django anew for each flush",
        )

    def handle(self, *args, every=None, verbosity=1, **options):
        if viewcount.redis_client() is None:
            if verbosity:
                self.stdout.write("REDIS_URL is not set: views go straight to the database, nothing to flush.")
            return
        if every is None:
            self.flush(verbosity)
            return
        if not every > 0:
            raise CommandError("--every takes a number of seconds above 0.")
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        while not stop.is_set():
            try:
                self.flush(verbosity)
            except Exception as error:
                self.stderr.write(f"flush failed, trying again in {every:g} s: {error!r}")
                close_old_connections()
            stop.wait(every)

    def flush(self, verbosity):
        batches, hits = viewcount.flush()
        if verbosity:
            self.stdout.write(f"Flushed {hits} views in {batches} batches.")
