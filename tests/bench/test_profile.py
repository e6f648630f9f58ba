"""`python -m bench.profile`: timings and a CPU profile of requests through the
site's WSGI handler."""

import pytest

from bench import profile


@pytest.mark.django_db
def test_profile_times_and_profiles_the_requests(monkeypatch, capsys):
    monkeypatch.setattr(
        "sys.argv", ["profile", "--url", "/robots.txt", "--runs", "5", "--limit", "5"]
    )
    assert profile.main() == 0
    out = capsys.readouterr().out
    assert "1 URLs, 5 requests: median" in out
    assert "function calls" in out  # the cProfile listing


@pytest.mark.django_db
def test_profile_stops_at_a_page_that_does_not_answer_200(monkeypatch):
    monkeypatch.setattr("sys.argv", ["profile", "--url", "/no-such-page/"])
    with pytest.raises(RuntimeError, match="answered 404"):
        profile.main()
