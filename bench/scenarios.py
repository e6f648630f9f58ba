"""What the benchmark measures, and the budgets from DESIGN.md it compares against."""

from django.test import Client

from courses.models import CourseDate
from directory.models import Location, Practitioner

from .measure import Result, measure, page
from .scale import Sizes

SEARCHES = [
    "/practitioners/?where=Brighton&technique=deep-tissue",
    "/practitioners/?where=Bath&radius=25",
    "/practitioners/?where=London&technique=sports-massage&radius=10",
    "/practitioners/?where=BN1&q=back+pain",
    "/practitioners/?where=Bristol&technique=hot-stone&gender=female",
    "/practitioners/?where=Oxford&radius=25&page=2",
    "/practitioners/?q=posture",
    "/practitioners/",
]


def scale_data_present(sizes: Sizes) -> bool:
    return Practitioner.objects.count() >= sizes.practitioners


def data_counts() -> dict:
    return {
        "practitioners": Practitioner.objects.count(),
        "locations": Location.objects.count(),
        "course_dates": CourseDate.objects.count(),
    }


def _profiles(limit: int) -> list[str]:
    slugs = (
        Practitioner.objects.listed()
        .order_by("slug")
        .values_list("slug", flat=True)[:limit]
    )
    return [f"/practitioners/{slug}/" for slug in slugs]


def in_process(runs: int) -> list[Result]:
    client = Client()
    results = [
        measure(
            "directory search: near Brighton, deep tissue",
            page(client, SEARCHES[0]),
            runs=runs,
        ),
        measure(
            "directory search: rotating 8 searches",
            lambda i: page(client, SEARCHES[i % len(SEARCHES)])(i),
            runs=runs,
        ),
        measure(
            "directory search: page 20 of all practitioners",
            page(client, "/practitioners/?page=20"),
            runs=runs,
        ),
    ]
    results.append(measure("course dates list", page(client, "/courses/"), runs=runs))
    profiles = _profiles(50)
    results.append(
        measure(
            "practitioner profile",
            lambda i: page(client, profiles[i % len(profiles)])(i),
            runs=runs,
        )
    )
    return results


def load_scenarios() -> list[dict]:
    return [
        {"name": "directory search", "paths": SEARCHES},
        {"name": "practitioner profile", "paths": _profiles(200)},
    ]


def _find(rows: list[dict], name: str) -> dict | None:
    return next((row for row in rows if row["name"] == name), None)


def budgets(in_process: list[dict], load: list[dict]) -> list[dict]:
    rows = []
    search = _find(load, "directory search")
    rows.append(
        {
            "budget": "directory search >= 100 req/s at 8 connections",
            "measured": f"{search['rps']} req/s" if search else "-",
            "met": search["rps"] >= 100 if search else None,
        }
    )
    rows.append(
        {
            "budget": "directory search p95 <= 150 ms at 8 connections",
            "measured": f"{search['p95_ms']} ms" if search else "-",
            "met": search["p95_ms"] <= 150 if search else None,
        }
    )
    list_pages = [r for r in in_process if r["name"].startswith(LIST_PAGE_PREFIXES)]
    worst = max((r["queries"] for r in list_pages), default=None)
    rows.append(
        {
            "budget": "every list page <= 5 queries, whatever the page size",
            "measured": f"max {worst} queries" if worst is not None else "-",
            "met": worst <= 5 if worst is not None else None,
        }
    )
    return rows


LIST_PAGE_PREFIXES = ("directory search", "course dates list")
