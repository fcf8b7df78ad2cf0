"""`make bench-peers`: our pages for a logged-in resident beside Wagtail rendering the same article.

One run on one machine, as ``../shared/peers/README.md`` asks: it copies the peers folder
somewhere writable (``.prod/peers``), sets it up once (a Wagtail 8 site with the seed article
and nginx serving that article's HTML as a file), starts our production stack
(``deploy/prod.sh``: nginx, two Granian workers, PostgreSQL, Redis) on the demo data with the
page caches on, logs a demo resident in through the stack, and hands every target to the
peers' ``measure.sh``, which runs them in turn, round after round, with the same wrk settings:

* ``wagtail-article``, ``wagtail-index``, ``nginx-static`` (the peers);
* ``ours-article-resident``, ``ours-home-resident``, ``ours-category-resident``: the seed
  article, the home page and its category as the logged-in resident gets them (the cookies a
  browser running site.js holds: nginx's residents' copy, yzgz/pagecache.py);
* ``ours-article-resident-parts``, ``ours-home-resident-parts``: what site.js then asks for
  (``/page-parts/``: the resident's menu, token and buttons). A resident's page view is the page
  and its parts, so the report adds their times a request: page views a second (on home and list
  pages site.js reuses the parts for a minute, so most views there are the page alone);
* ``ours-article-anon``: the same article as an anonymous reader gets it (the caches).

It prints measure.sh's table of medians and the ratios the issue asks for (resident article
÷ Wagtail article), and writes them as JSON. ``--members-off`` runs the resident targets
with ``DJANGO_PAGE_CACHE_MEMBERS=0`` as well, for the before and after. ``--large`` runs them
once more on the large data set (its own database, ``yzgz_peers_large``: the demo plus
``generate_articles``' 20,000 articles and 200,000 comments, made once), with the busiest
article (hundreds of comments) as ``ours-busy-resident`` beside the seed article.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tools.demo import DEMO_PASSWORD, DEMO_RESIDENTS
from tools.management.commands import bench_http
from tools.management.commands.bench_http import PORT, RUN

ROOT = Path(settings.BASE_DIR)
PG = "postgres://postgres@127.0.0.1:5432"
DEMO_DB = "yzgz_prod"
LARGE_DB = "yzgz_peers_large"
BUSIEST_SQL = "SELECT id FROM news_article WHERE status = 'published' ORDER BY comment_count DESC LIMIT 1"
PEERS_SOURCE = ROOT.parent / "shared" / "peers"
SEED_FILE = ROOT.parent / "shared" / "reference" / "seed-article-page.txt"
BASE = f"http://127.0.0.1:{PORT}"


def log_in(username, password):
    """A session cookie for ``username``, logged in through the stack's own login form."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{BASE}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    request = urllib.request.Request(  # noqa: S310 - our 127.0.0.1 stack
        f"{BASE}/accounts/login/", data=data.encode(), headers={"Referer": f"{BASE}/accounts/login/"}
    )
    opener.open(request, timeout=30).read()
    # As a browser running site.js holds them once yz_fresh (the login's POST) has run out: nginx
    # then serves the residents' copy (yzgz/pagecache.py, "the edge").
    cookies = {cookie.name: cookie.value for cookie in jar if cookie.name != "yz_fresh"}
    if settings.SESSION_COOKIE_NAME not in cookies:
        raise CommandError(f"could not log {username} in through the stack")
    cookies["yz_js"] = "1"
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def page_views(rows, target):
    """A resident's page views a second when each view is the page and its /page-parts/ request:
    the two run one after the other on the same machine, so their times a request add up."""
    page, parts = rows.get(target), rows.get(f"{target}-parts")
    if not page or not parts or not page["rps"] or not parts["rps"]:
        return None
    return {
        "rps": 1 / (1 / page["rps"] + 1 / parts["rps"]),
        "p99_ms": max(page["p99_ms"], parts["p99_ms"]),
    }


def rss_text(sizes):
    return ", ".join(f"{size:.0f} MB" for size in sizes) or "unknown"


def fetch(url, cookie=""):
    return bench_http.fetch(url, {"Cookie": cookie} if cookie else None).decode()


class Command(BaseCommand):
    help = "Measure the logged-in resident's pages beside the Wagtail peer (../shared/peers) in one run."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--duration", type=int, default=10)
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--members-off", action="store_true", help="Also measure without the members' cache.")
        parser.add_argument("--large", action="store_true", help="Also measure on 20,000 articles, 200,000 comments.")
        parser.add_argument("--json", dest="json_path", default="")

    def handle(self, *args, rounds, duration, connections, members_off, large, json_path, **options):
        for tool in ("wrk", "nginx"):
            if not shutil.which(tool):
                raise CommandError(f"{tool} is missing: apt-get install -y {tool}")
        if not PEERS_SOURCE.is_dir():
            raise CommandError(f"no peers at {PEERS_SOURCE}")
        peers = self.peers()
        results = {"date": time.strftime("%Y-%m-%d"), "passes": {}}
        passes = [("members cache on", "1", DEMO_DB)]
        passes += [("members cache off", "0", DEMO_DB)] if members_off else []
        passes += [("20,000 articles, members cache on", "1", LARGE_DB)] if large else []
        try:
            for label, members, database in passes:
                self.stack("stop", members, database)
                self.stack("start", members, database)
                busy = self.large_data(database) if database == LARGE_DB else None
                self.run_peers(peers, "start.sh")
                targets = self.targets(busy)
                table, rows = self.measure(peers, targets, rounds, duration, connections)
                rss = bench_http.worker_rss_mb()
                results["passes"][label] = {
                    "targets": {k: v[0] for k, v in targets.items()},
                    "medians": rows,
                    "members": members == "1",
                    "worker_rss_mb": [round(size, 1) for size in rss],
                }
                self.stdout.write(f"\n## {label}\n\n{table}\n\nworker RSS after the run: {rss_text(rss)}")
        finally:
            self.run_peers(peers, "stop.sh", check=False)
            self.stack("stop", "1", DEMO_DB)
        self.report(results)
        if json_path:
            Path(json_path).parent.mkdir(parents=True, exist_ok=True)
            Path(json_path).write_text(json.dumps(results, ensure_ascii=False, indent=2))

    def large_data(self, database):
        """Fill ``database`` (the demo already in it) to 20,000 articles and 200,000 comments, once;
        the id of its busiest article."""
        env = {**os.environ, "DATABASE_URL": f"{PG}/{database}", "DATABASE_POOL": "0"}
        command = [sys.executable, str(ROOT / "manage.py"), "generate_articles", "--total"]
        command += ["--articles", "20000", "--comments", "200000"]
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - our own command
        busiest = subprocess.run(  # noqa: S603 - psql, a fixed query
            ["psql", f"{PG}/{database}", "-tAc", BUSIEST_SQL],  # noqa: S607 - psql from PATH
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        return f"/article/{busiest[0]}/"

    def peers(self):
        """A writable copy of the peers, set up once (its venv, database and static copy stay)."""
        peers = RUN / "peers"
        done = peers / ".set-up"  # written only after setup.sh succeeded: a broken try is redone
        if not done.exists():
            shutil.copytree(PEERS_SOURCE, peers, dirs_exist_ok=True)
            self.stdout.write("Setting up the peers (once; a Wagtail venv and database)…")
            self.run_peers(peers, "setup.sh")
            done.touch()
        return peers

    def run_peers(self, peers, script, check=True):
        env = {
            "SEED_FILE": str(SEED_FILE),
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            # The Python our own venv was made from: Debian's python3 (3.11.2) is too old for the
            # peers' pinned soupsieve 4.1.3 (Requires-Python >= 3.11.5), and the machines' is not.
            "PYTHON": getattr(sys, "_base_executable", sys.executable),
        }
        subprocess.run(  # noqa: S603 - the peers' own scripts
            ["bash", str(peers / script)],  # noqa: S607 - bash from PATH
            env=env,
            check=check,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL if not check else None,
        )

    def stack(self, action, members, database):
        bench_http.prod_stack(
            action, PROD_DB=database, DJANGO_PAGE_CACHE_SECONDS="60", DJANGO_PAGE_CACHE_MEMBERS=members
        )

    def targets(self, busy=None):
        """label: (URL, cookie) for our targets: the seed article, home and its category."""
        home = fetch(BASE + "/")
        seed = re.search(r'href="(/article/\d+/)"[^>]*>禹州夏都街道开展2021年第三季度党建观摩活动', home)
        article = seed.group(1) if seed else re.search(r'href="(/article/\d+/)"', home).group(1)
        category = re.search(r'href="(/category/[^"/]+/)"', home).group(1)
        cookie = log_in(DEMO_RESIDENTS[0][0], DEMO_PASSWORD)
        targets = {
            "ours-article-resident": (BASE + article, cookie),
            # What site.js asks for on every view of that page: the resident's menu, token and buttons.
            "ours-article-resident-parts": (f"{BASE}/page-parts/?path={article}", cookie),
            "ours-home-resident": (BASE + "/", cookie),
            # The same for the home page (asked at most once a minute: site.js reuses it on such pages).
            "ours-home-resident-parts": (f"{BASE}/page-parts/?path=/", cookie),
            "ours-category-resident": (BASE + category, cookie),
            "ours-article-anon": (BASE + article, ""),
        }
        if busy:  # the large data's busiest article: its page and its parts (a like button per comment)
            targets["ours-busy-resident"] = (BASE + busy, cookie)
            targets["ours-busy-resident-parts"] = (f"{BASE}/page-parts/?path={busy}", cookie)
        for url, cookie_value in targets.values():
            fetch(url, cookie_value)
            fetch(url, cookie_value)  # warm: rankings, 热门 and the shared copies
        return targets

    def measure(self, peers, targets, rounds, duration, connections):
        args = []
        for label, (url, cookie) in targets.items():
            args.append(f"{label}={url}")
            if cookie:
                args += ["-H", f"Cookie: {cookie}"]
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "ROUNDS": str(rounds),
            "DURATION": str(duration),
            "CONNS": str(connections),
            "QUERIES": "0",
        }
        out = subprocess.run(  # noqa: S603 - the peers' own script, loopback targets only
            ["bash", str(peers / "measure.sh"), *args],  # noqa: S607 - bash from PATH
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        table = "\n".join(line for line in out.splitlines() if line.startswith("|"))
        rows = {}
        for line in table.splitlines()[2:]:
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows[cells[0]] = {"rps": float(cells[3]), "p50_ms": float(cells[4]), "p99_ms": float(cells[5])}
        return table, rows

    def report(self, results):
        out = self.stdout.write
        for label, data in results["passes"].items():
            rows = data["medians"]
            wagtail = rows.get("wagtail-article", {}).get("rps") or 0
            out(f"\n{label}:")
            for target in (
                "ours-article-resident",
                "ours-busy-resident",
                "ours-home-resident",
                "ours-category-resident",
            ):
                row = rows.get(target)
                if row and wagtail:
                    out(
                        f"  {target}: {row['rps']:.0f} req/s = {row['rps'] / wagtail:.1f}× Wagtail's article "
                        f"({wagtail:.0f} req/s), p99 {row['p99_ms']:.1f} ms"
                    )
                # Without the residents' copies nginx has no copy for them: the page is all there is.
                views = page_views(rows, target) if data["members"] else None
                if views and wagtail:
                    out(
                        f"    with its /page-parts/ request: {views['rps']:.0f} page views/s = "
                        f"{views['rps'] / wagtail:.1f}× Wagtail's article, "
                        f"p99 {views['p99_ms']:.1f} ms (the slower of the two)"
                    )
                    data.setdefault("page_views", {})[target] = views
