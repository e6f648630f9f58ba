"""The accessibility check waits for the page it is given: axe run on a document
that is committed but not yet parsed finds no <html> element and fails."""

import time

from django.http import StreamingHttpResponse
from django.urls import path

from tests.browser.axe import assert_accessible

PAUSE = 1.5  # seconds between the doctype and the rest of the page


def _slow_page(request):
    def body():
        yield b"<!doctype html>\n"
        time.sleep(PAUSE)
        yield (
            b'<html lang="en"><head><title>Slow page</title></head>'
            b"<body><main><h1>Slow page</h1><p>Here at last.</p></main></body></html>"
        )

    return StreamingHttpResponse(body(), content_type="text/html; charset=utf-8")


urlpatterns = [path("slow/", _slow_page)]


def test_axe_waits_for_a_page_still_arriving(live_server, page, settings):
    settings.ROOT_URLCONF = __name__
    page.goto(f"{live_server.url}/slow/", wait_until="commit")
    assert page.evaluate("document.documentElement === null")
    assert_accessible(page)
    assert page.title() == "Slow page"
