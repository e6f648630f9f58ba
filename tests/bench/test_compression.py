"""The load runs that ask for compressed pages, as browsers do (wrk asks for none)."""

import pytest

from bench import run, scenarios


def test_wrk_asks_for_the_encoding_only_when_given():
    command = run.wrk_command(["/a"], 20, 8, 2, accept_encoding="gzip")
    at = command.index("-H")
    assert command[at + 1] == "Accept-Encoding: gzip"
    assert at < command.index(f"http://127.0.0.1:{run.PORT}")
    both = run.wrk_command(["/a"], 20, 8, 2, cookie="s=1", accept_encoding="gzip")
    assert [both[i + 1] for i, arg in enumerate(both) if arg == "-H"] == [
        "Cookie: s=1",
        "Accept-Encoding: gzip",
    ]
    assert "-H" not in run.wrk_command(["/a"], 20, 8, 2)


LOAD = [
    {"name": "directory search", "paths": ["/a"]},
    {"name": scenarios.GZIP_SEARCH, "paths": ["/b", "/c"], "accept_encoding": "gzip"},
]


def test_the_load_run_passes_the_encoding_to_wrk_after_checking_the_site(fake_load):
    rows, error = run.run_load(LOAD, seconds=20)
    assert error is None
    assert [(r["name"], r["rps"]) for r in rows] == [
        ("directory search", 5.0),
        (scenarios.GZIP_SEARCH, 5.0),
    ]
    # The warm-up and the measured run alike; the plain scenario asks for none.
    assert fake_load.calls == [
        (2, None, None),
        (20, None, None),
        (2, None, "gzip"),
        (20, None, "gzip"),
    ]
    assert fake_load.checked == [("/b", "gzip")]


def test_pages_that_come_uncompressed_are_not_measured_as_compressed(fake_load):
    fake_load.encoded = False
    rows, error = run.run_load(LOAD, seconds=20)
    assert error is None  # the other scenarios still run
    assert rows[0]["rps"] == 5.0
    assert rows[1] == {
        "name": scenarios.GZIP_SEARCH,
        "connections": 8,
        "measured": False,
        "reason": "the page came without gzip",
    }
    assert fake_load.calls == [(2, None, None), (20, None, None)]


@pytest.mark.django_db(transaction=True)
def test_the_check_asks_the_site_itself(live_server, monkeypatch):
    monkeypatch.setattr(run, "PORT", int(live_server.url.rsplit(":", 1)[1]))
    assert run.served_encoded("/", "gzip") is True  # the home page, compressed
    assert run.served_encoded("/healthz", "gzip") is False  # too short to compress
