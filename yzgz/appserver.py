"""One app server: ``python -m yzgz.appserver ADDRESS:PORT [granian options…]``.

Granian (Rust HTTP/1.1, WSGI) runs :mod:`yzgz.wsgi` with the settings below; deploy/prod.sh,
the systemd unit deploy/systemd/yzgz@.service and the tests all start it through this module,
so they run the same server the same way. It replaced gunicorn (gthread): for the request every
resident's page view costs (``/page-parts/``) the app server's own share of a request's CPU was
about 0.3 ms of 1.4 ms under gunicorn — its HTTP parser and thread pool in Python — and the
stack served about 20% more of them a second with Granian (README, "Speed").

* ``APP_WORKERS`` processes (1) with ``APP_THREADS`` threads each (4): pages are short
  database-bound requests, and threads let a worker wait on PostgreSQL or Redis while another
  request runs.
* A worker whose memory passes ``APP_WORKER_MAX_RSS`` MiB (200) is replaced, so a slow leak
  can never grow (gunicorn recycled a worker every 50,000 requests instead).
* A worker that dies is started again. Granian has no per-request timeout (gunicorn killed a
  worker stuck for 30 s): nginx gives up on the request after ``proxy_read_timeout``.
* X-Forwarded-Proto is believed only from the proxies in ``FORWARDED_ALLOW_IPS`` (see
  :mod:`yzgz.wsgi`); request bodies reach Django as a stream (a 200 MB video is not held in
  memory).
"""

import os
import sys


def command(bind, *extra):
    """The argv that runs the app server on ``bind`` (``ADDRESS:PORT``)."""
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"usage: python -m yzgz.appserver ADDRESS:PORT [granian options…] (not {bind!r})")
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host.strip("[]"),
        "--port",
        port,
        "--http",
        "1",
        "--no-ws",
        "--workers",
        os.environ.get("APP_WORKERS", "1"),
        "--blocking-threads",
        os.environ.get("APP_THREADS", "4"),
        "--runtime-threads",
        "1",
        "--respawn-failed-workers",
        "--workers-max-rss",
        os.environ.get("APP_WORKER_MAX_RSS", "200"),
        "--workers-kill-timeout",
        "10",
        "--log-level",
        "warning",
        *extra,
        "yzgz.wsgi:application",
    ]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        raise SystemExit("usage: python -m yzgz.appserver ADDRESS:PORT [granian options…]")
    args = command(*argv)
    os.execv(args[0], args)  # noqa: S606 - our own interpreter; the same pid for systemd and pid files


if __name__ == "__main__":
    main()
