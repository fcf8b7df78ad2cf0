"""gunicorn settings for one app server (deploy/prod.sh starts two, each on its own port).

Workers are sync processes with a few threads: pages are short database-bound requests, and
threads let a worker wait on PostgreSQL or Redis while another request renders.
"""

import ipaddress
import os

workers = int(os.environ.get("GUNICORN_WORKERS", "1"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 10
keepalive = 30
max_requests = 50000  # recycle a worker now and then, so a slow leak can never grow
max_requests_jitter = 5000
accesslog = None
errorlog = "-"
# The proxies whose X-Forwarded-Proto (https) is believed: FORWARDED_ALLOW_IPS, else the same
# list Django believes X-Forwarded-For from (DJANGO_TRUSTED_PROXIES), else nginx on this host.
forwarded_allow_ips = (
    os.environ.get("FORWARDED_ALLOW_IPS") or os.environ.get("DJANGO_TRUSTED_PROXIES") or "127.0.0.1"
).replace(" ", "")

SCHEME_HEADERS = {"X-FORWARDED-PROTO", "X-FORWARDED-PROTOCOL", "X-FORWARDED-SSL"}


def pre_request(worker, req):
    """Pass X-Forwarded-Proto on to Django only from a proxy in forwarded_allow_ips.

    Django reads the header itself (SECURE_PROXY_SSL_HEADER), whoever sent it; a request sent
    straight to an app server must not be able to call itself HTTPS.
    """
    if not isinstance(req.peer_addr, tuple):
        return  # a Unix socket: only the local proxy can reach it
    try:
        peer = ipaddress.ip_address(req.peer_addr[0])
    except ValueError:
        peer = None
    allowed = worker.cfg.forwarded_allow_ips
    if "*" in allowed or (peer and any(peer in ipaddress.ip_network(item, strict=False) for item in allowed)):
        return
    req.headers = [(name, value) for name, value in req.headers if name not in SCHEME_HEADERS]
