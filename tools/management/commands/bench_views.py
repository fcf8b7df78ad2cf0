"""Benchmark view recording on one hot article: straight to PostgreSQL vs buffered in Redis.

Eight client processes record views of the same article for distinct visitors as fast as
they can for a few seconds, once with every hit written to the database and once with
hits buffered in Redis and flushed afterwards. The table shows hits per second and whether
any hit was lost (recorded by a client but missing from ``Article.view_count``).

Needs ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``; ``make bench`` sets both.
"""

import json
import multiprocessing
import os
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from news.articles.models import Article, Category
from news.viewcounts import viewcount


def _client(mode, article_id, seconds, start_at, results):
    """One client process: record views for new visitors until the time is up."""
    if mode == "direct":
        settings.REDIS_URL = ""  # the dedup cache stays Redis in both modes; only the write path changes
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = start_at + seconds
    recorded = attempts = 0
    pid = os.getpid()
    while time.time() < deadline:
        attempts += 1
        if viewcount.record_view(article_id, f"bench-{mode}-{pid}-{attempts}"):
            recorded += 1
    connections.close_all()
    results.put(recorded)


class Command(BaseCommand):
    help = "Measure view recording with 8 concurrent clients: direct to PostgreSQL vs buffered in Redis."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=8)
        parser.add_argument("--seconds", type=float, default=5.0)
        parser.add_argument("--json", default="", help="Also write the results to this JSON file.")

    def handle(self, *args, clients=8, seconds=5.0, json="", verbosity=1, **options):
        if connections["default"].vendor != "postgresql" or not settings.REDIS_URL:
            raise CommandError("Set DATABASE_URL (PostgreSQL) and REDIS_URL: `make bench` does.")
        if settings.DATABASES["default"].get("OPTIONS", {}).get("pool"):
            raise CommandError("Set DATABASE_POOL=0: the client processes are forked, and the pool's threads are not.")
        article = self._bench_article()
        viewcount.flush()
        rows = []
        for mode in ("direct", "buffered"):
            before = Article.objects.get(pk=article.pk).view_count
            connections.close_all()  # children must not share the parent's connection
            context = multiprocessing.get_context("fork")
            results = context.Queue()
            start_at = time.time() + 1.0
            workers = [
                context.Process(target=_client, args=(mode, article.pk, seconds, start_at, results))
                for _ in range(clients)
            ]
            for worker in workers:
                worker.start()
            try:
                recorded = sum(results.get(timeout=seconds + 60) for _ in workers)
            finally:
                for worker in workers:
                    worker.join(timeout=5)
                    if worker.is_alive():
                        worker.kill()
            flush_started = time.perf_counter()
            viewcount.flush()
            flush_seconds = time.perf_counter() - flush_started
            counted = Article.objects.get(pk=article.pk).view_count - before
            rows.append(
                {
                    "mode": "PostgreSQL, each hit" if mode == "direct" else "Redis buffer + flush",
                    "clients": clients,
                    "seconds": seconds,
                    "hits": recorded,
                    "hits_per_second": round(recorded / seconds),
                    "counted": counted,
                    "lost": recorded - counted,
                    "flush_seconds": round(flush_seconds, 3),
                }
            )
        speedup = rows[1]["hits_per_second"] / max(rows[0]["hits_per_second"], 1)
        self._print(rows, speedup)
        if json:
            Path(json).parent.mkdir(parents=True, exist_ok=True)
            Path(json).write_text(_dumps({"views": rows, "speedup": round(speedup, 1)}), encoding="utf-8")

    def _bench_article(self):
        author, _created = get_user_model().objects.get_or_create(username="bench-reporter")
        category, _created = Category.objects.get_or_create(slug="bench", defaults={"name": "压测"})
        article, _created = Article.objects.get_or_create(
            title="压测文章",
            defaults={"category": category, "author": author, "body": "<p>压测</p>", "status": "published"},
        )
        return article

    def _print(self, rows, speedup):
        header = (
            f"{'view recording':<22} {'clients':>7} {'hits':>9} {'hits/s':>9} {'counted':>9} {'lost':>5} {'flush s':>8}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in rows:
            self.stdout.write(
                f"{row['mode']:<22} {row['clients']:>7} {row['hits']:>9,} {row['hits_per_second']:>9,} "
                f"{row['counted']:>9,} {row['lost']:>5} {row['flush_seconds']:>8}"
            )
        self.stdout.write(f"buffered / direct: {speedup:.1f}x")


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)
