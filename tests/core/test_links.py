import pytest

from core.links import absolute_url


@pytest.mark.parametrize(
    "site_url", ["https://holistictouch.example", "https://holistictouch.example/"]
)
def test_a_path_becomes_a_full_address_on_the_site(settings, site_url):
    settings.SITE_URL = site_url
    assert (
        absolute_url("/appointments/12/")
        == "https://holistictouch.example/appointments/12/"
    )
