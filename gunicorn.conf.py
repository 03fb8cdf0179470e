"""Production server settings; every value can be overridden with GUNICORN_CMD_ARGS."""

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("CERTIFY_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("CERTIFY_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# gthread keeps connections alive between requests; one thread a worker by default. A
# request's work is Python holding the GIL, so a second thread only hands the GIL back and
# forth: measured with `python -m certify.bench verify`, one thread served 15-20% more
# verifications with half the p99, on SQLite and PostgreSQL alike. Parallelism comes from
# workers (2 per core + 1); a reverse proxy that buffers uploads keeps slow clients from
# holding one.
worker_class = "gthread"
threads = int(os.environ.get("CERTIFY_THREADS", "1"))
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (WeasyPrint is memory-hungry), but not every few seconds: a
# restarted worker drops its keep-alive connections and everything it keeps (compiled
# templates, kept verification answers, pooled connections), each restart a p99 spike of
# about 300 ms. A crowd scanning QR codes at 2,500 requests/s went through 20,000 requests a
# worker in 15 s; 200,000 is a few minutes of such a crowd and weeks of ordinary use.
max_requests = int(os.environ.get("CERTIFY_MAX_REQUESTS", "200000"))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("CERTIFY_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app writes one line per request (certify.core.request_log: request id, route, status,
# time; text or JSON). gunicorn's access line would repeat it with the raw path and query,
# which hold the QR token and so the holder's name, and cost one more write per request.
accesslog = None
errorlog = "-"
preload_app = True
wsgi_app = "wsgi:app"


# /metrics under several workers: each worker writes its counts to files here and a scrape
# adds them up (prometheus-client's multiprocess mode). Emptied when the server starts, so
# counts of a previous run are not added again; a worker that exits is marked dead. The
# default is one folder per server (its master's pid), so two servers never share one.
metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.join(tempfile.gettempdir(), f"certify-metrics-{os.getpid()}"))
shutil.rmtree(metrics_dir, ignore_errors=True)
os.makedirs(metrics_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def when_ready(server):
    """Warn when the rate limits would be counted apart in each worker: with N workers and
    in-process counters, an address gets N times its limit. Redis shares one count."""
    storage = os.environ.get("CERTIFY_RATELIMIT_STORAGE_URL", "")
    if server.cfg.workers > 1 and not storage.startswith(("redis://", "rediss://",
                                                          "redis+sentinel://", "redis+cluster://",
                                                          "memcached://", "mongodb://")):
        server.log.warning(
            "%d workers count rate limits apart (in-process storage): each address gets %d "
            "times its limits. Set CERTIFY_RATELIMIT_STORAGE_URL=redis://host:6379/N to share "
            "them.", server.cfg.workers, server.cfg.workers)
