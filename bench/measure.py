"""In-process measurements: many repetitions, median and p95, and query counts."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass
class Result:
    name: str
    runs: int
    median_ms: float
    p95_ms: float
    queries: int  # the most any variant made
    queries_min: int = 0
    variants: int = 1

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "runs": self.runs,
            "median_ms": round(self.median_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "queries": self.queries,
            "queries_min": self.queries_min,
            "variants": self.variants,
        }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def count_queries(action: Callable[[int], object], i: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        action(i)
    return len(queries.captured_queries)


def measure(
    name: str,
    action: Callable[[int], object],
    runs: int = 50,
    warmup: int = 3,
    variants: int = 1,
) -> Result:
    """Times `action(i)` for i in range(runs), after a few untimed warm-up calls.

    `action(i)` may differ with i (another URL, another slot): the queries of each
    of the first `variants` values are counted, and the most is reported.
    """
    for i in range(warmup):
        action(i)
    counts = [count_queries(action, i) for i in range(max(1, variants))]
    timings = []
    for i in range(runs):
        started = time.perf_counter()
        action(i)
        timings.append((time.perf_counter() - started) * 1000)
    return Result(
        name=name,
        runs=runs,
        median_ms=statistics.median(timings),
        p95_ms=percentile(timings, 0.95),
        queries=max(counts),
        queries_min=min(counts),
        variants=len(counts),
    )


def page(client: Client, url: str) -> Callable[[int], object]:
    def get(_: int):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response

    return get


def url_queries(client: Client, name: str, urls: list[str]) -> dict:
    """Queries of every distinct URL of a scenario: the most, the fewest, and the
    URL that made the most."""
    counts = {}
    for url in dict.fromkeys(urls):
        counts[url] = count_queries(page(client, url), 0)
    worst = max(counts, key=counts.get)
    return {
        "name": name,
        "urls": len(counts),
        "max": counts[worst],
        "min": min(counts.values()),
        "max_url": worst,
    }
