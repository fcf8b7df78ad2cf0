"""Benchmark search latency: 20 realistic queries, as the search page runs them (count + first page).

Compares the bigram tsvector index (what /search/ uses on PostgreSQL) with a plain
``ILIKE '%…%'`` scan, which is what pg_trgm degrades to for one- and two-character Chinese
words (trigram indexes need three characters). Needs DATABASE_URL (PostgreSQL) with data:
``make bench`` generates 20,000 articles first.

With ``--small DB`` (a database on the same server holding the demo) it measures the two in
turn, three rounds, and prints how much slower the large data is at p50: the issue's "no slower
than 1.5× its small-data time", from one run rather than from two runs minutes apart.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from news.articles.models import Article
from news.search import documents as search

QUERIES = [
    "观摩", "社区", "汛情", "党建", "钧瓷", "神垕", "志愿服务", "垃圾分类", "充电站", "停水",
    "夏都街道", "文化节", "老人 体检", "道路施工 绕行", "医保缴费", "2026", "钧台街道 非遗",
    "乡村振兴", "营商环境", "人居环境整治",
]  # fmt: skip


def run_page(query):
    """What the search view does for the first page: count, rank ids, load ten, snippets."""
    terms = search.query_terms(query)
    ranked = search.RankedIds(terms)
    count = ranked.count()
    ids = ranked[:10]
    loaded = Article.objects.for_list("body").in_bulk(ids)  # the list's columns and the body, as the view
    for pk in ids:
        search.snippet(loaded[pk], terms)
    return count


WARMUP = 3  # runs per query not counted, as the HTTP benchmarks warm up before wrk measures


def timed(fn, runs, warmup=WARMUP):
    for _ in range(warmup):
        fn()
    samples = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return result, samples


def p95(samples):
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 2 else samples[0]


class Command(BaseCommand):
    help = "Measure search latency over 20 queries: the bigram index vs an ILIKE scan."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=10)
        parser.add_argument("--json", default="")
        parser.add_argument("--no-scan", action="store_true", help="Leave out the ILIKE comparison.")
        parser.add_argument(
            "--small",
            default="",
            help="A database on the same server with the small data (the demo): measure the two in turn, "
            "--rounds times, and print large ÷ small from one run.",
        )
        parser.add_argument("--rounds", type=int, default=3)

    def handle(self, *args, runs=10, json="", no_scan=False, small="", rounds=3, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Search is benchmarked on PostgreSQL: set DATABASE_URL (make bench does).")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE news_searchdocument")  # as autovacuum would after the bulk load
            cursor.execute("VACUUM ANALYZE news_searchtitle")  # its narrow title copy (search migration 0002)
            cursor.execute("VACUUM ANALYZE news_article")
        if small:
            result = self.compare(small, runs, rounds)
        else:
            rows, summary = self.measure(runs, scan=not no_scan)
            self.table(rows, summary)
            result = {"search": rows, "summary": summary}
        if json:
            Path(json).parent.mkdir(parents=True, exist_ok=True)
            Path(json).write_text(_dumps(result), encoding="utf-8")

    def measure(self, runs, scan=True):
        articles = Article.objects.published()
        rows = []
        all_index, all_scan = [], []
        for query in QUERIES:
            count, index_ms = timed(lambda q=query: run_page(q), runs)
            all_index += index_ms
            row = {
                "query": query,
                "matches": count,
                "index_p50_ms": round(statistics.median(index_ms), 1),
                "index_p95_ms": round(p95(index_ms), 1),
            }
            if scan:
                _count, scan_ms = timed(lambda q=query: self._scan(articles, q), max(2, runs // 3), warmup=1)
                all_scan += scan_ms
                row["scan_p50_ms"] = round(statistics.median(scan_ms), 1)
            rows.append(row)
        summary = {
            "articles": articles.count(),
            "index_p95_ms": round(p95(all_index), 1),
            "index_p50_ms": round(statistics.median(all_index), 1),
        }
        if scan:
            summary["scan_p50_ms"] = round(statistics.median(all_scan), 1)
        return rows, summary

    def table(self, rows, summary):
        self.stdout.write(f"search over {summary['articles']:,} published articles, after {WARMUP} runs not counted")
        header = f"{'query':<14} {'matches':>8} {'index p50':>10} {'index p95':>10} {'ILIKE p50':>10}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in rows:
            self.stdout.write(
                f"{row['query']:<14} {row['matches']:>8,} {row['index_p50_ms']:>8} ms "
                f"{row['index_p95_ms']:>7} ms {scan_text(row):>10}"
            )
        scan = f"; ILIKE scan p50 {summary['scan_p50_ms']} ms" if "scan_p50_ms" in summary else ""
        self.stdout.write(
            f"all queries: index p50 {summary['index_p50_ms']} ms, p95 {summary['index_p95_ms']} ms{scan}"
        )

    def compare(self, small, runs, rounds):
        """This database and ``small`` in turn (a subprocess each time), so that both see the
        same machine: its speed drifts by a third between runs minutes apart."""
        url = urlsplit(os.environ.get("DATABASE_URL", ""))
        env = {**os.environ, "DATABASE_URL": urlunsplit(url._replace(path="/" + small))}
        command = [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "bench_search",
            "--no-scan",
            "--runs",
            str(runs),
            "--json",
        ]
        results = []
        for number in range(1, rounds + 1):
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                subprocess.run([*command, out.name], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - this command
                small_summary = json.loads(Path(out.name).read_text(encoding="utf-8"))["summary"]
            rows, summary = self.measure(runs, scan=False)
            ratio = summary["index_p50_ms"] / small_summary["index_p50_ms"]
            results.append({"small": small_summary, "large": summary, "p50_ratio": round(ratio, 2)})
            self.stdout.write(
                f"round {number}: {small_summary['articles']:,} articles p50 {small_summary['index_p50_ms']} ms "
                f"(p95 {small_summary['index_p95_ms']}), {summary['articles']:,} articles p50 "
                f"{summary['index_p50_ms']} ms (p95 {summary['index_p95_ms']}): {ratio:.2f}×"
            )
        self.table(rows, summary)
        median = statistics.median(result["p50_ratio"] for result in results)
        self.stdout.write(f"large ÷ small at p50, median of {rounds} rounds: {median:.2f}×")
        return {"rounds": results, "search": rows, "p50_ratio_median": median}

    def _scan(self, articles, query):
        terms = search.query_terms(query)
        results = search._search_fallback(articles, terms)
        count = results.count()
        list(results[:10])
        return count


def scan_text(row):
    return f"{row['scan_p50_ms']} ms" if "scan_p50_ms" in row else "–"


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)
