from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db.utils import OperationalError
from django.urls import reverse

from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "home",
    "about",
    "account_login",
    "account_signup",
    "account_reset_password",
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
        if tag == "link":
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


def test_stylesheets_pull_in_no_remote_fonts_or_imports():
    css_files = [Path(settings.BASE_DIR, "static/css/site.css")]
    css_files.append(settings.NODE_MODULES / "bootstrap/dist/css/bootstrap.min.css")
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


def test_an_unknown_address_gives_the_styled_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_the_500_page_renders_without_a_database(client, django_assert_num_queries):
    from config.views import server_error

    with django_assert_num_queries(0):
        response = server_error(client.get("/").wsgi_request)
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.content.decode()


def test_healthz_is_ok_when_postgres_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok"},
    }


def test_healthz_names_redis_when_it_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
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


def test_production_settings_pass_the_deploy_check(tmp_path):
    import os
    import subprocess
    import sys

    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x7" * 30 + "-not-a-real-secret",
        "DJANGO_ALLOWED_HOSTS": "www.holistictouch.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
