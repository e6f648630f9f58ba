"""`python -m bench.middleware`: each middleware's cost per request."""

import pytest
from django.conf import settings

from bench import middleware


@pytest.mark.django_db
def test_every_middleware_and_the_view_get_a_cost():
    figures = middleware.measure("/robots.txt", runs=20)
    assert list(figures["middleware"]) == settings.MIDDLEWARE
    assert all(cost > 0 for cost in figures["middleware"].values())
    assert 0 < figures["view"] < figures["whole"]
    assert sum(figures["middleware"].values()) + figures["view"] < figures["whole"]


@pytest.mark.django_db
def test_the_command_prints_a_line_per_middleware(capsys):
    assert middleware.main(["--runs", "5"]) == 0
    out = capsys.readouterr().out
    assert "/robots.txt, 5 requests" in out
    assert "config.middleware.ContentSecurityPolicy" in out
    assert "all middleware" in out


@pytest.mark.django_db
def test_a_page_that_does_not_answer_200_stops_it():
    with pytest.raises(RuntimeError, match="answered 404"):
        middleware.measure("/no-such-page/", runs=3)
