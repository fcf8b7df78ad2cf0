"""gunicorn settings for one app server (deploy/prod.sh starts two, each on its own port).

Workers are sync processes with a few threads: pages are short database-bound requests, and
threads let a worker wait on PostgreSQL or Redis while another request renders.
"""

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
forwarded_allow_ips = "127.0.0.1"
