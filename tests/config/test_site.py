import importlib
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db.utils import OperationalError
from django.urls import reverse

from tests.blog.factories import PostFactory
from tests.courses.factories import CourseDateFactory
from tests.directory.factories import PractitionerFactory, TechniqueFactory
from tests.sitemaps import sitemap_text
from tests.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "home",
    "about",
    "account_login",
    "account_signup",
    "account_reset_password",
    "directory:techniques",
    "videos:list",
    "courses:verify",
]


class AssetCollector(HTMLParser):
    """Collects every URL a page would load by itself (scripts, styles, fonts...)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"script", "img", "iframe", "source", "video", "audio", "embed"}:
            self.urls.append(attrs.get("src") or "")
        # Canonical and alternate links name pages, they load nothing.
        loads = {"stylesheet", "icon", "preload", "modulepreload", "manifest"}
        if tag == "link" and loads & set((attrs.get("rel") or "").split()):
            self.urls.append(attrs.get("href") or "")
        if tag == "object":
            self.urls.append(attrs.get("data") or "")


def loaded_urls(html: str) -> list[str]:
    collector = AssetCollector()
    collector.feed(html)
    return [url for url in collector.urls if url]


def test_the_home_page_explains_the_site(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "massage-therapy school" in html
    assert "Health disclaimer" in html
    assert 'href="/accounts/login/"' in html


@pytest.mark.parametrize("url", ["/", "/healthz", "/robots.txt"])
def test_monitors_and_link_checkers_may_ask_with_head(client, url):
    assert client.head(url).status_code == 200


def test_the_favicon_is_served_by_the_site(client):
    html = client.get(reverse("home")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg"' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_render(client, name):
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_no_page_loads_a_script_style_or_font_from_another_host(client, name):
    html = client.get(reverse(name)).content.decode()
    urls = loaded_urls(html)
    assert urls, "the page loads its own styles and scripts"
    for url in urls:
        parsed = urlparse(url)
        assert not parsed.netloc, f"{name} loads {url} from another host"
        assert not url.startswith("//")


def test_signed_in_pages_load_nothing_from_another_host(client):
    client.force_login(StaffFactory())
    for url in [reverse("users:account"), reverse("admin:index")]:
        response = client.get(url)
        assert response.status_code == 200
        for asset in loaded_urls(response.content.decode()):
            assert not urlparse(asset).netloc, f"{url} loads {asset}"


class InlineScripts(HTMLParser):
    """The nonce of every inline <script> the browser runs (None where it has none)."""

    def __init__(self):
        super().__init__()
        self.nonces: list[str | None] = []
        self.data_blocks = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag != "script" or attrs.get("src"):
            return
        # JSON-LD is data, not a script the browser runs: the policy does not
        # govern it, so it needs no nonce.
        if attrs.get("type") == "application/ld+json":
            self.data_blocks += 1
        else:
            self.nonces.append(attrs.get("nonce"))


def site_pages() -> list[str]:
    """One page of every kind a visitor reaches, with content on it."""
    technique = TechniqueFactory(name="Deep tissue", slug="deep-tissue")
    practitioner = PractitionerFactory(techniques=[technique])
    course_date = CourseDateFactory()
    post = PostFactory(techniques=[technique])
    return [
        reverse("home"),
        reverse("about"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("directory:search") + "?where=&q=massage",
        practitioner.get_absolute_url(),
        reverse("courses:list"),
        course_date.course.get_absolute_url(),
        course_date.get_absolute_url(),
        reverse("blog:list"),
        post.get_absolute_url(),
        "/no-such-page/",
    ]


def test_every_kind_of_page_loads_only_local_assets_under_an_enforced_csp(client):
    data_blocks = 0
    for url in site_pages():
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy, url
        assert "unsafe-inline" not in policy, url
        html = response.content.decode()
        for asset in loaded_urls(html):
            assert not urlparse(asset).netloc, f"{url} loads {asset}"
            assert not asset.startswith("//"), f"{url} loads {asset}"
        scripts = InlineScripts()
        scripts.feed(html)
        for nonce in scripts.nonces:
            assert nonce, f"{url} has an inline script without the CSP nonce"
            assert f"'nonce-{nonce}'" in policy, url
        data_blocks += scripts.data_blocks
    assert data_blocks, "the pages' JSON-LD blocks were seen"


def test_stylesheets_pull_in_no_remote_fonts_or_imports():
    css_files = [Path(settings.BASE_DIR, "static/css/site.css")]
    css_files.append(settings.ASSETS_BUILD_DIR / "css/bootstrap.min.css")
    for css in css_files:
        text = css.read_text()
        assert "@import" not in text
        assert "url(http" not in text.replace(" ", "")
        assert "url(//" not in text.replace(" ", "")


def test_every_page_has_an_enforced_content_security_policy(client):
    response = client.get(reverse("home"))
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "Content-Security-Policy-Report-Only" not in response.headers


def test_forms_post_to_the_site_and_pay_buttons_may_redirect_to_stripe_checkout(
    client,
):
    # Chromium applies form-action to the redirect that answers a form's POST too:
    # without Stripe Checkout's origin here, no pay button could reach Stripe.
    policy = client.get(reverse("home")).headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["form-action"] == "'self' https://checkout.stripe.com"


def test_an_unknown_address_gives_the_styled_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_the_500_page_renders_without_a_database(client, django_assert_num_queries):
    from config.views import server_error

    request = client.get("/").wsgi_request  # the home page itself reads the database
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, something went wrong" in html
    assert "Health disclaimer" in html
    assert settings.CONTACT_EMAIL in html


def test_healthz_is_ok_when_postgres_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok"},
    }


def test_healthz_names_redis_when_it_does_not_answer(client, settings):
    settings.REDIS_CACHE_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["redis"]
    assert response.json()["checks"]["database"] == "ok"


def test_healthz_names_the_database_when_it_does_not_answer(client, monkeypatch):
    from config import views

    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(views.connection, "cursor", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]


def test_the_admin_sends_visitors_to_the_site_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response.url, follow=True)
    assert login.request["PATH_INFO"] == reverse("account_login")


def test_the_admin_refuses_signed_in_non_staff(client):
    client.force_login(UserFactory())
    assert client.get("/admin/login/").status_code == 403


def test_the_admin_opens_for_staff(client):
    client.force_login(StaffFactory())
    assert client.get("/admin/").status_code == 200


def production_settings(**environ) -> dict:
    """The production settings module's values, imported afresh with `environ`."""
    script = (
        "import json, config.settings.production as s; print(json.dumps({"
        "'protocol': s.ACCOUNT_DEFAULT_HTTP_PROTOCOL,"
        "'proxy_header': getattr(s, 'SECURE_PROXY_SSL_HEADER', None),"
        "'demo': s.ALLOW_DEMO_DATA, 'serve_media': s.SERVE_MEDIA}))"
    )
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "x7" * 30,
        "DJANGO_ALLOWED_HOSTS": "www.holistictouch.example",
        **environ,
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_defaults_are_the_safe_ones():
    assert production_settings() == {
        "protocol": "https",
        "proxy_header": ["HTTP_X_FORWARDED_PROTO", "https"],
        "demo": False,
        "serve_media": False,
    }


def test_production_settings_follow_the_environment_for_a_plain_http_stack():
    # docker-compose serves gunicorn straight on http://localhost:8000.
    assert production_settings(
        ACCOUNT_DEFAULT_HTTP_PROTOCOL="http",
        DJANGO_BEHIND_TLS_PROXY="false",
        DJANGO_SERVE_MEDIA="true",
    ) == {"protocol": "http", "proxy_header": None, "demo": False, "serve_media": True}


def test_the_sites_record_follows_site_url(settings):
    from django.contrib.sites.models import Site

    from users.sites import sync_site

    settings.SITE_URL = "https://www.holistictouch.example"
    sync_site()
    assert Site.objects.get_current().domain == "www.holistictouch.example"
    Site.objects.clear_cache()
    settings.SITE_URL = "http://127.0.0.1:8000"
    sync_site()
    assert Site.objects.get(pk=settings.SITE_ID).domain == "127.0.0.1:8000"
    Site.objects.clear_cache()


def test_the_sitemap_names_pages_on_the_site_url(client):
    from django.contrib.sites.models import Site

    Site.objects.clear_cache()
    post = PostFactory()
    xml = sitemap_text(client)
    assert f"<loc>{settings.SITE_URL}{post.get_absolute_url()}</loc>" in xml
    index = client.get("/sitemap.xml").content.decode()
    assert f"<loc>{settings.SITE_URL}/sitemap-blog.xml</loc>" in index


def test_uploaded_files_are_served_only_when_asked(settings, tmp_path):
    from django.urls import clear_url_caches, resolve
    from django.urls.exceptions import Resolver404

    import config.urls

    def media_route_exists() -> bool:
        clear_url_caches()
        importlib.reload(config.urls)
        try:
            resolve("/media/photos/someone.jpg")
        except Resolver404:
            return False
        return True

    try:
        settings.DEBUG, settings.SERVE_MEDIA = False, False
        assert not media_route_exists()
        settings.SERVE_MEDIA = True
        assert media_route_exists()
    finally:
        settings.DEBUG, settings.SERVE_MEDIA = False, False
        clear_url_caches()
        importlib.reload(config.urls)


def _deploy_check(**extra: str) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x7" * 30 + "-not-a-real-secret",
        "DJANGO_ALLOWED_HOSTS": "www.holistictouch.example",
        "STRIPE_SECRET_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _deploy_check(
        STRIPE_SECRET_KEY="sk_live_not-a-real-key",
        STRIPE_WEBHOOK_SECRET="whsec_not-a-real-secret",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_says_when_no_real_money_can_be_taken():
    result = _deploy_check()
    assert result.returncode != 0
    assert "payments.W001" in result.stderr + result.stdout
    result = _deploy_check(STRIPE_SECRET_KEY="sk_live_not-a-real-key")
    assert "payments.W002" in result.stderr + result.stdout


def test_the_account_menu_shows_what_each_person_may_open(client):
    def menu(user):
        client.force_login(user)
        page = client.get("/practitioners/").content.decode()
        return page[page.index('id="account-menu"') :].split("</ul>")[0]

    person = menu(UserFactory(full_name="Ann Client"))
    assert "Ann" in person and "My account" in person and "Log out" in person
    assert "Profile and places" not in person and "Staff admin" not in person
    practice = menu(PractitionerFactory().user)
    assert "Profile and places" in practice and "Agenda" in practice
    assert "Staff admin" not in practice
    staff = menu(StaffFactory())
    assert "Staff admin" in staff and "Profile and places" not in staff
    assert menu(UserFactory(full_name="Bob Other")).count("Bob") == 1


def test_the_account_menu_is_rendered_once_per_kind_of_person():
    from django.template import Context, Template

    from core.templatetags import core as tags

    tags._kept_includes.clear()
    render = Template(
        '{% load core %}{% kept_include "_account_menu.html" practitioner=p staff=s %}'
    ).render
    first = render(Context({"p": object(), "s": False}))
    assert len(tags._kept_includes) == 1
    assert render(Context({"p": "another profile", "s": 0})) == first
    assert len(tags._kept_includes) == 1
    assert "Profile and places" in first and "Staff admin" not in first
    assert "Staff admin" in render(Context({"p": None, "s": True}))
    assert len(tags._kept_includes) == 2
