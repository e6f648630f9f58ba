"""What a page sends: Bootstrap cut to the rules the site uses, scripts that never
block rendering, and compressed HTML."""

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from config.middleware import CompressText
from tests.bookings.factories import bookable_service
from tests.config.test_site import site_pages

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
BUILT_CSS = settings.ASSETS_BUILD_DIR / "css" / "bootstrap.min.css"
FULL_CSS = settings.NODE_MODULES / "bootstrap" / "dist" / "css" / "bootstrap.min.css"
NOT_BUILT = "build/static/css/bootstrap.min.css is missing or stale: run `make css`"
BUILT_JS = settings.ASSETS_BUILD_DIR / "js" / "bootstrap.min.js"
FULL_JS = settings.NODE_MODULES / "bootstrap/dist/js/bootstrap.bundle.min.js"
JS_NOT_BUILT = "build/static/js/bootstrap.min.js is missing or stale: run `make js`"
# Class names put together while the page is made or added by Bootstrap's
# JavaScript: scripts/build-css.mjs keeps them through its safelist.
DYNAMIC_CLASSES = [
    "alert-success",
    "alert-info",
    "alert-warning",
    "alert-danger",
    "is-invalid",
    "invalid-feedback",
    "show",
    "collapsing",
    "fade",
    "offcanvas-backdrop",
    "text-bg-success",
    "text-bg-warning",
    "text-bg-secondary",
]


def selectors(css: str) -> set[str]:
    return set(re.findall(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)", css))


def styled_alone(css: str) -> set[str]:
    """Classes that a rule styles by themselves (`.btn{`, `.nav-link:hover`), not
    only inside another class's rule (`.nav-fill .nav-item`)."""
    return set(re.findall(r"(?:^|[{},])\.([_a-zA-Z][_a-zA-Z0-9-]*)(?=[,{:])", css))


def template_classes() -> set[str]:
    """Every class name written literally in a class attribute of our templates."""
    names = set()
    for template in (ROOT / "templates").rglob("*.html"):
        text = re.sub(r"{[{%#].*?[}%#]}", " ", template.read_text())
        for value in re.findall(r'class="([^"]*)"', text):
            names.update(value.split())
    return names


@pytest.fixture(scope="module")
def built_css() -> str:
    assert BUILT_CSS.exists(), NOT_BUILT
    return BUILT_CSS.read_text()


def test_the_site_sends_much_less_of_bootstrap_than_the_package_holds(built_css):
    assert len(built_css) < FULL_CSS.stat().st_size / 2


def test_every_bootstrap_class_a_template_uses_is_kept(built_css):
    used = template_classes() & styled_alone(FULL_CSS.read_text())
    # The check reads the templates: the header alone uses these.
    assert {"navbar", "navbar-toggler", "dropdown-menu", "btn-primary"} <= used
    missing = used - selectors(built_css)
    assert not missing, f"{NOT_BUILT} (lost: {sorted(missing)})"


def test_classes_made_at_run_time_are_kept(built_css):
    kept = selectors(built_css)
    assert not [name for name in DYNAMIC_CLASSES if name not in kept], NOT_BUILT


def test_components_no_page_uses_are_left_out(built_css):
    kept = selectors(built_css)
    for unused in (
        "carousel",
        "toast",
        "popover",
        "tooltip",
        "accordion",
        "spinner-border",
    ):
        assert unused in selectors(FULL_CSS.read_text())
        assert unused not in kept


def test_pages_link_the_built_stylesheet_and_not_the_whole_package(client):
    html = client.get("/").content.decode()
    assert "/static/css/bootstrap.min.css" in html
    assert "vendor/bootstrap/css" not in html


def bundled_components() -> dict[str, str]:
    """COMPONENTS of scripts/build-js.mjs: data-bs-* name to Bootstrap's class."""
    script = (ROOT / "scripts" / "build-js.mjs").read_text()
    listing = re.search(r"COMPONENTS = \{(.*?)\};", script, re.S).group(1)
    return dict(re.findall(r'(\w+): "(\w+)"', listing))


def test_every_component_a_template_asks_for_is_bundled():
    bundled = bundled_components()
    assert set(bundled) == {"alert", "collapse", "dropdown", "offcanvas"}
    asked = {}
    for template in (ROOT / "templates").rglob("*.html"):
        for name in re.findall(
            r'data-bs-(?:toggle|dismiss)="([a-z]+)"', template.read_text()
        ):
            asked.setdefault(name, template.relative_to(ROOT))
    assert {"collapse", "dropdown", "offcanvas", "alert"} <= set(asked)
    missing = {name: str(path) for name, path in asked.items() if name not in bundled}
    assert not missing, f"add to COMPONENTS in scripts/build-js.mjs: {missing}"


def test_the_site_sends_bootstrap_javascript_with_only_the_components_it_uses():
    assert BUILT_JS.exists(), JS_NOT_BUILT
    built = BUILT_JS.read_text()
    assert len(built) < FULL_JS.stat().st_size * 0.7
    # Each bundled component's data API (its event namespace) is there, the
    # others' are not.
    for name in bundled_components():
        assert f"bs.{name}" in built, JS_NOT_BUILT
    for unused in ("carousel", "modal", "scrollspy", "tab", "toast"):
        assert f"bs.{unused}" in FULL_JS.read_text()
        assert f"bs.{unused}" not in built


def test_pages_load_the_built_script_and_not_the_whole_bundle(client):
    html = client.get("/").content.decode()
    assert "/static/js/bootstrap.min.js" in html
    assert "bootstrap.bundle" not in html


class Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.blocking: list[str] = []
        self.loaded = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.loaded += 1
            deferred = (
                "defer" in attrs or "async" in attrs or attrs.get("type") == "module"
            )
            if not deferred:
                self.blocking.append(attrs["src"])


def test_no_page_loads_a_script_that_blocks_rendering(client):
    loaded = 0
    for url in site_pages():
        scripts = Scripts()
        scripts.feed(client.get(url).content.decode())
        assert not scripts.blocking, f"{url}: {scripts.blocking}"
        loaded += scripts.loaded
    assert loaded, "the pages load Bootstrap's and htmx's scripts: the check saw them"


def test_pages_are_sent_compressed_to_a_browser_that_accepts_gzip(client):
    plain = client.get("/")
    response = client.get("/", headers={"accept-encoding": "gzip, deflate, br"})
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert "<title>" in html
    assert len(response.content) < len(plain.content) / 3


def test_the_compressed_page_carries_the_breach_padding(client):
    # Django's mitigation: a random file name in the gzip header, so that the
    # compressed size says nothing about the page's secrets (CSRF token, nonce).
    response = client.get("/accounts/login/", headers={"accept-encoding": "gzip"})
    body = response.content
    assert body[:2] == b"\x1f\x8b"
    assert body[3] & 0x08, "the FNAME flag: the random padding is there"


def test_a_client_that_does_not_accept_gzip_gets_plain_html(client):
    response = client.get("/", headers={"accept-encoding": "identity"})
    assert not response.has_header("Content-Encoding")
    assert "Accept-Encoding" in response["Vary"]
    assert b"<title>" in response.content


@pytest.mark.parametrize(
    ("content_type", "compressed"),
    [
        ("text/html; charset=utf-8", True),
        ("application/json", True),
        ("text/calendar; charset=utf-8", True),
        ("image/jpeg", False),
        ("application/pdf", False),
    ],
)
def test_only_text_is_compressed(content_type, compressed):
    body = b"a" * 2000
    middleware = CompressText(
        lambda request: HttpResponse(body, content_type=content_type)
    )
    request = RequestFactory().get("/", headers={"accept-encoding": "gzip"})
    response = middleware(request)
    assert response.has_header("Content-Encoding") is compressed
    assert (response.content == body) is not compressed


def test_compression_runs_last_of_the_middleware_that_touch_the_body():
    middleware = settings.MIDDLEWARE
    compress = middleware.index("config.middleware.CompressText")
    # Above it only what answers by itself (whitenoise) or sets headers.
    assert middleware[compress - 1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    for name in middleware[compress + 1 :]:
        assert "gzip" not in name.lower()


def test_htmx_is_loaded_by_the_pages_that_use_it_and_no_others(client):
    templates = (ROOT / "templates").rglob("*.html")
    using = [t for t in templates if re.search(r"\shx-[a-z]+=", t.read_text())]
    assert using, "the search and the time picker use htmx: the check saw them"
    for template in using:
        text = template.read_text()
        assert '{% block htmx %}{% include "core/_htmx.html"' in text, template
    assert "htmx.min" not in client.get("/").content.decode()


def htmx_on_intent_and_not_htmx(page: str) -> bool:
    return (
        '<script src="/static/js/htmx-on-intent.js"'
        ' data-htmx="/static/vendor/htmx/htmx.min.js" defer></script>'
    ) in page and '<script src="/static/vendor/htmx/htmx.min.js"' not in page


@pytest.mark.parametrize(
    "url", ["/practitioners/?where=&q=massage", "/courses/", "/courses/?town=Bath"]
)
def test_the_search_and_the_course_list_name_htmx_for_later(client, url):
    assert htmx_on_intent_and_not_htmx(client.get(url).content.decode())


def test_the_time_picker_names_htmx_for_later_and_does_not_load_it(client):
    service = bookable_service()
    page = client.get(
        reverse("bookings:choose-time", args=[service.practitioner.slug, service.pk])
    ).content.decode()
    assert htmx_on_intent_and_not_htmx(page)
    # Its week strip's rules are in site.css: no third stylesheet to wait for.
    assert "bookings.css" not in page
    assert ".day-grid {" in (ROOT / "static" / "css" / "site.css").read_text()


def test_no_page_template_writes_a_style_attribute():
    # The Content-Security-Policy refuses style attributes: the browser ignores
    # them and reports each one (emails are not pages and may use them).
    offenders = [
        str(template.relative_to(ROOT))
        for template in (ROOT / "templates").rglob("*.html")
        if "email" not in template.parts and " style=" in template.read_text()
    ]
    assert not offenders
