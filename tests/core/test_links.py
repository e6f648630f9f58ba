import pytest

from core.links import absolute_url, site_host


@pytest.mark.parametrize(
    "site_url", ["https://holistictouch.example", "https://holistictouch.example/"]
)
def test_a_path_becomes_a_full_address_on_the_site(settings, site_url):
    settings.SITE_URL = site_url
    assert (
        absolute_url("/appointments/12/")
        == "https://holistictouch.example/appointments/12/"
    )


@pytest.mark.parametrize(
    ("site_url", "host"),
    [
        ("https://holistictouch.example", "holistictouch.example"),
        ("https://holistictouch.example/", "holistictouch.example"),
        ("http://127.0.0.1:8000", "127.0.0.1:8000"),
        ("", "localhost"),
    ],
)
def test_the_site_host_is_site_urls_host_and_port(settings, site_url, host):
    settings.SITE_URL = site_url
    assert site_host() == host
