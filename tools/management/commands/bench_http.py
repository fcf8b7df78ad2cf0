"""Benchmark the production stack with wrk: pages per second, latency, queries, bytes, memory.

Runs ``deploy/prod.sh`` itself: nginx in front of two Granian app servers (one worker
each, two in all), PostgreSQL and Redis. For each target — home, a category, an article
with comments, a search, and the article's HTML saved as a file that nginx serves (the
ceiling) — it warms up, then runs ``wrk`` for ``--duration`` seconds at ``--connections``.

Three passes in one run:

* ``small``: the demo data set (``yzgz_prod``), page cache off — the reference;
* ``uncached``: the large data set (``--database``, made by ``generate_articles``), page cache off;
* ``cached``: the same, with the anonymous page cache on.

It prints one table, the worker memory after the run, and writes everything as JSON.
Load goes to 127.0.0.1 only and every wrk run stops by itself.
"""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

ROOT = Path(settings.BASE_DIR)
RUN = ROOT / ".prod"
PORT = 8080
TARGETS = ["home", "category", "article", "search", "api_list", "api_detail", "static"]


def wrk(url, duration, connections, threads):
    """Run wrk; returns req/s, p50 and p99 in ms, non-2xx/3xx count and socket errors."""
    out = subprocess.run(  # noqa: S603 - wrk against our own 127.0.0.1 stack
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],  # noqa: S607 - wrk from PATH (Debian package)
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 60,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": rate,
        "p50_ms": _ms(latency.get("50", "0ms")),
        "p99_ms": _ms(latency.get("99", "0ms")),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def _ms(value):
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - our own 127.0.0.1 stack
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own 127.0.0.1 stack
        return response.read()


def prod_stack(action, **env):
    """``deploy/prod.sh start|stop`` with ``env`` (PROD_DB, DJANGO_… settings) over a clean environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "DJANGO_"))}
    subprocess.run(  # noqa: S603 - our own script
        ["bash", str(ROOT / "deploy" / "prod.sh"), action],  # noqa: S607 - bash from PATH
        cwd=ROOT,
        env={**clean, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def queries_of(html):
    match = re.search(rb"Processed in [\d.]+ second\(s\), (\d+) queries", html)
    return int(match.group(1)) if match else None


def worker_rss_mb():
    """Resident memory of each app server worker (the children of the two Granian main processes), in MB."""
    masters = set()
    for pidfile in RUN.glob("app-*.pid"):
        masters.add(pidfile.read_text().strip())
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[1] in masters:
                status = (stat.parent / "status").read_text()
                sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
        except (OSError, AttributeError, IndexError):
            continue
    return sorted(sizes)


class Command(BaseCommand):
    help = "Benchmark home, category, article, search and a static file through nginx with wrk."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="yzgz_bench", help="The large data set's database.")
        parser.add_argument("--duration", type=int, default=10)
        parser.add_argument("--warmup", type=int, default=3)
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument("--json", dest="json_path", default="")
        parser.add_argument("--passes", default="small,uncached,cached")

    def handle(self, *args, database, duration, warmup, connections, threads, json_path, passes, verbosity=1, **opts):
        for tool in ("wrk", "nginx"):
            if not shutil.which(tool):
                raise CommandError(f"{tool} is missing: apt-get install -y {tool}")
        results = {
            "date": time.strftime("%Y-%m-%d"),
            "cpus": os.cpu_count(),
            "wrk": f"-t{threads} -c{connections} -d{duration}s after a {warmup}s warm-up",
            "passes": {},
        }
        try:
            for name in passes.split(","):
                db = "yzgz_prod" if name == "small" else database
                cache_seconds = "60" if name == "cached" else "0"
                self.stack("stop", db, cache_seconds)
                self.stack("start", db, cache_seconds)
                results["passes"][name] = self.measure(name, duration, warmup, connections, threads, verbosity)
                results["passes"][name]["worker_rss_mb"] = worker_rss_mb()
        finally:
            self.stack("stop", database, "0")
        self.report(results)
        if json_path:
            Path(json_path).parent.mkdir(parents=True, exist_ok=True)
            Path(json_path).write_text(json.dumps(results, ensure_ascii=False, indent=2))

    def stack(self, action, database, cache_seconds):
        prod_stack(
            action,
            PROD_DB=database,
            REDIS_URL="redis://127.0.0.1:6379/12",
            DJANGO_PAGE_CACHE_SECONDS=cache_seconds,
            # One wrk address asks thousands of times a second; the API's per-address limit would
            # answer most of it with 429s.
            DJANGO_API_RATE_PER_IP="100000000",
            DJANGO_API_CACHE_SECONDS="30" if cache_seconds != "0" else "0",
        )
        if action == "start":
            import redis

            redis.Redis.from_url("redis://127.0.0.1:6379/12").flushdb()

    def targets(self, base):
        """URLs of the five targets, chosen from the data behind the running stack."""
        home = fetch(base + "/").decode()
        category = re.search(r'href="(/category/[^"/]+/)"', home).group(1)
        article = self.article_with_comments(base)
        html = fetch(base + article)
        (RUN / "bench-static.html").write_bytes(html)
        return {
            "home": "/",
            "category": category,
            "article": article,
            "search": "/search/?" + urllib.parse.urlencode({"q": "社区"}),
            # #22: the app's list and the same article as JSON, anonymous.
            "api_list": "/api/v1/articles",
            "api_detail": "/api/v1/articles/" + article.strip("/").rsplit("/", 1)[-1],
            "static": "/bench-static.html",
        }

    def article_with_comments(self, base):
        """An article from the first page of the 排行榜 by comments: a busy page with a full comment list."""
        rank = fetch(base + "/rank/?period=month").decode()
        links = re.findall(r'href="(/article/\d+/)"', rank)
        if not links:
            raise CommandError("no article found on /rank/")
        return links[min(5, len(links) - 1)]

    def measure(self, name, duration, warmup, connections, threads, verbosity):
        base = f"http://127.0.0.1:{PORT}"
        urls = self.targets(base)
        rows = {}
        for target in TARGETS:
            url = base + urls[target]
            html = fetch(url)
            html = fetch(url)  # the second answer: caches (rankings, hot list, pages) are warm
            wrk(url, warmup, connections, threads)
            row = wrk(url, duration, connections, threads)
            row.update(path=urls[target], queries=0 if target == "static" else queries_of(html), bytes=len(html))
            rows[target] = row
            if verbosity:
                self.stdout.write(f"  {name:9} {target:9} {row['rps']:8.0f} req/s  p99 {row['p99_ms']:6.1f} ms")
        return {"targets": rows}

    def report(self, results):
        out = self.stdout.write
        out("")
        out(f"HTTP through nginx, 2 Granian workers, wrk {results['wrk']} ({results['date']}, {results['cpus']} CPUs)")
        columns = ["req/s", "p50 ms", "p99 ms", "non-2xx", "queries", "bytes"]
        out(f"{'pass':10} {'target':10} " + " ".join(f"{c:>8}" for c in columns))
        for name, data in results["passes"].items():
            for target, row in data["targets"].items():
                queries = "-" if row["queries"] is None else row["queries"]  # JSON has no footer to read
                out(
                    f"{name:10} {target:10} {row['rps']:8.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} "
                    f"{row['non_2xx'] + row['socket_errors']:8d} {queries:>8} {row['bytes']:8,d}"
                )
            rss = ", ".join(f"{mb:.0f}" for mb in data["worker_rss_mb"])
            out(f"{'':9} worker RSS after the pass: {rss} MB")
        passes = results["passes"]
        if {"uncached", "cached"} <= passes.keys():
            ceiling = passes["cached"]["targets"]["static"]["rps"]
            cached = passes["cached"]["targets"]["article"]["rps"]
            out(f"cached article page: {cached / ceiling:.0%} of the static-file ceiling ({ceiling:.0f} req/s)")
            for target in ("api_list", "api_detail"):
                rps = passes["cached"]["targets"][target]["rps"]
                out(f"cached {target}: {rps / cached:.2f}× the cached article page ({rps:.0f} req/s)")
        if {"small", "uncached"} <= passes.keys():
            for target in ("home", "category", "article", "search", "api_list", "api_detail"):
                small = passes["small"]["targets"][target]["p50_ms"]
                large = passes["uncached"]["targets"][target]["p50_ms"]
                ratio = large / small if small else 0
                out(f"{target}: p50 {large:.1f} ms on the large data set, {small:.1f} ms on the demo ({ratio:.2f}×)")
