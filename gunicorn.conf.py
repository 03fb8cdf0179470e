"""Production server settings; every value can be overridden with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("CERTIFY_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("CERTIFY_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("CERTIFY_THREADS", "2"))
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then; WeasyPrint is memory-hungry
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("CERTIFY_FORWARDED_ALLOW_IPS", "127.0.0.1")
# With CERTIFY_LOG_FORMAT=json the app writes one JSON line per request (with its request id);
# gunicorn's own access line would only repeat it as text.
accesslog = None if os.environ.get("CERTIFY_LOG_FORMAT", "").lower() == "json" else "-"
errorlog = "-"
preload_app = True
wsgi_app = "wsgi:app"
