"""What each middleware costs a request: `python -m bench.middleware` (bench settings).

Calls the site's WSGI handler directly, as gunicorn's worker does, with a probe
between every two middleware of settings.MIDDLEWARE (and one inside the last). A
probe notes the clock when the request passes it on the way in and when the
response passes it on the way out, so a middleware's cost is the time between its
two neighbouring probes in both directions: its own work, not the rest of the
stack's. Prints the median over the requests of each middleware's cost, of the
view (with URL resolving) and of the whole request, in microseconds. Medians of
single requests hold better than totals on a busy machine: a request that another
process interrupts is one outlier among thousands.

    DJANGO_SETTINGS_MODULE=config.settings.bench python -m bench.middleware
    python -m bench.middleware --url /practitioners/?where=Leeds --runs 500
"""

import argparse
import os
import statistics
import sys
import time

import django

from bench.profile import environ

_stamps: list[tuple[int, int, int]] = []  # (way, probe, nanoseconds): 0 in, 1 out
_clock = time.perf_counter_ns


class Probe:
    """Placed between two middleware; probes are numbered from the innermost."""

    count = 0

    def __init__(self, get_response):
        self.get_response = get_response
        self.number = Probe.count
        Probe.count += 1

    def __call__(self, request):
        _stamps.append((0, self.number, _clock()))
        response = self.get_response(request)
        _stamps.append((1, self.number, _clock()))
        return response


def measure(url: str, runs: int) -> dict:
    """Median microseconds per request: "whole", "view" and each middleware."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    middleware = list(settings.MIDDLEWARE)
    probe = f"{__name__}.Probe"
    chain = [name for entry in middleware for name in (probe, entry)] + [probe]
    Probe.count = 0
    with override_settings(MIDDLEWARE=chain):
        handler = WSGIHandler()
    outermost = len(middleware)

    def request() -> int:
        _stamps.clear()
        statuses = []
        started = _clock()
        body = handler(environ(url), lambda status, *rest: statuses.append(status))
        b"".join(body)
        body.close()
        if not statuses[0].startswith("200"):
            raise RuntimeError(f"{url} answered {statuses[0]}")
        return _clock() - started

    for _ in range(min(runs, 200)):  # warm-up: templates, connections
        request()
    whole, view = [], []
    costs: list[list[int]] = [[] for _ in middleware]
    for _ in range(runs):
        whole.append(request())
        passed = {(way, number): moment for way, number, moment in _stamps}
        for index in range(len(middleware)):
            outer, inner = outermost - index, outermost - index - 1
            costs[index].append(
                passed[0, inner]
                - passed[0, outer]
                + passed[1, outer]
                - passed[1, inner]
            )
        view.append(passed[1, 0] - passed[0, 0])

    def median(values: list[int]) -> float:
        return statistics.median(values) / 1000

    return {
        "whole": median(whole),
        "view": median(view),
        "middleware": {
            name: median(c) for name, c in zip(middleware, costs, strict=True)
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="/robots.txt", help="the page requested")
    parser.add_argument("--runs", type=int, default=3000, help="requests measured")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    django.setup()
    figures = measure(args.url, args.runs)
    load = os.getloadavg()[0]
    print(f"{args.url}, {args.runs} requests, load average {load:.1f}: medians in µs")
    print(f"{figures['whole']:8.1f}  whole request (WSGI handler)")
    print(f"{figures['view']:8.1f}  view and URL resolving")
    for name, cost in figures["middleware"].items():
        print(f"{cost:8.1f}  {name}")
    total = sum(figures["middleware"].values())
    print(f"{total:8.1f}  all middleware")
    return 0


if __name__ == "__main__":
    sys.exit(main())
