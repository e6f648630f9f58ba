"""The site's URLs plus stored pages with an inline script, for the tests of
the page cache's nonce handling (and a page with something wrapped around the
cache): no page of the site itself has one today (its
JSON-LD blocks are data, which the policy does not govern, so they carry none)."""

from django.contrib import messages
from django.http import HttpRequest
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from core.pagecache import cache_public_page

PAGE = engines["django"].from_string(
    '<!doctype html><title>Script</title><script nonce="{{ csp_nonce }}">'
    "document.title = 'Ran';</script>"
    # Long enough for the page to be compressed (Django leaves under 200 bytes).
    f"<p>{'A page of some length. ' * 12}</p>"
)


@cache_public_page
def page_with_script(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(request, PAGE)


def add_header(view):
    """Something wrapped around the page cache: it runs on every hit."""

    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Added-Outside"] = "yes"
        return response

    return wrapped


@add_header
@cache_public_page
def page_wrapped(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(request, PAGE)


RENDERED: list[str] = []


def message_on_demand(view):
    """Adds a message during the request when asked (X-Add-Message), before the
    cached view runs."""

    def wrapped(request, *args, **kwargs):
        if request.headers.get("X-Add-Message"):
            messages.info(request, "Added during the request.")
        return view(request, *args, **kwargs)

    return wrapped


@message_on_demand
@cache_public_page
def page_after_message(request: HttpRequest) -> TemplateResponse:
    RENDERED.append(request.path)
    return TemplateResponse(request, PAGE)


urlpatterns = [
    path("test-page-with-script/", page_with_script, name="test-page-with-script"),
    path("test-page-wrapped/", page_wrapped, name="test-page-wrapped"),
    path("test-page-after-message/", page_after_message),
    *site_urlpatterns,
]
