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
    queries: int

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "runs": self.runs,
            "median_ms": round(self.median_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "queries": self.queries,
        }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def measure(
    name: str, action: Callable[[int], object], runs: int = 50, warmup: int = 3
) -> Result:
    """Times `action(i)` for i in range(runs), after a few untimed warm-up calls."""
    for i in range(warmup):
        action(i)
    with CaptureQueriesContext(connection) as queries:
        action(warmup)
    query_count = len(queries.captured_queries)
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
        queries=query_count,
    )


def page(client: Client, url: str) -> Callable[[int], object]:
    def get(_: int):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response

    return get
