"""The benchmark's own code: the scale generator and the page budgets it reports.

Timings are never asserted here; query counts and the generator's output are.
"""

import socket
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from bench import booking_load, run, scale, scenarios, signed_in
from bench.figures import FLOOR
from bench.measure import measure, percentile
from blog.models import Post
from bookings.availability import compute_slots
from bookings.models import Booking
from courses.models import CourseDate
from directory.models import Practitioner
from notifications.models import OutboundEmail
from tests.seeding import restore_seeded_rows
from users.models import Session

pytestmark = pytest.mark.django_db

# The generator tests on an empty database (test_generator.py) use the same sizes.
SMALL = scale.Sizes(
    practitioners=40, bookings=300, posts=6, course_dates=4, postcodes=2000
)


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """The scale data, generated once for this module inside a transaction that is
    rolled back after its last test. Each test runs in a savepoint of it
    (pytest-django's test transaction), so what a test changes is undone for the
    next. The generator's own tests on an empty database are in test_generator.py."""
    with django_db_blocker.unblock():
        restore_seeded_rows()  # the techniques the practitioners offer
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
        transaction.atomic(),
    ):
        # The test database is not a *_bench one: let the generator write to it here.
        patch.setattr(scale, "check_database", lambda: "test")
        scale.generate(seed=7, sizes=SMALL, log=lambda *_: None)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def scale_data(generated, monkeypatch, settings):
    monkeypatch.setattr(scale, "check_database", lambda: "test")
    # As config.settings.bench: the load comes from one address, unlimited.
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "booking": "",
        "slots": "",
    }


def test_the_generator_writes_the_sizes_asked_for(scale_data):
    assert Practitioner.objects.count() == SMALL.practitioners
    assert Booking.objects.count() == SMALL.bookings
    assert Post.objects.count() == SMALL.posts
    assert CourseDate.objects.count() == SMALL.course_dates
    busy = Booking.objects.filter(practitioner__slug=scale.BUSY_SLUG).count()
    assert busy == scale.BUSY_BOOKINGS
    assert Practitioner.objects.listed().filter(slug=scale.BUSY_SLUG).exists()


def test_the_generator_records_when_and_how_it_ran(scale_data):
    meta = scale.read_meta()
    assert meta["generated_on"] == timezone.localdate().isoformat()
    assert meta["seed"] == 7
    assert meta["sizes"]["practitioners"] == SMALL.practitioners
    assert scale.stale_because(seed=7, sizes=SMALL) is None


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"seed": 8}, "seed 7, asked for 8"),
        ({"sizes": replace(SMALL, posts=7)}, "asked for"),
        ({"today": timezone.localdate() + timedelta(days=8)}, "8 days ago"),
    ],
)
def test_scale_data_of_another_seed_size_or_week_is_stale(scale_data, change, reason):
    asked = {"seed": 7, "sizes": SMALL, **change}
    assert reason in scale.stale_because(**asked, max_age_days=7)


def test_scale_data_within_its_age_limit_is_used(scale_data):
    later = timezone.localdate() + timedelta(days=7)
    assert scale.stale_because(seed=7, sizes=SMALL, today=later) is None


def test_scale_data_without_a_record_or_from_an_older_generator_is_stale(scale_data):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {scale.META_TABLE} "
            "SET value = jsonb_set(value, '{version}', %s)",
            [str(scale.DATA_VERSION - 1)],
        )
    assert "older generator" in scale.stale_because(seed=7, sizes=SMALL)
    scale.forget_meta()
    assert "no record" in scale.stale_because(seed=7, sizes=SMALL)


def test_scale_data_changed_since_generation_is_stale(scale_data):
    Post.objects.first().delete()
    assert "posts in the database" in scale.stale_because(seed=7, sizes=SMALL)


def test_the_busy_practitioner_has_most_bookings_in_the_timed_fortnight(scale_data):
    # Timed: 14 days from tomorrow, on data generated up to a week ago.
    for age in (0, scale.MAX_AGE_DAYS):
        first = timezone.localdate() + timedelta(days=1 + age)
        busy = scenarios.busy_bookings_between(first, first + timedelta(days=13))
        assert busy > scale.BUSY_BOOKINGS // 2
    practitioner = Practitioner.objects.get(slug=scale.BUSY_SLUG)
    first = timezone.localdate() + timedelta(days=1)
    service = practitioner.services.order_by("pk").first()
    free = compute_slots(
        service=service, first_day=first, last_day=first + timedelta(days=13)
    )
    assert free  # busy, not full


@pytest.mark.parametrize(
    "path, budget",
    [
        ("/", 3),  # next course dates, new practitioners, latest articles
        ("/practitioners/?where=Brighton&radius=50", 5),
        ("/practitioners/?q=massage", 5),
        ("/practitioners/?page=2", 5),
        ("/courses/", 5),
        ("/blog/", 5),
    ],
)
def test_main_pages_stay_within_their_query_budgets(
    client, scale_data, django_assert_max_num_queries, path, budget
):
    with django_assert_max_num_queries(budget):
        response = client.get(path)
    assert response.status_code == 200


def test_a_profile_and_an_article_stay_within_their_query_budgets(
    client, scale_data, django_assert_max_num_queries
):
    profile = scenarios._profiles(1)[0]
    post = scenarios._posts(1)[0]
    # The profile: the practitioner, techniques, places, qualifications, the
    # booking panel's services, the town pages of the places of work.
    with django_assert_max_num_queries(7):
        assert client.get(profile).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(post).status_code == 200


def test_the_in_process_measurements_run_and_report_query_counts(scale_data):
    results = {r.name: r for r in scenarios.in_process(runs=2)}
    assert results["blog list"].queries <= 5
    slots = next(r for name, r in results.items() if name.startswith("slots: 14"))
    assert slots.queries <= 4
    assert Booking.objects.count() == SMALL.bookings  # the booking call rolled back


def test_the_budget_table_says_when_a_figure_is_missing():
    rows = scenarios.budgets([], [])
    assert all(row["met"] is None for row in rows)


def test_measure_reports_median_p95_and_queries():
    client = Client()
    result = measure("home", lambda i: client.get("/"), runs=5, warmup=1)
    assert result.runs == 5
    assert result.median_ms <= result.p95_ms
    assert percentile([1, 2, 3, 4, 100], 0.95) == 100


def test_a_taken_port_is_named_with_the_setting_that_moves_it():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(run.LoadError, match=f"port {port} .*BENCH_PORT"):
            run.check_port_free(port)


def test_a_server_that_exits_is_reported_with_its_output():
    script = "import sys; print('Address already in use'); sys.exit(3)"
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen([sys.executable, "-c", script], stdout=log)
        process.wait()
        server = run.Server(process, 8799, log)
        with pytest.raises(run.LoadError, match="exited with code 3") as error:
            run.wait_until_up(server, "http://127.0.0.1:9/healthz", seconds=5)
    assert "Address already in use" in str(error.value)


def test_load_that_cannot_run_is_marked_not_measured_with_the_reason(monkeypatch):
    monkeypatch.setattr(run.shutil, "which", lambda name: None)
    scenarios_ = [{"name": "directory search", "paths": ["/"]}]
    rows, reason = run.run_load(scenarios_, seconds=1)
    assert "wrk is not installed" in reason
    assert rows == [
        {
            "name": "directory search",
            "connections": 8,
            "measured": False,
            "reason": reason,
        }
    ]
    budgets = scenarios.budgets([], rows)
    assert budgets[0]["measured"] == "not measured"
    assert budgets[0]["met"] is None


def test_the_report_names_the_commit_and_whether_files_differ_from_it():
    git = run.git_state()
    assert git["describe"].startswith(git["commit"])
    assert git["describe"].endswith("-dirty") == bool(git["dirty"])


def test_a_busy_machine_and_a_dirty_tree_are_warned_about():
    git = {"commit": "abc1234", "dirty": True, "changed": ["bench/run.py"]}
    machine = {
        "cpus": 2,
        "load_average": {
            "start": [3.5, 2.0, 1.0],
            "before_http": [1.0, 1.0, 1.0],
            "end": [5.0, 3.0, 2.0],
        },
    }
    found = run.warnings(git, machine)
    assert "bench/run.py" in found[0]
    assert "load average 3.5 at the start" in found[1]
    machine["load_average"]["start"] = [1.5, 1.0, 1.0]
    assert len(run.warnings({**git, "dirty": False}, machine)) == 0


def test_query_counts_are_the_most_any_variant_makes():
    def action(i):
        for _ in range(i):
            list(Post.objects.all())

    result = measure("i queries", action, runs=2, warmup=0, variants=4)
    assert (result.queries, result.queries_min, result.variants) == (3, 0, 4)


def test_every_distinct_url_of_the_load_scenarios_has_its_queries_counted(
    scale_data,
):
    load = scenarios.load_scenarios()
    rows = {row["name"]: row for row in scenarios.scenario_queries(load)}
    assert rows["directory search"]["urls"] == len(scenarios.SEARCHES)
    assert rows["directory search"]["max"] <= 5
    assert rows["practitioner profile"]["urls"] == len(scenarios._profiles(200))
    worst = max(rows.values(), key=lambda row: row["max"])
    assert worst["max"] >= worst["min"]
    budgets = scenarios.budgets([], [], list(rows.values()))
    assert budgets[-1]["measured"] == f"max {rows['directory search']['max']} queries"


def test_the_list_page_budget_counts_an_anonymous_visitors_queries():
    queries = [
        {"name": "directory search", "max": 4},
        {"name": "directory search, signed in", "max": 6},
        {"name": "blog list", "max": 5},
    ]
    row = scenarios.budgets([], [], queries)[-1]
    assert row == {
        "budget": "every list page <= 5 queries, whatever the page size",
        "measured": "max 5 queries",
        "met": True,
    }
    queries[0]["max"] = 7
    assert scenarios.budgets([], [], queries)[-1]["met"] is False


def test_slots_over_http_are_judged_for_one_and_for_eight_connections():
    def row(name, p95):
        return {"name": name, "measured": True, "p95_ms": p95, "rps": 1}

    load = [
        row("slots JSON (14 days), one client", 12.0),
        row("slots JSON (14 days)", 60.0),
    ]
    slots = [r for r in scenarios.budgets([], load) if "slots over HTTP" in r["budget"]]
    assert [(r["budget"].split(", ")[-1], r["met"]) for r in slots] == [
        ("1 connection", True),
        ("8 connections", False),
    ]


def test_the_report_says_whether_the_radius_search_uses_the_location_index(
    scale_data,
):
    found = scenarios.location_index_use()
    assert found["index"] == "location_sphere"
    assert found["uses_index"] == ("location_sphere" in "\n".join(found["plan"]))
    # A few dozen rows are read faster without it; at scale the planner takes it.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        assert scenarios.location_index_use()["uses_index"] is True


def test_prepared_booking_posts_book_distinct_slots_through_the_flow(scale_data):
    posts = booking_load.prepare(12, practitioners=4)
    assert len(posts) == 12
    assert len({p.slug for p in posts[:4]}) == 4  # practitioners in turn
    assert len({(p.slug, p.starts_at) for p in posts}) == 12
    client = Client(enforce_csrf_checks=True)
    for post in posts:
        response = client.post(
            post.path,
            post.body,
            content_type=booking_load.FORM,
            HTTP_COOKIE=post.cookie,
        )
        assert response.status_code == 302
        assert "/book/done/" in response["Location"]
    assert booking_load.booked() == 12
    assert OutboundEmail.objects.filter(to__endswith=booking_load.LOAD_DOMAIN).exists()

    assert booking_load.remove() == 12
    assert Booking.objects.count() == SMALL.bookings
    assert not OutboundEmail.objects.exists()
    assert not Session.objects.exists()


def test_a_booking_post_without_its_csrf_token_is_refused(scale_data):
    post = booking_load.prepare(1)[0]
    client = Client(enforce_csrf_checks=True)
    body = post.body.replace("csrfmiddlewaretoken", "token")
    response = client.post(
        post.path, body, content_type=booking_load.FORM, HTTP_COOKIE=post.cookie
    )
    assert response.status_code == 403
    assert booking_load.booked() == 0


def test_the_booking_mix_visits_then_books_and_measures_in_process(scale_data):
    posts = booking_load.prepare(6)
    mix = next(
        s for s in scenarios.load_scenarios(posts) if s["name"] == scenarios.BOOKING_MIX
    )
    assert [r[0] for r in mix["visits"][0]] == ["GET", "GET", "GET", "POST"]
    assert len(mix["paths"]) == 18  # the GETs, for the warm-up
    results = {r.name: r for r in scenarios.in_process(runs=2, bookings=posts)}
    booking = results["booking POST through the flow (CSRF, session, rolled back)"]
    assert booking.queries > 10  # the lock, the re-check, the writes
    assert booking_load.booked() == 0  # rolled back


def test_the_scale_run_measures_profile_slots_and_the_booking_mix(scale_data):
    posts = booking_load.prepare(6)
    names = [r.name for r in scenarios.scale_in_process(runs=2, bookings=posts)]
    for name in (
        "directory search: rotating 8 searches",
        "practitioner profile",
        "slots JSON over the test client (14 days)",
        "booking POST through the flow (CSRF, session, rolled back)",
    ):
        assert name in names
    assert booking_load.booked() == 0  # rolled back
    # The growth is stated for the figures the full run gives under these names.
    full = {r.name for r in scenarios.in_process(runs=1, bookings=posts)}
    assert set(names) <= full
    load = [s["name"] for s in scenarios.scale_load_scenarios(posts)]
    assert load == [
        FLOOR,
        "directory search",
        "town page",
        "practitioner profile",
        "slots JSON (14 days)",
        scenarios.BOOKING_MIX,
    ]
    assert scenarios.BOOKING_MIX not in [
        s["name"] for s in scenarios.scale_load_scenarios()
    ]


def test_the_full_run_measures_the_floor_first(scale_data):
    load = scenarios.load_scenarios()
    assert load[0] == {"name": FLOOR, "paths": ["/robots.txt"]}
    queries = {r["name"]: r for r in scenarios.scenario_queries(load)}
    assert queries[FLOOR]["max"] == 0  # no query: the stack's own cost only


def test_the_full_run_loads_every_page_anonymous_visitors_see_warm(scale_data):
    load = {s["name"]: s for s in scenarios.load_scenarios()}
    pages = ["town page", "practitioner profile", "blog post", "home page"]
    pages += ["blog list", "course list", "course pages", "technique page"]
    for name in pages:
        assert load[name]["paths"], name
        # Fetched once before the run: it measures pages already stored.
        assert load[name]["warm"] is True, name
    assert "warm" not in load["directory search"]
    assert "warm" not in load["slots JSON (14 days)"]


def test_the_full_run_searches_signed_in_after_the_anonymous_search(scale_data):
    load = scenarios.load_scenarios(signed_in_cookie="sessionid=benchloadabc")
    names = [s["name"] for s in load]
    at = names.index("directory search")
    assert names[at + 1] == scenarios.SIGNED_IN_SEARCH
    assert load[at + 1]["paths"] == scenarios.SEARCHES
    assert load[at + 1]["cookie"] == "sessionid=benchloadabc"
    assert "cookie" not in load[at]
    assert scenarios.SIGNED_IN_SEARCH not in [
        s["name"] for s in scenarios.load_scenarios()
    ]


def test_the_full_run_asks_for_gzip_on_the_searches_and_the_blog_posts(scale_data):
    load = scenarios.load_scenarios(signed_in_cookie="sessionid=benchloadabc")
    by_name = {s["name"]: s for s in load}
    names = [s["name"] for s in load]
    # Beside the plain runs of the same pages, after the signed-in search.
    assert names.index(scenarios.GZIP_SEARCH) == names.index("directory search") + 2
    assert names.index(scenarios.GZIP_POST) == names.index("blog post") + 1
    gzip_search, gzip_post = (
        by_name[scenarios.GZIP_SEARCH],
        by_name[scenarios.GZIP_POST],
    )
    assert gzip_search["paths"] == by_name["directory search"]["paths"]
    assert gzip_post["paths"] == by_name["blog post"]["paths"]
    assert gzip_post["warm"] is True and "warm" not in gzip_search
    assert gzip_search["accept_encoding"] == gzip_post["accept_encoding"] == "gzip"
    assert all(
        "accept_encoding" not in s for s in load if s["name"] not in
        (scenarios.GZIP_SEARCH, scenarios.GZIP_POST)
    )  # fmt: skip


def test_the_signed_in_searches_queries_are_counted_signed_in(scale_data):
    load = scenarios.load_scenarios(signed_in_cookie=signed_in.prepare())
    rows = {row["name"]: row for row in scenarios.scenario_queries(load)}
    anonymous, signed = rows["directory search"], rows[scenarios.SIGNED_IN_SEARCH]
    assert signed["urls"] == anonymous["urls"] == len(scenarios.SEARCHES)
    # The session is read too, with the user (the technique list, which the first
    # anonymous search may read, comes from the cache by then).
    assert signed["max"] >= anonymous["max"]
    assert signed["min"] == anonymous["min"] + 1
