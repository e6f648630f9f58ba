"""Fixtures of the benchmark's tests."""

import contextlib
from types import SimpleNamespace

import pytest

from bench import run


@pytest.fixture
def fake_load(monkeypatch):
    """run_load with wrk and gunicorn replaced: the calls wrk got (seconds, cookie,
    encoding), and the answer the encoding check gives (set `encoded` to False for
    a site that sends the page uncompressed)."""
    state = SimpleNamespace(calls=[], checked=[], encoded=True)

    def fake_wrk(
        paths, seconds, connections=8, visits=None, cookie=None, accept_encoding=None
    ):
        state.calls.append((seconds, cookie, accept_encoding))
        return {
            "requests": 10,
            "rps": 5.0,
            "p95_ms": 1.0,
            "booked": 0,
            "refused": 0,
            "ran_out": False,
        }

    def fake_check(path, encoding):
        state.checked.append((path, encoding))
        return state.encoded

    @contextlib.contextmanager
    def fake_gunicorn(port):
        yield SimpleNamespace(port=port)

    monkeypatch.setattr(run.shutil, "which", lambda name: "/usr/bin/wrk")
    monkeypatch.setattr(run, "check_port_free", lambda port: None)
    monkeypatch.setattr(run, "gunicorn", fake_gunicorn)
    monkeypatch.setattr(run, "wait_until_up", lambda server, url: None)
    monkeypatch.setattr(run, "ensure_running", lambda server: None)
    monkeypatch.setattr(run, "wrk", fake_wrk)
    monkeypatch.setattr(run, "served_encoded", fake_check)
    return state
