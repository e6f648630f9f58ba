"""Uploads on S3-compatible object storage, against a local S3 server."""

import io
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core import images
from tests.blog.factories import PostFactory
from tests.courses.factories import CourseFactory
from tests.directory.factories import PractitionerFactory
from tests.directory.test_profiles import profile_data

from .s3 import CREDENTIALS, local_s3
from .support import production_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3_server():
    with local_s3() as s3:
        yield s3


@pytest.fixture
def s3(s3_server, settings, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_server.storage_settings(),
    }
    client = s3_server.client()
    for key in s3_server.object_keys():
        client.delete_object(Bucket=s3_server.bucket, Key=key)
    return s3_server


def image(kind: str = "JPEG", size=(1600, 1200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format=kind)
    return buffer.getvalue()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


def test_a_practitioners_photo_goes_to_the_bucket_and_loads_from_it(client, s3):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    upload = SimpleUploadedFile("me.jpg", image(), content_type="image/jpeg")

    client.post(reverse("directory:edit-profile"), {**profile_data(), "photo": upload})

    practitioner.refresh_from_db()
    name = practitioner.photo.name
    # The photo, its WebP and JPEG renditions and its OpenGraph image, made once.
    assert s3.object_keys() == sorted(images.all_names(name, 1600))
    url = practitioner.photo.url
    assert url.startswith(f"{s3.endpoint_url}/{s3.bucket}/practitioners/")
    with Image.open(io.BytesIO(fetch(url))) as stored:
        assert stored.size == (1600, 1200)  # re-encoded, not the upload
    storage = practitioner.photo.storage
    card = storage.url(images.rendition_name(name, 192, "webp"))
    with Image.open(io.BytesIO(fetch(card))) as stored:
        assert (stored.format, stored.width) == ("WEBP", 192)

    page = client.get(practitioner.get_absolute_url()).content.decode()
    assert f"{card} 192w" in page
    og = storage.url(images.og_name(name))
    assert f'<meta property="og:image" content="{og}">' in page


def test_a_replaced_photo_is_deleted_from_the_bucket_after_commit(
    client, s3, django_capture_on_commit_callbacks
):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    for name in ("first.jpg", "second.jpg"):
        upload = SimpleUploadedFile(name, image(), content_type="image/jpeg")
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("directory:edit-profile"), {**profile_data(), "photo": upload}
            )

    practitioner.refresh_from_db()
    assert s3.object_keys() == sorted(images.all_names(practitioner.photo.name, 1600))


def test_blog_and_course_images_live_in_the_bucket(client, s3):
    post = PostFactory(hero_alt="A spine drawn as a column of vertebrae")
    post.hero_image.save("spine.png", ContentFile(image("PNG", (1200, 630))))
    course = CourseFactory()
    course.image.save("brighton.png", ContentFile(image("PNG", (800, 600))))

    assert s3.object_keys() == sorted([post.hero_image.name, course.image.name])
    for field in (post.hero_image, course.image):
        assert field.url.startswith(f"{s3.endpoint_url}/{s3.bucket}/")
        assert fetch(field.url).startswith(b"\x89PNG")
    article = client.get(post.get_absolute_url()).content.decode()
    assert f'<meta property="og:image" content="{post.hero_image.url}">' in article


def test_production_uses_the_bucket_only_when_one_is_named():
    names = ["STORAGES", "SECURE_CSP"]
    local = production_settings(names)
    assert local["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")

    remote = production_settings(
        names,
        AWS_STORAGE_BUCKET_NAME="ht-media",
        AWS_S3_ENDPOINT_URL="https://s3.eu-west-2.example.net",
    )
    default = remote["STORAGES"]["default"]
    assert default["BACKEND"] == "core.storage.MediaS3Storage"
    assert default["OPTIONS"]["bucket_name"] == "ht-media"
    # Pages may show images from the bucket, and only from there.
    img_src = remote["SECURE_CSP"]["img-src"]
    assert "https://s3.eu-west-2.example.net" in img_src

    cdn = production_settings(
        names,
        AWS_STORAGE_BUCKET_NAME="ht-media",
        AWS_S3_CUSTOM_DOMAIN="media.ht.example",
    )
    assert "https://media.ht.example" in cdn["SECURE_CSP"]["img-src"]


def test_backups_copy_media_out_of_and_back_into_the_bucket(s3, tmp_path):
    import runpy

    from django.core.files.storage import storages

    media = runpy.run_path(str(Path(settings.BASE_DIR) / "scripts" / "media.py"))
    storage = storages["default"]
    storage.save("practitioners/ada.jpg", ContentFile(b"\xff\xd8 ada"))
    storage.save("blog/spine.png", ContentFile(b"\x89PNG spine"))

    assert media["export"](storage, tmp_path / "copy") == 2
    for key in s3.object_keys():
        s3.client().delete_object(Bucket=s3.bucket, Key=key)
    assert media["import_"](storage, tmp_path / "copy") == 2

    assert s3.object_keys() == ["blog/spine.png", "practitioners/ada.jpg"]
    with storage.open("practitioners/ada.jpg") as restored:
        assert restored.read() == b"\xff\xd8 ada"


def test_images_named_after_their_content_are_uploaded_with_a_year_long_cache(
    client, s3
):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    upload = SimpleUploadedFile("me.jpg", image(), content_type="image/jpeg")
    client.post(reverse("directory:edit-profile"), {**profile_data(), "photo": upload})
    practitioner.refresh_from_db()

    bucket = s3.client()
    names = images.all_names(practitioner.photo.name, 1600)
    assert s3.object_keys() == sorted(names)
    for name in names:
        head = bucket.head_object(Bucket=s3.bucket, Key=name)
        assert head["CacheControl"] == "public, max-age=31536000, immutable", name
    with urllib.request.urlopen(practitioner.photo.url, timeout=5) as response:
        assert response.headers["Cache-Control"] == images.LONG_CACHE


def test_a_name_without_a_content_hash_is_uploaded_with_a_day_long_cache(s3):
    from django.core.files.storage import storages

    storages["default"].save("blog/spine.png", ContentFile(image("PNG", (10, 10))))
    head = s3.client().head_object(Bucket=s3.bucket, Key="blog/spine.png")
    assert head["CacheControl"] == "public, max-age=86400"
