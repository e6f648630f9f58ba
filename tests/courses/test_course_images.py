"""A course's picture through core/images.py, shown on the course and its dates."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from core import images
from courses.admin import CourseAdminForm
from tests.courses.factories import CourseDateFactory

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


def _jpeg(size=(1800, 1200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format="JPEG")
    return buffer.getvalue()


def test_the_course_and_its_dates_show_the_picture_with_renditions(client, media):
    course_date = CourseDateFactory()
    course = course_date.course
    stored = images.store_image(
        SimpleUploadedFile("c.jpg", _jpeg()), name=f"courses/{course.slug}.jpg"
    )
    course.image = stored.name
    course.image_alt = "Students practising"
    course.image_width, course.image_height = stored.width, stored.height
    course.save()
    for url in (
        course.get_absolute_url(),
        reverse("courses:date", args=[course.slug, course_date.pk]),
    ):
        page = client.get(url).content.decode()
        assert f"courses/{course.slug}.800w.webp 800w" in page, url
        assert 'alt="Students practising"' in page
        assert 'width="1600" height="1067"' in page
        assert f"courses/{course.slug}.og.jpg" in page  # og:image and JSON-LD


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"not an image", "could not read"), (_jpeg((9000, 9000)), "megapixels")],
)
def test_the_admin_form_refuses_fake_and_oversized_pictures(data, message):
    form = CourseAdminForm(files={"image": SimpleUploadedFile("c.jpg", data)})
    form.cleaned_data = {"image": form.files["image"]}
    with pytest.raises(Exception, match=message):
        form.clean_image()


def test_the_command_gives_an_old_course_picture_its_renditions(media):
    course = CourseDateFactory().course
    course.image = default_storage.save("courses/old.jpg", io.BytesIO(_jpeg()))
    course.save()
    call_command("build_renditions", stdout=io.StringIO(), stderr=io.StringIO())
    course.refresh_from_db()
    assert (course.image_width, course.image_height) == (1600, 1067)
