"""The figures derived from the measured ones: the fractions of the floor, the
growth from one data size to the other, and how the docs' tables show them."""

import pytest
from django.test import Client

from bench import figures, scenarios, table
from bench.figures import FLOOR


def _load(name, rps, p95=10.0, connections=8, measured=True):
    if not measured:
        return {"name": name, "connections": connections, "measured": False}
    return {
        "name": name,
        "connections": connections,
        "measured": True,
        "rps": rps,
        "p50_ms": 1.0,
        "p95_ms": p95,
        "p99_ms": 2.0,
        "errors": {"total": 0},
    }


LOAD = [
    _load(FLOOR, 3500.0),
    _load("directory search", 350.0),
    _load("town page", 0, measured=False),
    _load("practitioner profile", 1750.0),
]


def test_each_measured_scenario_is_a_fraction_of_the_floor():
    rows = {row["name"]: row for row in figures.with_floor_fractions(LOAD)}
    assert rows[FLOOR]["of_floor"] == 1.0
    assert rows["directory search"]["of_floor"] == 0.1
    assert rows["practitioner profile"]["of_floor"] == 0.5
    assert "of_floor" not in rows["town page"]
    assert "of_floor" not in LOAD[1]  # the rows given are left as they were


def test_without_a_measured_floor_there_is_no_fraction():
    load = [_load(FLOOR, 0, measured=False), _load("directory search", 350.0)]
    rows = figures.with_floor_fractions(load)
    assert rows[1]["of_floor"] is None
    assert figures.with_floor_fractions(LOAD[1:])[0]["of_floor"] is None


def test_growth_is_the_large_figure_over_the_small_one():
    small = {"in_process": [{"name": "a", "median_ms": 10.0}], "load": LOAD}
    large = {
        "in_process": [{"name": "a", "median_ms": 25.0}],
        "load": [_load("directory search", 175.0)],
    }
    rows = figures.growth(
        small,
        large,
        [
            ("in_process", "a", "median_ms"),
            ("load", "directory search", "rps"),
            ("load", "town page", "rps"),
            ("in_process", "missing", "median_ms"),
        ],
    )
    assert [(r["small"], r["large"], r["ratio"]) for r in rows] == [
        (10.0, 25.0, 2.5),
        (350.0, 175.0, 0.5),
        (None, None, None),  # not measured at the small size
        (None, None, None),
    ]


def test_the_growth_compares_profile_slots_and_the_booking_mix():
    compared = {(part, name) for part, name, _ in scenarios.SCALE_GROWTH}
    for name in ("practitioner profile", "slots JSON (14 days)", scenarios.BOOKING_MIX):
        assert ("load", name) in compared
    assert ("in_process", "practitioner profile") in compared
    assert ("in_process", "slots JSON over the test client (14 days)") in compared


def test_the_http_table_shows_the_fraction_of_the_floor():
    lines = table.render({"load": LOAD}).splitlines()
    assert (
        "| over HTTP | connections | req/s | p50 ms | p95 ms | p99 ms | errors "
        "| of floor |" in lines
    )
    assert f"| {FLOOR} | 8 | 3500.0 | 1.0 | 10.0 | 2.0 | 0 | 100.0% |" in lines
    assert "| directory search | 8 | 350.0 | 1.0 | 10.0 | 2.0 | 0 | 10.0% |" in lines
    assert "| town page | 8 | - | - | - | - | - | - |" in lines


def test_a_report_without_a_floor_keeps_its_table_as_it_was():
    lines = table.render({"load": LOAD[1:]}).splitlines()
    assert "| directory search | 8 | 350.0 | 1.0 | 10.0 | 2.0 | 0 |" in lines
    assert not any("of floor" in line for line in lines)


def test_the_scale_table_states_the_growth_of_profile_slots_and_the_mix():
    report = {
        "data": {"practitioners": 10000},
        "in_process": [{"name": "practitioner profile", "median_ms": 10.0}],
        "load": LOAD,
        "scale": {
            "data": {"practitioners": 100000},
            "in_process": [{"name": "practitioner profile", "median_ms": 12.5}],
            "load": [
                _load(FLOOR, 3000.0),
                _load("directory search", 300.0),
                _load("practitioner profile", 1200.0, p95=30.0),
                _load(scenarios.BOOKING_MIX, 0, measured=False),
            ],
        },
    }
    lines = table.render(report).splitlines()
    assert "| practitioner profile, median ms | 10.0 | 12.5 | 1.25 |" in lines
    assert "| practitioner profile over HTTP, req/s | 1750.0 | 1200.0 | 0.69 |" in lines
    assert "| practitioner profile over HTTP, p95 ms | 10.0 | 30.0 | 3.00 |" in lines
    assert (
        "| practitioner profile over HTTP, of floor | 50.0% | 40.0% | 0.80 |" in lines
    )
    assert "| directory search over HTTP, of floor | 10.0% | 10.0% | 1.00 |" in lines
    assert f"| {FLOOR} over HTTP, req/s | 3500.0 | 3000.0 | 0.86 |" in lines
    # Asked for at scale and not measured: a row of dashes, never left out.
    assert f"| {scenarios.BOOKING_MIX} over HTTP, req/s | - | - | - |" in lines
    # Not part of this scale run at all: no row.
    assert not any(line.startswith("| town page over HTTP") for line in lines)
    assert not any(line.startswith("| slots JSON (14 days) over") for line in lines)


class _Innermost:
    """Placed after every middleware of the site: reached only when none of them
    answered the request itself."""

    reached = []

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _Innermost.reached.append(request.path)
        return self.get_response(request)


@pytest.mark.django_db
def test_the_floor_page_goes_through_every_middleware(settings):
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        f"{__name__}._Innermost",
    ]
    _Innermost.reached.clear()
    response = Client().get(figures.FLOOR_PATH)
    assert response.status_code == 200
    assert _Innermost.reached == [figures.FLOOR_PATH]
    # The response went back out through them: their headers are on it.
    for header in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "Permissions-Policy",
        "Reporting-Endpoints",
    ):
        assert header in response.headers
    assert scenarios.floor_scenario() == {"name": FLOOR, "paths": ["/robots.txt"]}
