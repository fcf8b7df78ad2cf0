"""The breaking-news spike: thousands of readers opening one page at once, through `make prod`.

Starts ``deploy/prod.sh`` (nginx, two Granian app servers, PostgreSQL with the demo, Redis,
the anonymous page cache on) and, for the seed article and the home page, runs ``wrk`` with
5,000 and then 10,000 keep-alive connections against:

* **file**: the same page's bytes saved as a file and served by the same nginx — the ceiling;
* **ours**: the page itself, as a reader gets it: nginx serves the app servers' published copy
  (``yzgz/published.py``), or its microcache in the moments when no copy is there.

Both are measured warm, as the target says ("the cached article"): the page is fetched just
before its run, as the file was just written. File and ours run one after the other, three
times (5 s each); each row shows the medians, so a drift of the shared machine meets both.

Then the 5,000-connection run on the article is repeated twice more:

* **cold**: as a story's first readers arrive from a WeChat group: a link with WeChat's
  parameters nobody has opened yet (nothing in the microcache for it) and no published copy —
  one request renders it while the others wait for it (the lock of ``location @page``);
* with two more things happening at once (a run of its own: on one 2-core machine they take
  CPU from nginx, which would bend the ratio):

* a logged-in resident loads the article page again and again and posts one comment, and
  their latencies are recorded (their pages are never cached: they reach an app server);
* distinct visitors (a new user agent per request) fetch the view beacon, and after the next
  flush the article's 查看 must have grown by exactly the number of beacons answered.

Prints one table and writes JSON. Loopback only; every wrk run stops by itself.
"""

import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tools.management.commands.bench_http import PORT, RUN, _ms, fetch
from tools.management.commands.bench_http import Command as HttpBench
from yzgz import published

DEMO_PASSWORD = "yzgz-demo-2021"  # noqa: S105 - tools.demo.DEMO_PASSWORD, the demo residents' password
SEED = "/article/1/"
BEACON_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", nil, {["User-Agent"] =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    .. "Mobile/15E148 MicroMessenger/8.0.47 NetType/WIFI Language/zh_CN Build/RUN-" .. counter})
end
"""


def more_files():
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def wrk(url, connections, duration, threads=2, script=None):
    """wrk with as many descriptors as allowed; req/s, p50/p99 ms, requests, errors, non-2xx."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency"]
    if script:
        command += ["-s", script]
    out = subprocess.run(  # noqa: S603 - wrk against our own 127.0.0.1 stack
        [*command, url],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 120,
        preexec_fn=more_files,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    slowest = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", out, re.M)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _ms(latency.get("50", "0ms")),
        "p99_ms": _ms(latency.get("99", "0ms")),
        "max_ms": _ms(slowest.group(1)) if slowest else 0.0,
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def warm(url):
    """Fetch ``url`` until nginx answers it from a published copy (a second or two)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own 127.0.0.1 stack
            response.read()
            if response.headers.get("X-Microcache") == "FILE":
                return
        time.sleep(0.2)


def median_run(runs):
    """The median of each figure of ``runs``; errors summed, since one is one too many."""
    row = {key: statistics.median(run[key] for run in runs) for key in ("rps", "p50_ms", "p99_ms", "max_ms")}
    for key in ("requests", "errors", "non_2xx"):
        row[key] = sum(run[key] for run in runs)
    row["each"] = runs
    return row


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


class Resident(threading.Thread):
    """A logged-in resident reading and commenting while the spike runs."""

    def __init__(self, base, until):
        super().__init__(daemon=True)
        self.base, self.until = base, until
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.pages, self.comment_ms, self.failures = [], None, []

    def request(self, path, data=None, referer=None):
        headers = {"User-Agent": "Mozilla/5.0 resident", **({"Referer": referer} if referer else {})}
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310
        started = time.perf_counter()
        with self.opener.open(request, timeout=30) as response:
            page = response.read().decode()
        return (time.perf_counter() - started) * 1000, page

    def token(self, page):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def log_in(self):
        page = self.request("/accounts/login/")[1]
        data = {"username": "lixiaomei", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": self.token(page)}
        self.request("/accounts/login/", data, referer=self.base + "/accounts/login/")

    def run(self):
        commented = False
        while time.monotonic() < self.until:
            try:
                elapsed, page = self.request(SEED)
                self.pages.append(elapsed)
                if not commented and len(self.pages) >= 3:
                    data = {"body": f"突发新闻下的一条评论 {time.time():.0f}", "csrfmiddlewaretoken": self.token(page)}
                    self.comment_ms, _page = self.request(f"{SEED}comments/", data, referer=self.base + SEED)
                    commented = True
            except Exception as exc:
                self.failures.append(repr(exc))
            time.sleep(0.2)


class Command(BaseCommand):
    help = "The breaking-news spike: 5,000 and 10,000 readers on the article and home, against a file."

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
        parser.add_argument(
            "--rounds",
            type=int,
            default=3,
            help="file and ours, one after the other, this many times per row; the row shows the medians",
        )
        parser.add_argument("--connections", default="5000,10000")
        parser.add_argument("--json", dest="json_path", default="")

    def handle(self, *args, duration, rounds, connections, json_path, verbosity=1, **options):
        for tool in ("wrk", "nginx", "psql"):
            if not shutil.which(tool):
                raise CommandError(f"{tool} is missing: apt-get install -y {tool}")
        stack = HttpBench(stdout=self.stdout)
        stack.stack("stop", "yzgz_prod", "60")
        stack.stack("start", "yzgz_prod", "60")
        base = f"http://127.0.0.1:{PORT}"
        results = {
            "date": time.strftime("%Y-%m-%d"),
            "cpus": os.cpu_count(),
            "duration_s": duration,
            "rounds": rounds,
            "runs": [],
        }
        try:
            pages = {"article": SEED, "home": "/"}
            for name, path in pages.items():
                fetch(base + path)
                (RUN / f"bench-static-{name}.html").write_bytes(fetch(base + path))
            counts = [int(n) for n in connections.split(",")]
            for count in counts:
                for name, path in pages.items():
                    # On a shared 2-core machine a run's figures drift by tens of per cent: file and
                    # ours alternate, so both meet the same drift, and the row is each one's median.
                    files, ours = [], []
                    for _round in range(rounds):
                        files.append(wrk(f"{base}/bench-static-{name}.html", count, duration))
                        warm(base + path)
                        ours.append(wrk(base + path, count, duration))
                    file_row, ours_row = median_run(files), median_run(ours)
                    if (count, name) == (counts[0], "article") and "side" not in results:
                        results["cold"] = self.cold(base, count, duration)
                        # A third run, with the resident and the beacons: on one 2-core machine they
                        # take CPU from nginx, so the ratio above is measured without them.
                        side_seconds = max(duration, 10)  # long enough for two view flushes
                        side = self.side_load(base, side_seconds)
                        results["side"] = {"spike": wrk(base + path, count, side_seconds)}
                        results["side"].update(side())
                    results["runs"].append({"page": name, "connections": count, "file": file_row, "ours": ours_row})
                    if verbosity:
                        self.stdout.write(
                            f"  {name:8} c={count:<6} ours {ours_row['rps']:8.0f} req/s, file {file_row['rps']:8.0f}"
                        )
        finally:
            stack.stack("stop", "yzgz_prod", "0")
        self.report(results)
        if json_path:
            Path(json_path).parent.mkdir(parents=True, exist_ok=True)
            Path(json_path).write_text(json.dumps(results, ensure_ascii=False, indent=2))

    def cold(self, base, connections, duration):
        """The article spike from a WeChat link never opened before, with no published copy."""
        for _second, folder in published.seconds_in(RUN / "published"):
            shutil.rmtree(folder, ignore_errors=True)
        link = f"{base}{SEED}?from=groupmessage&isappinstalled=0&clicktime={time.time_ns()}"
        return wrk(link, connections, duration)

    def side_load(self, base, duration):
        """Start the resident and the beacons now; the returned function waits and reports."""
        views_before = self.views()
        resident = Resident(base, time.monotonic() + duration + 1)
        resident.log_in()
        resident.start()
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        # A new user agent per request, and per run: each beacon is a visitor not seen before.
        script.write_text(BEACON_SCRIPT.replace("RUN", str(time.time_ns())))
        beacons = {}
        thread = threading.Thread(
            target=lambda: beacons.update(wrk(f"{base}{SEED}view.gif", 50, duration, threads=1, script=str(script))),
            daemon=True,
        )
        thread.start()

        def finish():
            thread.join()
            resident.join()
            script.unlink()
            time.sleep(7)  # prod.sh flushes the buffered views every 5 s
            answered = beacons["requests"] - beacons["non_2xx"]
            return {
                "resident_pages": len(resident.pages),
                "resident_p50_ms": percentile(resident.pages, 0.5),
                "resident_p99_ms": percentile(resident.pages, 0.99),
                "resident_max_ms": max(resident.pages, default=0.0),
                "comment_ms": resident.comment_ms,
                "resident_failures": resident.failures,
                "beacons": beacons,
                "beacons_answered": answered,
                "views_recorded": self.views() - views_before,
            }

        return finish

    def views(self):
        out = subprocess.run(
            [  # noqa: S607 - psql from PATH
                "psql",
                "postgres://postgres@127.0.0.1:5432/yzgz_prod",
                "-tAc",
                "SELECT view_count FROM news_article WHERE id = 1",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(out.stdout.strip())

    def report(self, results):
        out = self.stdout.write
        out("")
        out(
            f"The spike through nginx (make prod), wrk -t2, keep-alive, {results['duration_s']} s runs, file and ours "
            f"alternating {results.get('rounds', 1)} times, medians ({results['date']}, {results['cpus']} CPUs); "
            "file = the same bytes served by the same nginx"
        )
        ours = f"{'ours req/s':>11} {'p50':>7} {'p99':>7} {'errors':>7}"
        out(f"{'page':8} {'conns':>6} {ours} {'file req/s':>11} {'p99':>7} {'ratio':>6} {'p99×':>6}")
        for run in results["runs"]:
            ours, file_ = run["ours"], run["file"]
            errors = ours["errors"] + ours["non_2xx"]
            p99_ratio = ours["p99_ms"] / file_["p99_ms"] if file_["p99_ms"] else 0
            out(
                f"{run['page']:8} {run['connections']:>6} {ours['rps']:>11.0f} {ours['p50_ms']:>7.1f} "
                f"{ours['p99_ms']:>7.1f} {errors:>7} {file_['rps']:>11.0f} {file_['p99_ms']:>7.1f} "
                f"{ours['rps'] / file_['rps']:>6.2f} {p99_ratio:>6.2f}"
            )
        cold = results.get("cold")
        if cold:
            out(
                f"the {results['runs'][0]['connections']:,}-reader article spike cold, from a WeChat link nobody "
                f"had opened (no copy, nothing in the microcache): {cold['rps']:.0f} req/s, p50 {cold['p50_ms']:.0f} "
                f"ms, p99 {cold['p99_ms']:.0f} ms, slowest {cold['max_ms']:.0f} ms, "
                f"{cold['errors'] + cold['non_2xx']} errors"
            )
        side = results.get("side")
        if side:
            spike = side["spike"]
            out(
                f"the {results['runs'][0]['connections']:,}-reader article spike again ({spike['rps']:.0f} req/s, "
                f"p99 {spike['p99_ms']:.0f} ms, {spike['errors'] + spike['non_2xx']} errors) with, alongside:"
            )
            out(
                f"  a logged-in resident "
                f"loaded {side['resident_pages']} pages, p50 {side['resident_p50_ms']:.0f} ms, "
                f"p99 {side['resident_p99_ms']:.0f} ms, max {side['resident_max_ms']:.0f} ms; their comment took "
                f"{side['comment_ms'] or 0:.0f} ms; failures: {len(side['resident_failures'])}"
            )
            beacons = side["beacons"]
            out(
                f"  the view beacon: {beacons['rps']:.0f} req/s, p99 {beacons['p99_ms']:.1f} ms, "
                f"{side['beacons_answered']} distinct visitors answered, {side['views_recorded']} views recorded "
                f"({'all' if side['views_recorded'] >= side['beacons_answered'] else 'NOT all'} recorded; wrk "
                "counts only the answers it read before stopping, up to 50 more were in flight)"
            )
