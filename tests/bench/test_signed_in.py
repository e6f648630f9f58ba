"""The signed-in directory search of the load runs (issue 21: within 1.2x of
anonymous search's req/s) and its budget."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from bench import run, scenarios, signed_in, table
from bench.booking_load import LOAD_SESSION_PREFIX
from users.models import Session

pytestmark = pytest.mark.django_db


def test_the_cookie_signs_in_an_ordinary_client_made_for_the_bench(client):
    cookie = signed_in.prepare()
    name, key = cookie.split("=")
    assert key.startswith(LOAD_SESSION_PREFIX)
    response = Client(HTTP_COOKIE=cookie).get("/practitioners/")
    user = response.wsgi_request.user
    assert user.is_authenticated and user.email == signed_in.CLIENT_EMAIL
    assert not user.is_staff and not hasattr(user, "practitioner")
    # Saved with its user's id: the site reads the session and the user at once.
    assert Session.objects.get(session_key=key).user_id == user.pk
    # The account menu of a signed-in person, not the anonymous page.
    assert b"Log out" in response.content
    anonymous = client.get("/practitioners/")
    assert not anonymous.wsgi_request.user.is_authenticated
    assert b"Log out" not in anonymous.content


def test_a_second_run_reuses_the_account_and_removing_leaves_nothing():
    signed_in.prepare()
    signed_in.prepare()
    User = get_user_model()
    assert User.objects.filter(email=signed_in.CLIENT_EMAIL).count() == 1
    assert signed_in.remove() == 1
    assert not User.objects.filter(email=signed_in.CLIENT_EMAIL).exists()
    assert not Session.objects.filter(
        session_key__startswith=LOAD_SESSION_PREFIX
    ).exists()
    assert signed_in.remove() == 0


def _row(name, rps):
    return {"name": name, "measured": True, "rps": rps, "p95_ms": 50.0}


@pytest.mark.parametrize(
    ("anonymous", "signed", "measured", "met"),
    [
        (150.0, 140.0, "150.0 -> 140.0 (1.07x)", True),
        (150.0, 125.0, "150.0 -> 125.0 (1.20x)", True),
        (150.0, 124.0, "150.0 -> 124.0 (1.21x)", False),
        (150.0, 0.0, "150.0 -> 0.0", False),
    ],
)
def test_signed_in_search_is_judged_against_anonymous_search(
    anonymous, signed, measured, met
):
    load = [
        _row("directory search", anonymous),
        _row(scenarios.SIGNED_IN_SEARCH, signed),
    ]
    rows = [r for r in scenarios.budgets([], load) if "signed-in" in r["budget"]]
    assert rows == [
        {
            "budget": "signed-in directory search within 1.2x of anonymous (req/s)",
            "measured": measured,
            "met": met,
        }
    ]


@pytest.mark.parametrize("missing", ["directory search", scenarios.SIGNED_IN_SEARCH])
def test_without_either_search_the_budget_is_not_measured(missing):
    load = [
        _row("directory search", 150.0),
        _row(scenarios.SIGNED_IN_SEARCH, 140.0),
    ]
    load = [r for r in load if r["name"] != missing]
    load.append({"name": missing, "measured": False, "reason": "wrk failed"})
    row = next(r for r in scenarios.budgets([], load) if "signed-in" in r["budget"])
    assert (row["measured"], row["met"]) == ("not measured", None)


def test_the_budget_and_the_run_appear_in_the_docs_table():
    load = [
        _row("directory search", 150.0),
        _row(scenarios.SIGNED_IN_SEARCH, 100.0),
    ]
    for row in load:
        row.update(connections=8, p50_ms=1, p99_ms=2, errors={"total": 0})
    rendered = table.render({"load": load, "budgets": scenarios.budgets([], load)})
    assert (
        "| signed-in directory search within 1.2x of anonymous (req/s) "
        "| 150.0 -> 100.0 (1.50x) | **not met** |"
    ) in rendered
    assert "| directory search, signed in | 8 | 100.0 |" in rendered


def test_wrk_sends_the_cookie_with_every_get_only_when_given():
    command = run.wrk_command(["/a"], 20, 8, 2, cookie="sessionid=k")
    at = command.index("-H")
    assert command[at + 1] == "Cookie: sessionid=k"
    assert at < command.index(f"http://127.0.0.1:{run.PORT}")
    assert "-H" not in run.wrk_command(["/a"], 20, 8, 2)


def test_the_load_run_passes_the_scenarios_cookie_to_wrk(fake_load):
    rows, error = run.run_load(
        [
            {"name": "directory search", "paths": ["/"]},
            {"name": scenarios.SIGNED_IN_SEARCH, "paths": ["/"], "cookie": "s=1"},
        ],
        seconds=20,
    )
    assert error is None and [r["name"] for r in rows] == [
        "directory search",
        scenarios.SIGNED_IN_SEARCH,
    ]
    # The warm-up and the measured run alike.
    assert fake_load.calls == [
        (2, None, None),
        (20, None, None),
        (2, "s=1", None),
        (20, "s=1", None),
    ]
