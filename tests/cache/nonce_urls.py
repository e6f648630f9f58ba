"""The site's URLs plus one stored page with an inline script, for the tests of
the page cache's nonce handling: no page of the site itself has one today (its
JSON-LD blocks are data, which the policy does not govern, so they carry none)."""

from django.http import HttpRequest
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from core.pagecache import cache_public_page

PAGE = engines["django"].from_string(
    '<!doctype html><title>Script</title><script nonce="{{ csp_nonce }}">'
    "document.title = 'Ran';</script>"
)


@cache_public_page
def page_with_script(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(request, PAGE)


urlpatterns = [
    path("test-page-with-script/", page_with_script, name="test-page-with-script"),
    *site_urlpatterns,
]
