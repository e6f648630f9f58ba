"""gunicorn's settings, each from the environment (the image's CMD reads this).

WEB_CONCURRENCY       worker processes (default: 2 per core + 1)
GUNICORN_BIND         address to listen on (default 0.0.0.0:8000)
GUNICORN_TIMEOUT      seconds a request may take before its worker is replaced (30)
GUNICORN_MAX_REQUESTS a worker is replaced after this many requests (1000), plus a
                      random 0..GUNICORN_MAX_REQUESTS_JITTER (100) so they do not
                      all restart at once: slow leaks stay bounded
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
# Longer than `timeout`: a worker told to stop finishes the request in hand.
graceful_timeout = timeout + 5
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
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
