"""Benchmark search latency: 20 realistic queries, as the search page runs them (count + first page).

Compares the bigram tsvector index (what /search/ uses on PostgreSQL) with a plain
``ILIKE '%…%'`` scan, which is what pg_trgm degrades to for one- and two-character Chinese
words (trigram indexes need three characters). Needs DATABASE_URL (PostgreSQL) with data:
``make bench`` generates 20,000 articles first.
"""

import json
import statistics
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from news.articles.models import Article
from news.search import documents as search

QUERIES = [
    "观摩", "社区", "汛情", "党建", "钧瓷", "神垕", "志愿服务", "垃圾分类", "充电站", "停水",
    "夏都街道", "文化节", "老人 体检", "道路施工 绕行", "医保缴费", "2026", "钧台街道 非遗",
    "乡村振兴", "营商环境", "人居环境整治",
]  # fmt: skip


def run_page(queryset, query):
    """What the search view does for the first page: count, rank ids, load ten, snippets."""
    terms = search.query_terms(query)
    count = search.count(queryset, terms, published_only=True)
    ids = search.RankedIds(terms)[:10]
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

    def handle(self, *args, runs=10, json="", verbosity=1, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Search is benchmarked on PostgreSQL: set DATABASE_URL (make bench does).")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE news_searchdocument")  # as autovacuum would after the bulk load
            cursor.execute("VACUUM ANALYZE news_searchtitle")  # its narrow title copy (search migration 0002)
            cursor.execute("VACUUM ANALYZE news_article")
        articles = Article.objects.published()
        total = Article.objects.published().count()
        rows = []
        all_index, all_scan = [], []
        for query in QUERIES:
            count, index_ms = timed(lambda q=query: run_page(articles, q), runs)
            _count, scan_ms = timed(lambda q=query: self._scan(articles, q), max(2, runs // 3), warmup=1)
            all_index += index_ms
            all_scan += scan_ms
            rows.append(
                {
                    "query": query,
                    "matches": count,
                    "index_p50_ms": round(statistics.median(index_ms), 1),
                    "index_p95_ms": round(p95(index_ms), 1),
                    "scan_p50_ms": round(statistics.median(scan_ms), 1),
                }
            )
        self.stdout.write(f"search over {total:,} published articles, {runs} runs per query after {WARMUP} not counted")
        header = f"{'query':<14} {'matches':>8} {'index p50':>10} {'index p95':>10} {'ILIKE p50':>10}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in rows:
            self.stdout.write(
                f"{row['query']:<14} {row['matches']:>8,} {row['index_p50_ms']:>8} ms "
                f"{row['index_p95_ms']:>7} ms {row['scan_p50_ms']:>7} ms"
            )
        summary = {
            "articles": total,
            "index_p95_ms": round(p95(all_index), 1),
            "index_p50_ms": round(statistics.median(all_index), 1),
            "scan_p50_ms": round(statistics.median(all_scan), 1),
        }
        self.stdout.write(
            f"all queries: index p50 {summary['index_p50_ms']} ms, p95 {summary['index_p95_ms']} ms; "
            f"ILIKE scan p50 {summary['scan_p50_ms']} ms"
        )
        if json:
            Path(json).parent.mkdir(parents=True, exist_ok=True)
            Path(json).write_text(_dumps({"search": rows, "summary": summary}), encoding="utf-8")

    def _scan(self, articles, query):
        terms = search.query_terms(query)
        results = search._search_fallback(articles, terms)
        count = results.count()
        list(results[:10])
        return count


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)
