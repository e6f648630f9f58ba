"""gunicorn's settings, each from the environment (the image's CMD reads this).

WEB_CONCURRENCY       worker processes (default: 2 per core + 1)
GUNICORN_BIND         address to listen on (default 0.0.0.0:8000)
GUNICORN_TIMEOUT      seconds a request may take before its worker is replaced (30)
GUNICORN_MAX_REQUESTS a worker is replaced after this many requests (1000), plus a
                      random 0..GUNICORN_MAX_REQUESTS_JITTER (100) so they do not
                      all restart at once: slow leaks stay bounded
GUNICORN_PRELOAD      import the site once in the master, before the workers fork
                      (true): a replaced worker is a fork, not a second import of
                      Django; "false" imports it in each worker
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
# Longer than `timeout`: a worker told to stop finishes the request in hand.
graceful_timeout = timeout + 5
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Without it every replaced worker imports Django and the whole site again (about a
# second, while requests queue behind it); with it a new worker is a fork of the
# loaded master and answers at once.
preload_app = _bool("GUNICORN_PRELOAD", True)
# Workers' heartbeat files in memory: a container's disk can stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
# Access and error logs redact bearer secrets (manage links, feed tokens, receipt
# links) in request lines and Referers: config/logfilters.py.
logger_class = "config.logfilters.GunicornLogger"
# The request id the site answered with, to match the access log with app logs.
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" id=%({x-request-id}o)s'
)


def when_ready(server) -> None:
    """In the master, once, before the first worker is forked: the work each
    worker would otherwise do on its first request (config/prefork.py)."""
    if not preload_app:
        return
    from config import prefork

    prefork.warm_up()


def pre_fork(server, worker) -> None:
    """In the master, before each worker is forked: nothing the master may have
    opened (a database connection, a Redis client, Celery's broker pool) is
    inherited and shared by two processes. Loading the site opens none of them;
    this keeps it so if an import ever does."""
    if not preload_app:
        return
    from django.core.cache import caches
    from django.db import connections

    from config.celery import app as celery_app

    connections.close_all()
    caches.close_all()
    # Celery resets its broker pool after a multiprocessing fork, not after
    # gunicorn's: close the master's (if it ever made one) and forget it, with
    # the reset Celery itself runs after a fork.
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._after_fork()
    # Last: what the master holds stays shared with the worker (config/prefork.py).
    from config import prefork

    prefork.freeze()
