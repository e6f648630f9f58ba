"""Where a request's time goes: `python -m bench.profile` (bench settings).

Calls the site's WSGI handler directly, as gunicorn's worker does (every
middleware, no test client), for each URL in turn, under cProfile from the
standard library, and prints the functions that took the most time. By default
the URLs are the directory searches `make bench` loads; `--url` names others.

    DJANGO_SETTINGS_MODULE=config.settings.bench python -m bench.profile
    python -m bench.profile --runs 400 --sort tottime --limit 40
    python -m bench.profile --url /practitioners/?where=Leeds --user

`--user` makes the requests signed in (a practitioner of the scale data), to
compare with anonymous ones. The first line gives the wall-clock median and p95
and the mean CPU time of this process a request: the figure to compare before
and after a change on a busy machine.
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from urllib.parse import urlsplit

import django


def environ(url: str, cookies: str = "") -> dict:
    parts = urlsplit(url)
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8799",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8799",
        "HTTP_COOKIE": cookies,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def signed_in_cookie() -> str:
    """A session cookie of a practitioner of the scale data."""
    from django.conf import settings
    from django.test import Client

    from directory.models import Practitioner

    user = Practitioner.objects.listed().order_by("pk").first().user
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", action="append", help="a URL to request (repeat)")
    parser.add_argument("--runs", type=int, default=200, help="requests profiled")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument("--limit", type=int, default=30, help="rows printed")
    parser.add_argument("--user", action="store_true", help="signed in")
    parser.add_argument(
        "--timings-only", action="store_true", help="median and p95, no profile"
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from bench.scenarios import SEARCHES

    urls = args.url or SEARCHES
    cookies = signed_in_cookie() if args.user else ""
    handler = WSGIHandler()

    def request(i: int) -> None:
        statuses = []
        body = handler(
            environ(urls[i % len(urls)], cookies),
            lambda status, headers, exc_info=None: statuses.append(status),
        )
        b"".join(body)
        body.close()
        if not statuses[0].startswith("200"):
            raise RuntimeError(f"{urls[i % len(urls)]} answered {statuses[0]}")

    for i in range(2 * len(urls)):  # warm-up: connections, templates
        request(i)
    timings, cpu = [], []
    for i in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        request(i)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    timings.sort()
    # CPU time of this process: what a worker spends on a request, much less
    # disturbed than wall time by other work on the machine or PostgreSQL's own.
    print(
        f"{len(urls)} URLs, {args.runs} requests{' signed in' if cookies else ''}: "
        f"median {statistics.median(timings):.2f} ms, "
        f"p95 {timings[int(0.95 * len(timings)) - 1]:.2f} ms; "
        f"CPU {statistics.mean(cpu):.2f} ms a request (mean)"
    )
    if args.timings_only:
        return 0
    # CPU time, not wall time: waiting for PostgreSQL or for a busy machine
    # does not count.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for i in range(args.runs):
        request(i)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats(args.sort).print_stats(args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
