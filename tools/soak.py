"""`make soak`: mixed traffic against the production stack, with PostgreSQL and Redis taken away.

It brings its own servers, so nothing else on the machine is disturbed: a private PostgreSQL
cluster (initdb, port 55432) and a private Redis (port 56379, append-only file, so a stop
keeps the buffered view counts), and the production stack of deploy/prod.sh (nginx in front
of two Granian app servers) on ports 8190-8192. Then, on 127.0.0.1 only, for a bounded time:

* 32 connections, each a loop of: anonymous reading (home, category, article, search,
  rankings), the view beacon (each from a new visitor), reactions and comments by logged-in
  residents, a resident's own profile page, and logins;
* PostgreSQL stopped (``pg_ctl stop -m fast``) for a few seconds in the first half and
  started again; Redis shut down for a few seconds in the second half and started again.

Every response is recorded; a write counts as acknowledged when the site said it was saved
(302 to the new comment, 200 with the reaction counts, the beacon's image). At the end the
view buffer is flushed and ``manage.py soak_data verify`` checks each acknowledged write is
in the database exactly once. The run fails on any 5xx outside the outages, on any 5xx
inside them that is not the friendly 503 page, on a recovery slower than 5 s, or on a lost
or doubled write. It prints a table and writes JSON (``--json``).
"""

import argparse
import glob
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
FRIENDLY_503 = "网站正在恢复"
RECOVERY_LIMIT = 5.0
UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"


def log(message):
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


def sh(cmd, env=None, check=True, capture=False, user=None):
    if user and os.geteuid() == 0:
        cmd = ["runuser", "-u", user, "--", *cmd]
    return subprocess.run(  # noqa: S603 - our own tools and servers, on loopback
        cmd, env=env, check=check, cwd=ROOT, capture_output=capture, text=True
    )


class PrivatePostgres:
    """A throwaway cluster: initdb into a temporary directory, owned by the postgres user under root."""

    def __init__(self, base, port):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        self.bin = Path(found[-1]).parent if found else Path(shutil.which("pg_ctl") or "pg_ctl").parent
        self.dir = base / "pg"
        self.port = port
        self.user = "postgres" if os.geteuid() == 0 else None
        self.url = f"postgres://postgres@127.0.0.1:{port}"

    def init(self):
        self.dir.mkdir(parents=True)
        if self.user:
            shutil.chown(self.dir.parent, self.user)
            shutil.chown(self.dir, self.user)
        sh(
            [str(self.bin / "initdb"), "-D", str(self.dir), "-A", "trust", "-U", "postgres", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync"],
            user=self.user, capture=True,
        )  # fmt: skip

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=60"
        sh([str(self.bin / "pg_ctl"), "-D", str(self.dir), "-o", options, "-l", str(self.dir / "log"), "-w", "start"],
           user=self.user, capture=True)  # fmt: skip

    def stop(self, mode="fast"):
        sh([str(self.bin / "pg_ctl"), "-D", str(self.dir), "-m", mode, "-w", "stop"], user=self.user, check=False,
           capture=True)  # fmt: skip


class PrivateRedis:
    def __init__(self, base, port):
        self.dir = base / "redis"
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        sh(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
            "--appendfsync", "always", "--dir", str(self.dir), "--daemonize", "yes",
            "--pidfile", str(self.dir / "redis.pid"), "--logfile", str(self.dir / "redis.log")])  # fmt: skip
        for _ in range(50):
            if sh(["redis-cli", "-p", str(self.port), "ping"], check=False, capture=True).stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("private Redis did not start")

    def stop(self):
        sh(["redis-cli", "-p", str(self.port), "shutdown"], check=False, capture=True)
        for _ in range(50):
            if sh(["redis-cli", "-p", str(self.port), "ping"], check=False, capture=True).returncode != 0:
                return
            time.sleep(0.1)


class Connection:
    """One keep-alive HTTP connection to nginx, like one browser."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response.status, response.read(), response
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # nginx closed an idle keep-alive connection: a browser would reconnect once.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


class Soak:
    def __init__(self, args, data):
        self.args = args
        self.data = data
        self.lock = threading.Lock()
        self.records = []  # (started, ended, kind, status, friendly)
        self.comments = []
        self.reactions = defaultdict(dict)  # user id -> article id -> reaction id
        self.views = Counter()
        self.errors = []
        self.stop_at = 0.0

    def note(self, started, kind, status, body=b"", response=None):
        friendly = status == 503 and response is not None and response.getheader("Retry-After") is not None
        if status == 503 and kind not in ("beacon", "react"):
            friendly = friendly and FRIENDLY_503 in body.decode("utf-8", "replace")
        with self.lock:
            self.records.append((started, time.monotonic(), kind, status, friendly))

    def worker(self, index, actors):
        rnd = random.Random(index)
        conn = Connection(self.args.port)
        articles = self.data["articles"]
        pages = ["/", "/rank/", *[f"/category/{c}/" for c in self.data["categories"]]]
        words = ["禹州", "钧瓷", "学校", "医院", "交通", "药材"]
        while time.monotonic() < self.stop_at:
            roll = rnd.random()
            started = time.monotonic()
            article = rnd.choice(articles)
            try:
                if roll < 0.45:
                    kind = "read"
                    choice = rnd.random()
                    if choice < 0.45:
                        path = f"/article/{article}/"
                    elif choice < 0.6:
                        path = f"/search/?q={quote(rnd.choice(words))}"
                    else:
                        path = rnd.choice(pages)
                    status, body, response = conn.request("GET", path, headers={"User-Agent": UA})
                elif roll < 0.72:
                    kind = "beacon"
                    visitor = f"{UA} soak/{uuid.uuid4().hex}"
                    status, body, response = conn.request(
                        "GET", f"/article/{article}/view.gif", headers={"User-Agent": visitor}
                    )
                    if status == 200:
                        with self.lock:
                            self.views[str(article)] += 1
                else:
                    actor = rnd.choice(actors)
                    secret = uuid.uuid4().hex
                    cookies = {"Cookie": f"sessionid={actor['session']}; csrftoken={secret}", "User-Agent": UA}
                    if roll < 0.84:
                        kind = "react"
                        reaction = rnd.choice(self.data["reactions"])
                        status, body, response = conn.request(
                            "POST",
                            f"/article/{article}/react/",
                            body=f"reaction={reaction}",
                            headers={
                                **cookies,
                                "X-CSRFToken": secret,
                                "Accept": "application/json",
                                "Content-Type": "application/x-www-form-urlencoded",
                            },
                        )
                        if status == 200:
                            with self.lock:
                                self.reactions[str(actor["id"])][str(article)] = reaction
                    elif roll < 0.94:
                        kind = "comment"
                        token = f"soak-{uuid.uuid4().hex[:16]}"
                        text = f"压力测试评论 {token} 禹州的路修得真快"
                        status, body, response = conn.request(
                            "POST",
                            f"/article/{article}/comments/",
                            body=f"body={quote(text)}&csrfmiddlewaretoken={secret}",
                            headers={**cookies, "Content-Type": "application/x-www-form-urlencoded"},
                        )
                        if status == 302 and "#comment-" in (response.getheader("Location") or ""):
                            with self.lock:
                                self.comments.append(token)
                    elif roll < 0.97:
                        kind = "profile"
                        status, body, response = conn.request("GET", "/accounts/profile/", headers=cookies)
                    else:
                        kind = "login"
                        form = f"username={actor['username']}&password={self.data['password']}"
                        status, body, response = conn.request(
                            "POST",
                            "/accounts/login/",
                            body=f"{form}&csrfmiddlewaretoken={secret}",
                            headers={
                                "Cookie": f"csrftoken={secret}",
                                "User-Agent": UA,
                                "Content-Type": "application/x-www-form-urlencoded",
                            },
                        )
                self.note(started, kind, status, body, response)
            except Exception as exc:  # a connection that died mid-request: a failure, recorded
                with self.lock:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                    self.records.append((started, time.monotonic(), "error", 0, False))
                conn = Connection(self.args.port)

    def probe_recovery(self, actor, deadline):
        """Seconds until a page that needs the database (a resident's profile) answers 200 again."""
        started = time.monotonic()
        conn = Connection(self.args.port)
        headers = {"Cookie": f"sessionid={actor['session']}", "User-Agent": UA}
        while time.monotonic() - started < deadline:
            try:
                status, _body, _response = conn.request("GET", "/accounts/profile/", headers=headers)
                if status == 200:
                    return time.monotonic() - started
            except Exception:  # still down; try again
                conn = Connection(self.args.port)
            time.sleep(0.05)
        return None


def stack_env(args, pg, redis, base):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    env.update(
        DATABASE_URL=f"{pg.url}/yzgz_soak",
        REDIS_URL=redis.url,
        PROD_PG=pg.url,
        PROD_DB="yzgz_soak",
        PROD_RUN=str(base / "run"),
        PROD_PORT=str(args.port),
        PROD_APP_PORT_A=str(args.port + 1),
        PROD_APP_PORT_B=str(args.port + 2),
        GUNICORN_WORKERS="1",
    )
    return env


def secret_env(env, base):
    """The app servers' settings, for manage.py commands run against the same stack."""
    return {**env, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": (base / "run" / "secret_key").read_text().strip(),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL": "0",
            "DJANGO_SITE_URL": f"http://127.0.0.1:{env['PROD_PORT']}"}  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=120)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--outage", type=float, default=6, help="seconds each service stays down")
    parser.add_argument("--port", type=int, default=8190)
    parser.add_argument("--pg-port", type=int, default=55432)
    parser.add_argument("--redis-port", type=int, default=56379)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="yzgz-soak-"))
    os.chmod(base, 0o755)  # noqa: S103 - the postgres user must reach its data directory inside
    pg = PrivatePostgres(base, args.pg_port)
    redis = PrivateRedis(base, args.redis_port)
    env = stack_env(args, pg, redis, base)
    report = {}
    try:
        log(f"private PostgreSQL on {args.pg_port}, Redis on {args.redis_port}, stack on {args.port} ({base})")
        pg.init()
        pg.start()
        redis.start()
        started_stack = sh(["bash", "deploy/prod.sh", "start"], env=env, check=False, capture=True)
        if started_stack.returncode:
            raise RuntimeError("deploy/prod.sh start failed:\n" + started_stack.stdout + started_stack.stderr)
        prod_env = secret_env(env, base)
        setup = base / "setup.json"
        sh([str(PY), "manage.py", "soak_data", "setup", str(setup)], env=prod_env)
        data = json.loads(setup.read_text())
        soak = Soak(args, data)
        actors = data["actors"]
        probe_actor = actors.pop()
        started = time.monotonic()
        soak.stop_at = started + args.duration
        threads = [
            threading.Thread(target=soak.worker, args=(i, actors[i::2] if i % 2 else actors), daemon=True)
            for i in range(args.connections)
        ]
        for thread in threads:
            thread.start()
        log(f"{args.connections} connections for {args.duration:.0f} s")

        outages = []
        for service, at in (("postgresql", 0.3), ("redis", 0.65)):
            time.sleep(max(0.0, started + args.duration * at - time.monotonic()))
            down = time.monotonic()
            log(f"stopping {service}")
            if service == "postgresql":
                pg.stop()
            else:
                redis.stop()
            time.sleep(args.outage)
            log(f"starting {service}")
            if service == "postgresql":
                pg.start()
            else:
                redis.start()
            up = time.monotonic()
            recovery = soak.probe_recovery(probe_actor, 30) if service == "postgresql" else 0.0
            log(f"{service} back; the site recovered in {recovery if recovery is not None else 'never'} s")
            outages.append({"service": service, "down": down - started, "up": up - started,
                            "recovery_seconds": recovery})  # fmt: skip

        for thread in threads:
            thread.join(timeout=args.duration + 60)
        log("traffic stopped; flushing views and checking the database")
        ledger = base / "ledger.json"
        ledger.write_text(json.dumps({"comments": soak.comments, "reactions": soak.reactions, "views": soak.views,
                                      "views_before": data["views_before"], "articles": data["articles"]}))  # fmt: skip
        result = sh([str(PY), "manage.py", "soak_data", "verify", str(ledger)], env=prod_env, check=False, capture=True)
        verify = {}
        for line in result.stdout.splitlines():
            if line.startswith("RESULT "):
                verify = json.loads(line[7:])
        if not verify:
            verify = {"problems": [result.stderr[-2000:]]}

        report = summarise(args, soak, outages, verify, started)
    finally:
        sh(["bash", "deploy/prod.sh", "stop"], env=env, check=False, capture=True)
        redis.stop()
        pg.stop(mode="immediate")
        shutil.rmtree(base, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print_table(report)
    return 0 if report.get("passed") else 1


def summarise(args, soak, outages, verify, started):
    windows = [(o["down"] - 0.5, o["up"] + (o["recovery_seconds"] or 30) + 2) for o in outages]
    by_kind = defaultdict(Counter)
    latencies = defaultdict(list)
    bad = Counter()
    friendly_503 = 0
    outside_5xx = 0
    first_failures = []
    for at, ended, kind, status, friendly in soak.records:
        by_kind[kind][status] += 1
        latencies[kind].append(ended - at)
        offset, end = at - started, ended - started
        # In an outage if the request was in flight at any moment of it.
        in_outage = any(offset <= hi and end >= lo for lo, hi in windows)
        if status >= 500 or status == 0:
            if not in_outage:
                outside_5xx += 1
                bad[f"{kind} {status} outside an outage"] += 1
                first_failures.append(f"{kind} {status} at {offset:.1f} s")
            elif friendly:
                friendly_503 += 1
            else:
                bad[f"{kind} {status} during an outage"] += 1
    total = len(soak.records)
    recoveries = [o["recovery_seconds"] for o in outages if o["service"] == "postgresql"]
    recovered = all(r is not None and r <= RECOVERY_LIMIT for r in recoveries)
    report = {
        "duration_seconds": args.duration,
        "connections": args.connections,
        "requests": total,
        "requests_per_second": round(total / args.duration, 1),
        "by_kind": {kind: {str(s): n for s, n in sorted(c.items())} for kind, c in sorted(by_kind.items())},
        "latency_ms": {kind: percentiles(values) for kind, values in sorted(latencies.items())},
        "5xx_outside_outages": outside_5xx,
        "friendly_503_during_outages": friendly_503,
        "unfriendly_failures": dict(bad),
        "outages": outages,
        "verify": verify,
        "errors_sample": soak.errors[:5],
        "failures_outside_outages": first_failures[:20],
    }
    report["passed"] = not bad and recovered and not verify.get("problems")
    return report


def percentiles(values):
    ordered = sorted(values)

    def at(q):
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000)

    return {"p50": at(0.5), "p99": at(0.99)}


def print_table(report):
    if not report:
        return
    print()
    print(f"{'kind':<10}{'requests':>10}{'p50 ms':>9}{'p99 ms':>9}  statuses")
    for kind, statuses in report["by_kind"].items():
        latency = report["latency_ms"][kind]
        print(f"{kind:<10}{sum(statuses.values()):>10}{latency['p50']:>9}{latency['p99']:>9}  {statuses}")
    print(f"\n{report['requests']} requests in {report['duration_seconds']:.0f} s "
          f"({report['requests_per_second']} req/s) over {report['connections']} connections")  # fmt: skip
    print(f"5xx outside outages: {report['5xx_outside_outages']}; "
          f"friendly 503 during outages: {report['friendly_503_during_outages']}")  # fmt: skip
    for outage in report["outages"]:
        print(f"{outage['service']}: down at {outage['down']:.1f} s for {outage['up'] - outage['down']:.1f} s, "
              f"site recovered {outage['recovery_seconds']} s after it returned")  # fmt: skip
    verify = report["verify"]
    print(f"acknowledged and found exactly once: {verify.get('comments_acknowledged')} comments, "
          f"{verify.get('reactions_acknowledged')} reactions, {verify.get('views_acknowledged')} views")  # fmt: skip
    for problem in (verify.get("problems") or [])[:20]:
        print("PROBLEM", problem)
    for failure, n in report["unfriendly_failures"].items():
        print("FAILURE", failure, n)
    print("PASSED" if report["passed"] else "FAILED")


if __name__ == "__main__":
    sys.exit(main())
