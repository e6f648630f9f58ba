import io
import json
import re
import struct
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from core import images
from core.markdown import render_markdown
from directory import gazetteer, services
from directory.models import Location, Place, Practitioner, Qualification, Technique
from tests.directory import documents
from tests.directory.factories import (
    LocationFactory,
    PlaceFactory,
    PractitionerFactory,
    QualificationFactory,
)
from tests.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- public profile -------------------------------------------------------------


def test_a_profile_shows_everything_a_client_needs(client):
    location = LocationFactory(
        practitioner__display_name="Ada Hughes",
        practitioner__languages=["English", "French"],
        practitioner__home_visits=True,
        practitioner__home_visit_miles=8,
    )
    practitioner = location.practitioner
    QualificationFactory(practitioner=practitioner)
    response = client.get(practitioner.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    for text in ["Ada Hughes", "12 Marine Parade", "BN2 1TL", "English, French",
                 "Yes, within 8 miles", "Deep tissue", "From £45 to £70"]:  # fmt: skip
        assert text in html, text
    assert (
        f'<link rel="canonical" href="http://testserver/practitioners/{practitioner.slug}/">'
        in html
    )  # noqa: E501
    assert '<meta property="og:title" content="Ada Hughes, massage therapist">' in html


def test_the_profile_carries_schema_org_json_ld_as_data_without_a_nonce(client):
    location = LocationFactory(practitioner__display_name="Ada </script> Hughes")
    response = client.get(location.practitioner.get_absolute_url())
    html = response.content.decode()
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>',
        html,
        re.S,
    )
    assert match
    # Data, not a script the browser runs: the policy needs no nonce for it.
    assert "'nonce-" not in response.headers["Content-Security-Policy"]
    body = match.group(1)
    data = json.loads(body)
    assert data["@type"] == "HealthAndBeautyBusiness"
    assert data["name"] == "Ada </script> Hughes"
    assert data["address"][0]["postalCode"] == "BN2 1TL"
    assert "</script> Hughes" not in body


@pytest.mark.parametrize(
    "bio, forbidden",
    [
        ("<script>alert(1)</script>", "<script>alert"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        # CommonMark leaves a link it refuses as its text: harmless words.
        ("[click me](javascript:alert(1))", 'href="javascript:'),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<p style="background:url(x)" onclick="x()">hi</p>', "onclick"),
    ],
)
def test_bio_html_and_javascript_are_neutralised(client, bio, forbidden):
    practitioner = PractitionerFactory(bio=bio)
    html = client.get(practitioner.get_absolute_url()).content.decode()
    bio_html = html.split('<div class="bio">')[1].split("</div>")[0]
    assert forbidden not in bio_html


def test_markdown_keeps_ordinary_formatting():
    html = render_markdown(
        "## Hi\n\n**bold** and [a link](https://example.com)\n\n- one"
    )
    assert "<h2>Hi</h2>" in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com"' in html and 'rel="nofollow' in html
    assert "<li>one</li>" in html


def test_search_and_profile_answer_head_requests(client):
    practitioner = PractitionerFactory()
    for url in [reverse("directory:search"), practitioner.get_absolute_url()]:
        response = client.head(url)
        assert response.status_code == 200, url
        assert response.content == b""
    assert client.post(reverse("directory:search")).status_code == 405


@pytest.mark.parametrize(
    "source",
    [
        "[Ada](/practitioners/ada/)",
        "[our courses](/courses/)",
        "[top](#top)",
        "[the blog](https://holistictouch.example/blog/)",
        '<a href="/courses/" rel="nofollow">courses</a>',
    ],
)
def test_links_within_the_site_carry_no_rel(settings, source):
    settings.SITE_URL = "https://holistictouch.example"
    html = render_markdown(source)
    assert "<a href=" in html
    assert "rel=" not in html


@pytest.mark.parametrize(
    "source",
    [
        "[elsewhere](https://example.com/page)",
        '[elsewhere](https://example.com "a > b")',
        "[no scheme](//example.com/page)",
        "[look-alike](https://holistictouch.example.evil.example/)",
        "[user part](https://holistictouch.example@evil.example/)",
        '<a href="https://spam.example" rel="follow">spam</a>',
        '<a href=" https://spam.example">spam</a>',
    ],
)
def test_links_to_other_sites_are_nofollow(settings, source):
    settings.SITE_URL = "https://holistictouch.example"
    html = render_markdown(f"Intro line.\n\nSee {source} and more.")
    assert html.count("<a ") == 1
    assert html.count(' rel="nofollow noopener noreferrer">') == 1
    assert 'rel="follow"' not in html


def test_only_the_external_links_of_a_long_text_get_rel(settings):
    settings.SITE_URL = "https://holistictouch.example"
    html = render_markdown(
        "Café & co.\n\n- [in](/courses/)\n- [out](https://example.com)\n\n"
        '<a title=\'<a href="https://x.example">\' href="/blog/">tricky</a>\n\n'
        "[mail](mailto:ada@example.com) [js](javascript:alert(1))"
    )
    assert '<a href="/courses/">in</a>' in html
    assert (
        '<a href="https://example.com" rel="nofollow noopener noreferrer">out</a>'
        in html
    )
    assert 'href="/blog/">tricky</a>' in html
    assert '<a href="mailto:ada@example.com">mail</a>' in html
    assert 'href="javascript:' not in html


def test_an_unknown_profile_is_404(client):
    assert client.get("/practitioners/nobody-here/").status_code == 404


# --- applying and the practitioner's own area ---------------------------------


def application(**overrides):
    deep = Technique.objects.get(slug="deep-tissue")
    data = {
        "display_name": "Nia Newcomer",
        "headline": "Deep tissue in Lewes",
        "bio": "Hello.",
        "techniques": [deep.pk],
        "qualifications_text": "Diploma",
        "insurance_expires_on": (
            timezone.localdate() + timedelta(days=300)
        ).isoformat(),
        "languages": ["English"],
        "gender": "",
        "price_from": "40",
        "price_to": "60",
        "time_zone": "Europe/London",
        "location-name": "Lewes Rooms",
        "location-address": "1 High Street",
        "location-town": "Lewes",
        "location-postcode": "bn7 2aa",
        "documents-insurance": documents.pdf(),
        "documents-qualifications": [documents.photo()],
    }
    data.update(overrides)
    return data


@pytest.fixture
def lewes():
    return PlaceFactory(kind="outward", name="BN7", key="BN7", latitude=50.874,
                        longitude=0.009)  # fmt: skip


def test_a_user_applies_and_waits_for_approval(client, lewes):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("directory:apply"), application(), follow=True)
    assert "Your application is with our staff" in response.content.decode()
    practitioner = Practitioner.objects.get(user=user)
    assert practitioner.status == Practitioner.Status.APPLIED
    assert practitioner.slug == "nia-newcomer"
    location = practitioner.locations.get()
    assert location.postcode == "BN7 2AA"
    assert location.latitude == pytest.approx(50.874)
    assert client.get(practitioner.get_absolute_url()).status_code == 404
    services.set_status(practitioner=practitioner, status="approved")
    assert client.get(practitioner.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"location-postcode": "NOTACODE"}, "Enter a full UK postcode"),
        ({"location-postcode": "ZZ9 9ZZ", "location-town": "Nowhere"},
         "We could not place this postcode"),
        ({"price_from": "-5"}, "Prices cannot be negative."),
        ({"price_from": "80", "price_to": "50"}, "must not be below the lowest"),
        ({"techniques": []}, "Choose the techniques."),
        ({"time_zone": "Mars/Olympus"}, "is not a time zone we know"),
        ({"home_visits": "on"}, "Say how many miles"),
        ({"display_name": ""}, "Enter the name shown on your profile."),
    ],
)  # fmt: skip
def test_an_invalid_application_explains_itself_and_creates_nothing(
    client, lewes, overrides, message
):
    client.force_login(UserFactory())
    response = client.post(reverse("directory:apply"), application(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Practitioner.objects.exists()
    assert not Location.objects.exists()


def test_applying_twice_goes_to_the_existing_practice(client):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    response = client.get(reverse("directory:apply"))
    assert response.status_code == 302
    assert response.url == reverse("directory:dashboard")


def test_the_practice_pages_need_a_login(client):
    for name in ["directory:dashboard", "directory:apply", "directory:edit-profile"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/accounts/login/" in response.url


def test_someone_without_a_profile_cannot_edit_one(client):
    client.force_login(UserFactory())
    assert client.get(reverse("directory:edit-profile")).status_code == 404


def test_a_practitioner_edits_their_own_profile(client, lewes):
    practitioner = PractitionerFactory(display_name="Old")
    client.force_login(practitioner.user)
    data = {k: v for k, v in application().items() if not k.startswith("location-")}
    data["display_name"] = "New Name"
    response = client.post(reverse("directory:edit-profile"), data, follow=True)
    assert "Your profile is saved." in response.content.decode()
    practitioner.refresh_from_db()
    assert practitioner.display_name == "New Name"
    assert practitioner.slug.startswith("practitioner-")  # URLs stay stable


def test_editing_keeps_verified_techniques_offered(client):
    qualification = QualificationFactory(
        technique=Technique.objects.get(slug="hot-stone")
    )
    practitioner = qualification.practitioner
    client.force_login(practitioner.user)
    data = {k: v for k, v in application().items() if not k.startswith("location-")}
    client.post(reverse("directory:edit-profile"), data)
    offered = set(practitioner.techniques.values_list("slug", flat=True))
    assert offered == {"deep-tissue", "hot-stone"}


def test_another_practitioners_location_is_404(client):
    mine = LocationFactory()
    theirs = LocationFactory()
    client.force_login(mine.practitioner.user)
    for name in ["directory:location-edit", "directory:location-delete"]:
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
        assert client.post(reverse(name, args=[theirs.pk]), {}).status_code == 404
    assert Location.objects.filter(pk=theirs.pk).exists()


def test_a_practitioner_adds_and_removes_a_location(client, lewes):
    first = LocationFactory()
    client.force_login(first.practitioner.user)
    response = client.post(
        reverse("directory:location-add"),
        {"name": "Second", "address": "2 Road", "town": "Lewes", "postcode": "BN7 1XX"},
    )
    assert response.status_code == 302
    second = first.practitioner.locations.get(name="Second")
    client.post(reverse("directory:location-delete", args=[second.pk]))
    assert list(first.practitioner.locations.all()) == [first]


def test_the_only_location_cannot_be_removed(client):
    only = LocationFactory()
    client.force_login(only.practitioner.user)
    response = client.post(reverse("directory:location-delete", args=[only.pk]))
    assert "This is your only place of work." in response.content.decode()
    assert Location.objects.filter(pk=only.pk).exists()


def jpeg(width=2000, height=1500) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(buffer, format="JPEG")
    return SimpleUploadedFile("me.jpg", buffer.getvalue(), content_type="image/jpeg")


def profile_data():
    return {
        k: v
        for k, v in application().items()
        if not k.startswith(("location-", "documents-"))
    }


def test_a_photo_is_resized(client):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    client.post(reverse("directory:edit-profile"), {**profile_data(), "photo": jpeg()})
    practitioner.refresh_from_db()
    with Image.open(practitioner.photo) as image:
        assert image.size == (1600, 1200)
    assert (practitioner.photo_width, practitioner.photo_height) == (1600, 1200)


def test_a_file_that_is_not_an_image_is_refused(client):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    fake = SimpleUploadedFile("me.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        reverse("directory:edit-profile"), {**profile_data(), "photo": fake}
    )
    assert "Upload a valid image" in response.content.decode()
    practitioner.refresh_from_db()
    assert not practitioner.photo


def test_an_oversized_photo_is_refused(client, monkeypatch):
    from directory import forms

    monkeypatch.setattr(forms, "MAX_PHOTO_BYTES", 1000)
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    response = client.post(
        reverse("directory:edit-profile"), {**profile_data(), "photo": jpeg()}
    )
    assert "Choose a photo smaller than 0 KB." in response.content.decode()
    practitioner.refresh_from_db()
    assert not practitioner.photo


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads written to a real directory, to see which files stay."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


def all_files(media_root) -> list[str]:
    folder = media_root / "practitioners"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def photo_files(media_root) -> list[str]:
    """The stored photos themselves, without their renditions."""
    return [
        name for name in all_files(media_root) if not re.search(r"\.(\d+w|og)\.", name)
    ]


def is_adas_photo(names: list[str]) -> bool:
    """One stored photo, named after the profile and its content's hash."""
    return len(names) == 1 and re.fullmatch(r"ada\.[0-9a-f]{12}\.jpg", names[0])


def test_a_replaced_or_removed_photo_leaves_no_file_behind(
    client, media_root, django_capture_on_commit_callbacks
):
    practitioner = PractitionerFactory(slug="ada")
    client.force_login(practitioner.user)
    url = reverse("directory:edit-profile")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**profile_data(), "photo": jpeg()})
    practitioner.refresh_from_db()
    first = practitioner.photo.name
    assert is_adas_photo(photo_files(media_root))
    assert photo_files(media_root) == [first.split("/")[-1]]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**profile_data(), "photo": jpeg(900, 900)})
    practitioner.refresh_from_db()
    assert practitioner.photo.name != first
    assert photo_files(media_root) == [practitioner.photo.name.split("/")[-1]]
    # Its renditions went with it: 96, 192, 400, 800 and 900 px, twice, and og.
    assert len(all_files(media_root)) == 1 + 10 + 1

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**profile_data(), "photo-clear": "on"})
    practitioner.refresh_from_db()
    assert not practitioner.photo
    assert all_files(media_root) == []


def test_saving_without_a_new_photo_keeps_the_file(
    client, media_root, django_capture_on_commit_callbacks
):
    practitioner = PractitionerFactory(slug="ada")
    client.force_login(practitioner.user)
    url = reverse("directory:edit-profile")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**profile_data(), "photo": jpeg()})
    practitioner.refresh_from_db()
    stored = practitioner.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**profile_data(), "headline": "New headline"})
    practitioner.refresh_from_db()
    assert practitioner.photo.name == stored
    assert photo_files(media_root) == [stored.split("/")[-1]]


def test_the_old_photo_is_kept_until_the_change_is_committed(client, media_root):
    practitioner = PractitionerFactory(slug="ada")
    client.force_login(practitioner.user)
    url = reverse("directory:edit-profile")
    client.post(url, {**profile_data(), "photo": jpeg()})
    client.post(url, {**profile_data(), "photo-clear": "on"})
    # The test's transaction never commits: nothing may be deleted yet.
    assert is_adas_photo(photo_files(media_root))


def half_a_jpeg() -> SimpleUploadedFile:
    whole = jpeg().read()
    return SimpleUploadedFile(
        "me.jpg", whole[: len(whole) // 2], content_type="image/jpeg"
    )


def test_a_truncated_photo_is_refused_when_editing_and_nothing_changes(client):
    practitioner = PractitionerFactory(display_name="Old Name")
    client.force_login(practitioner.user)
    response = client.post(
        reverse("directory:edit-profile"),
        {**profile_data(), "display_name": "New Name", "photo": half_a_jpeg()},
    )
    assert response.status_code == 200
    assert "We could not read that image." in response.content.decode()
    practitioner.refresh_from_db()
    assert practitioner.display_name == "Old Name"
    assert not practitioner.photo


def test_a_truncated_photo_is_refused_when_applying_and_nothing_is_created(
    client, lewes
):
    client.force_login(UserFactory())
    response = client.post(
        reverse("directory:apply"), {**application(), "photo": half_a_jpeg()}
    )
    assert response.status_code == 200
    assert "We could not read that image." in response.content.decode()
    assert not Practitioner.objects.exists()
    assert not Location.objects.exists()


def png_header_only(width: int, height: int) -> SimpleUploadedFile:
    """A valid PNG header for a huge grey picture, with no real pixel data: small
    to send, gigabytes once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    content = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile("big.png", content, content_type="image/png")


def test_a_photo_of_too_many_pixels_is_refused_before_decoding(client):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    response = client.post(
        reverse("directory:edit-profile"),
        {**profile_data(), "photo": png_header_only(10_000, 5_000)},
    )
    html = response.content.decode()
    assert "This photo is 10,000 × 5,000 pixels." in html
    assert "at most 40 megapixels" in html
    practitioner.refresh_from_db()
    assert not practitioner.photo


@pytest.mark.parametrize("kind", ["GIF", "BMP", "TIFF"])
def test_a_photo_in_another_format_is_refused(client, kind):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50), "teal").save(buffer, format=kind)
    upload = SimpleUploadedFile(f"me.{kind.lower()}", buffer.getvalue())
    response = client.post(
        reverse("directory:edit-profile"), {**profile_data(), "photo": upload}
    )
    assert "Choose a JPEG, PNG or WebP photo." in response.content.decode()
    practitioner.refresh_from_db()
    assert not practitioner.photo


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_png_and_webp_photos_are_stored_as_jpeg(client, kind):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    buffer = io.BytesIO()
    Image.new("RGBA", (1000, 500), "teal").save(buffer, format=kind)
    upload = SimpleUploadedFile(f"me.{kind.lower()}", buffer.getvalue())
    client.post(reverse("directory:edit-profile"), {**profile_data(), "photo": upload})
    practitioner.refresh_from_db()
    with Image.open(practitioner.photo) as image:
        assert (image.format, image.size) == ("JPEG", (1000, 500))


def test_a_photo_just_under_the_pixel_limit_is_accepted(client, monkeypatch):
    from directory import forms

    monkeypatch.setattr(forms, "MAX_PHOTO_PIXELS", 2000 * 1500)
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    client.post(reverse("directory:edit-profile"), {**profile_data(), "photo": jpeg()})
    practitioner.refresh_from_db()
    assert practitioner.photo


@pytest.mark.parametrize("view", ["directory:edit-profile", "directory:apply"])
def test_a_photo_the_service_cannot_resize_is_explained(
    client, lewes, monkeypatch, view
):
    def unreadable(upload, **kwargs):
        raise images.ImageRejected("That file is not an image we can read.")

    monkeypatch.setattr(images, "store_image", unreadable)
    practitioner = PractitionerFactory(display_name="Old Name")
    user = practitioner.user if view == "directory:edit-profile" else UserFactory()
    client.force_login(user)
    response = client.post(
        reverse(view), {**application(), "display_name": "New", "photo": jpeg()}
    )
    assert response.status_code == 200
    assert "That file is not a photo we can read." in response.content.decode()
    assert list(Practitioner.objects.values_list("display_name", flat=True)) == [
        "Old Name"
    ]
    assert not Location.objects.exists()


# --- services -------------------------------------------------------------------


def test_granting_a_verified_technique_twice_keeps_one_and_offers_it():
    practitioner = PractitionerFactory()
    stone = Technique.objects.get(slug="hot-stone")
    services.grant_verified_technique(practitioner=practitioner, technique=stone)
    services.grant_verified_technique(
        practitioner=practitioner,
        technique=stone,
        source=Qualification.Source.COURSE,
        reference="Hot stone, Bath, May 2026",
    )
    qualification = Qualification.objects.get()
    assert qualification.source == Qualification.Source.COURSE
    assert qualification.reference == "Hot stone, Bath, May 2026"
    assert stone in practitioner.techniques.all()


def test_suspending_needs_a_reason_and_hides_the_profile(client):
    practitioner = PractitionerFactory()
    with pytest.raises(services.DirectoryError, match="Give a reason"):
        services.set_status(practitioner=practitioner, status="suspended")
    practitioner.refresh_from_db()
    assert practitioner.status == "approved"
    services.set_status(practitioner=practitioner, status="suspended", reason="Lapsed")
    practitioner.refresh_from_db()
    assert practitioner.status_reason == "Lapsed"
    assert client.get(practitioner.get_absolute_url()).status_code == 404


def test_an_unknown_status_is_refused():
    with pytest.raises(services.DirectoryError):
        services.set_status(practitioner=PractitionerFactory(), status="famous")


def test_staff_approve_and_suspend_in_the_admin(client):
    client.force_login(StaffFactory())
    applied = PractitionerFactory(status="applied")
    url = reverse("admin:directory_practitioner_changelist")
    client.post(url, {"action": "approve", "_selected_action": [applied.pk]})
    applied.refresh_from_db()
    assert applied.status == "approved"
    response = client.post(
        url, {"action": "suspend", "_selected_action": [applied.pk]}, follow=True
    )
    assert "Type a reason" in response.content.decode()
    applied.refresh_from_db()
    assert applied.status == "approved"
    client.post(
        url,
        {"action": "suspend", "_selected_action": [applied.pk], "reason": "Lapsed"},
    )
    applied.refresh_from_db()
    assert applied.status == "suspended"


def test_words_are_singular_for_one(client):
    practitioner = LocationFactory(
        practitioner__home_visits=True, practitioner__home_visit_miles=1
    ).practitioner
    html = client.get(practitioner.get_absolute_url()).content.decode()
    assert "Yes, within 1 mile<" in html
    client.force_login(StaffFactory())
    applied = PractitionerFactory(status="applied")
    response = client.post(
        reverse("admin:directory_practitioner_changelist"),
        {"action": "approve", "_selected_action": [applied.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "Approved 1 practitioner." in html and "(s)" not in html


def admin_change_data(practitioner, qualifications=()):
    """The practitioner's admin change form as posted, with these qualification
    rows (dicts of the inline's fields)."""
    data = {
        "user": practitioner.user_id,
        "slug": practitioner.slug,
        "display_name": practitioner.display_name,
        "headline": practitioner.headline,
        "bio": practitioner.bio,
        "techniques": [t.pk for t in practitioner.techniques.all()],
        "qualifications_text": "",
        "insurance_expires_on": practitioner.insurance_expires_on.isoformat(),
        "languages": ",".join(practitioner.languages),
        "gender": "",
        "price_from": practitioner.price_from,
        "price_to": practitioner.price_to,
        "time_zone": practitioner.time_zone,
        "locations-TOTAL_FORMS": 0,
        "locations-INITIAL_FORMS": 0,
        "qualifications-TOTAL_FORMS": len(qualifications),
        "qualifications-INITIAL_FORMS": sum(1 for q in qualifications if q.get("id")),
    }
    for i, row in enumerate(qualifications):
        for field, value in row.items():
            data[f"qualifications-{i}-{field}"] = value
    return data


def test_staff_granting_a_verified_technique_in_the_admin_also_offers_it(client):
    stone = Technique.objects.get(slug="hot-stone")
    practitioner = PractitionerFactory(display_name="Granted")
    client.force_login(StaffFactory())
    url = reverse("admin:directory_practitioner_change", args=[practitioner.pk])
    row = {"technique": stone.pk, "source": "staff", "reference": "Certificate seen"}
    response = client.post(url, admin_change_data(practitioner, [row]))
    assert response.status_code == 302, response.context["errors"]
    qualification = Qualification.objects.get(practitioner=practitioner)
    assert qualification.technique == stone
    assert qualification.reference == "Certificate seen"
    assert stone in practitioner.techniques.all()
    found = client.get(reverse("directory:search"), {"technique": "hot-stone"})
    assert [p.display_name for p in found.context["page"]] == ["Granted"]


def test_changing_a_verified_technique_in_the_admin_offers_the_new_one(client):
    qualification = QualificationFactory()
    practitioner = qualification.practitioner
    stone = Technique.objects.get(slug="hot-stone")
    client.force_login(StaffFactory())
    url = reverse("admin:directory_practitioner_change", args=[practitioner.pk])
    row = {"id": qualification.pk, "practitioner": practitioner.pk,
           "technique": stone.pk, "source": "staff", "reference": ""}  # fmt: skip
    response = client.post(url, admin_change_data(practitioner, [row]))
    assert response.status_code == 302, response.context["errors"]
    qualification.refresh_from_db()
    assert qualification.technique == stone
    assert stone in practitioner.techniques.all()


def test_non_staff_cannot_open_the_directory_admin(client):
    client.force_login(PractitionerFactory().user)
    url = reverse("admin:directory_practitioner_changelist")
    assert client.get(url).status_code in (302, 403)


# --- gazetteer ------------------------------------------------------------------


def test_the_bundled_gazetteer_loads_and_reloads_without_duplicates():
    first = gazetteer.load()
    again = gazetteer.load()
    assert first.loaded == again.loaded == again.unchanged == Place.objects.count()
    assert first.written == Place.objects.count() and again.written == 0
    assert Place.objects.filter(kind="outward", key="BN1").exists()


def test_a_postcode_list_file_loads_postcodes_and_derives_outward_codes(tmp_path):
    path = tmp_path / "postcodes.csv"
    path.write_text(
        "id,postcode,latitude,longitude\n"
        "1,BN1 1AA,50.80,-0.10\n"
        "2,bn11ab,50.90,-0.20\n"
        "3,BN2 1AA,99.999999,0.0\n"
        "4,NOT A CODE,1,1\n"
    )
    summary = gazetteer.load(path)
    # Two postcodes, their outward code and their postcode area.
    assert summary.written == 4
    assert summary.skipped == {
        "no grid reference (placeholder coordinates)": 1,
        "not a UK postcode": 1,
    }
    assert Place.objects.get(kind="postcode", key="BN1 1AB").latitude == 50.90
    outward = Place.objects.get(kind="outward", key="BN1")
    assert outward.latitude == pytest.approx(50.85)
    assert Place.objects.get(kind="area", key="BN").latitude == pytest.approx(50.85)
    assert not Place.objects.filter(key__startswith="BN2").exists()


HEADER = b"kind,name,county,latitude,longitude\n"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"a,b,c\n1,2,3\n", "unknown columns"),
        (HEADER + b"village,X,,1,1\n", "kind “village”"),
        (HEADER + b"town,X,,north,1\n", "is not a number"),
        (HEADER + b"postcode,XYZ,,1,1\n", "not a UK postcode"),
        (HEADER + b"town,Bath,Somerset,51.38,-2.36\ntown,Bristol,,51.45,-2.58\n"
         b"town, bath ,somerset,51.4,-2.4\n",
         "line 4: town “bath” is already on line 2"),
        (HEADER + b"town,Bath,,51.38,-2.36\ntown,Caf\xe9,,1,1\n",
         "line 3: not UTF-8 text"),
        (HEADER + b"town,Bath,,151.38,-2.36\n", "line 2: 151.38, -2.36 is not a"),
        (HEADER + b"town,,,1,1\n", "line 2: the name is empty"),
        (HEADER + b"town," + b"X" * 121 + b",,1,1\n",
         "line 2: the name is longer than 120 characters"),
        (HEADER + b"town,Bath,,51.38,-2.36\ntown," + b"X" * 200_000 + b",,1,1\n",
         r"line 3: field larger than field limit"),
    ],
)  # fmt: skip
def test_a_bad_gazetteer_file_is_refused_whole(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("load_gazetteer", str(path))
    assert not Place.objects.exists()


def test_a_repeated_postcode_in_a_postcode_list_keeps_its_last_row(tmp_path):
    path = tmp_path / "postcodes.csv"
    rows = ["BN1 1AA,50.80,-0.10", "BN1 1AA,50.82,-0.12"]
    path.write_text("\n".join(["postcode,latitude,longitude", *rows]) + "\n")
    gazetteer.load(path)
    assert Place.objects.get(kind="postcode", key="BN1 1AA").latitude == 50.82


def test_a_file_saved_with_a_byte_order_mark_loads(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + HEADER + "town,Brontë,,53.8,-1.9\n".encode())
    assert gazetteer.load(path).written == 1
    assert Place.objects.get(key="BRONTE").name == "Brontë"


def test_seed_demo_fills_the_directory_once():
    call_command("seed_demo")
    count = Practitioner.objects.count()
    listed = Practitioner.objects.listed().count()
    call_command("seed_demo")
    assert Practitioner.objects.count() == count >= 40
    assert listed == count - 2
    assert Practitioner.objects.filter(status="applied").count() == 1
    assert Practitioner.objects.filter(status="suspended").count() == 1
    demo = Practitioner.objects.get(user__email="practitioner@demo.example")
    assert demo.is_listed and demo.locations.get().town == "Brighton"
    assert demo.user.check_password("demo-practitioner-pass")


def test_the_edit_form_shows_the_insurance_date_so_saving_keeps_it(client):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    html = client.get(reverse("directory:edit-profile")).content.decode()
    assert f'value="{practitioner.insurance_expires_on.isoformat()}"' in html


def test_approval_writes_one_email_to_the_outbox(mailoutbox):
    from notifications import outbox
    from notifications.models import OutboundEmail

    practitioner = PractitionerFactory(status="applied")
    services.set_status(practitioner=practitioner, status="approved")
    services.set_status(practitioner=practitioner, status="approved")
    email = OutboundEmail.objects.get()
    assert email.kind == "practitioner.approved"
    assert email.to == practitioner.user.email
    assert "now listed" in email.subject
    outbox.deliver_due()
    assert len(mailoutbox) == 1
    assert "/practitioner/" in mailoutbox[0].body


def test_suspension_emails_the_reason():
    from notifications.models import OutboundEmail

    practitioner = PractitionerFactory()
    services.set_status(
        practitioner=practitioner, status="suspended", reason="Insurance lapsed"
    )
    email = OutboundEmail.objects.get()
    assert email.kind == "practitioner.suspended"
    assert "Insurance lapsed" in email.text_body


def test_approval_says_listed_only_when_the_profile_is_listed(mailoutbox):
    from notifications import outbox

    insured = PractitionerFactory(status="applied")
    uninsured = PractitionerFactory(
        status="applied",
        insurance_expires_on=timezone.localdate() - timedelta(days=1),
    )
    for practitioner in (insured, uninsured):
        services.set_status(practitioner=practitioner, status="approved")
    outbox.deliver_due()

    by_recipient = {message.to[0]: message for message in mailoutbox}
    listed = by_recipient[insured.user.email]
    assert listed.subject == "Your profile is now listed on Holistic Touch"
    assert "is now listed in the Holistic Touch directory" in listed.body

    unlisted = by_recipient[uninsured.user.email]
    assert unlisted.subject == (
        "Your application is approved: update your insurance to be listed"
    )
    assert "now listed" not in unlisted.body
    assert "not listed in the directory yet" in unlisted.body
    assert "/practitioner/profile/" in unlisted.body


def test_a_refused_status_change_writes_no_email():
    from notifications.models import OutboundEmail

    with pytest.raises(services.DirectoryError):
        services.set_status(practitioner=PractitionerFactory(), status="suspended")
    assert not OutboundEmail.objects.exists()


def test_the_menu_links_a_practitioner_to_their_practice_without_extra_queries(
    client, django_assert_max_num_queries
):
    client.force_login(PractitionerFactory().user)
    with django_assert_max_num_queries(2):  # the session, the user with profile
        html = client.get("/about/").content.decode()
    assert "Your practice" in html
    client.force_login(UserFactory())
    assert "Your practice" not in client.get("/about/").content.decode()


def test_staff_cannot_upload_a_photo_in_the_admin(client):
    practitioner = PractitionerFactory()
    client.force_login(StaffFactory())
    url = reverse("admin:directory_practitioner_change", args=[practitioner.pk])
    response = client.post(url, {**admin_change_data(practitioner), "photo": jpeg()})
    assert response.status_code == 200
    assert "upload their own photo" in response.content.decode()
    practitioner.refresh_from_db()
    assert not practitioner.photo


def test_staff_removing_a_photo_in_the_admin_deletes_its_file(
    client, media_root, django_capture_on_commit_callbacks
):
    practitioner = PractitionerFactory(slug="ada")
    client.force_login(practitioner.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("directory:edit-profile"), {**profile_data(), "photo": jpeg()}
        )
    assert is_adas_photo(photo_files(media_root))
    practitioner.refresh_from_db()
    client.force_login(StaffFactory())
    url = reverse("admin:directory_practitioner_change", args=[practitioner.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {**admin_change_data(practitioner), "photo-clear": "on"}
        )
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert not practitioner.photo
    assert photo_files(media_root) == []
