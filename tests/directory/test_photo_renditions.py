"""Practitioner photos through core/images.py: the card's small rendition, the
profile's srcset and OpenGraph image, and the command for photos stored before."""

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from core import images
from directory import privacy
from directory.models import Practitioner
from tests.directory.factories import LocationFactory, PractitionerFactory
from tests.directory.test_profiles import jpeg, profile_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_URL = "/media/"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


def _with_photo(client) -> Practitioner:
    practitioner = LocationFactory(practitioner__slug="ada").practitioner
    client.force_login(practitioner.user)
    client.post(reverse("directory:edit-profile"), {**profile_data(), "photo": jpeg()})
    client.logout()
    practitioner.refresh_from_db()
    return practitioner


def test_the_search_card_loads_the_small_rendition(client, media):
    practitioner = _with_photo(client)
    page = client.get(reverse("directory:search")).content.decode()
    card = re.search(
        r'<article class="card mb-3 result-card">.*?</article>', page, re.S
    )
    html = card.group(0)
    assert 'sizes="96px"' in html
    stem = practitioner.photo.name.removesuffix(".jpg")
    assert f'src="/media/{stem}.96w.jpg"' in html
    assert f"/media/{stem}.192w.webp 192w" in html
    assert 'width="1600" height="1200"' in html
    for width in (96, 192):
        name = images.rendition_name(practitioner.photo.name, width, "webp")
        assert default_storage.size(name) < 30 * 1024


def test_the_profile_has_srcset_and_a_1200_by_630_opengraph_image(client, media):
    practitioner = _with_photo(client)
    page = client.get(practitioner.get_absolute_url()).content.decode()
    assert 'sizes="200px"' in page
    og = re.search(r'<meta property="og:image" content="([^"]+)">', page).group(1)
    assert og.endswith(f"/media/{images.og_name(practitioner.photo.name)}")
    assert re.fullmatch(
        r"practitioners/ada\.[0-9a-f]{12}\.jpg", practitioner.photo.name
    )
    opened = default_storage.open(images.og_name(practitioner.photo.name))
    with opened as handle, Image.open(handle) as image:
        assert image.size == (1200, 630)
    assert '<meta property="og:image:width" content="1200">' in page


def test_the_command_builds_renditions_for_photos_stored_before(media):
    old = PractitionerFactory(slug="old")
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (1000, 800), "teal").save(buffer, "JPEG", exif=exif.tobytes())
    old.photo = default_storage.save(
        "practitioners/old.jpg", io.BytesIO(buffer.getvalue())
    )
    old.save(update_fields=["photo"])
    missing = PractitionerFactory(slug="gone", photo="practitioners/gone.jpg")
    out, err = io.StringIO(), io.StringIO()
    call_command("build_renditions", stdout=out, stderr=err)
    assert "practitioner photos: 2 to process." in out.getvalue()
    assert "Renditions built for 1 image(s); 1 failed." in out.getvalue()
    assert f"practitioner photos {missing.pk}" in err.getvalue()
    old.refresh_from_db()
    assert (old.photo_width, old.photo_height) == (1000, 800)
    opened = default_storage.open("practitioners/old.jpg")
    with opened as handle, Image.open(handle) as image:
        assert not image.getexif()
    assert default_storage.exists("practitioners/old.192w.webp")
    # A second run has nothing left to do.
    out = io.StringIO()
    call_command("build_renditions", stdout=out, stderr=io.StringIO())
    assert "practitioner photos: 1 to process." in out.getvalue()  # the missing one


def test_an_erased_profile_takes_its_photo_and_renditions_with_it(
    client, media, django_capture_on_commit_callbacks
):
    practitioner = _with_photo(client)
    assert len(list(media.rglob("*.*"))) == 2 + 2 * len(images.WIDTHS)
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase(practitioner.user)
    assert not Practitioner.objects.filter(pk=practitioner.pk).exists()
    assert list(media.rglob("*.*")) == []
