"""A course's picture through core/images.py, shown on the course and its dates."""

import io
import re
from types import SimpleNamespace

import pytest
from django.contrib.admin import site
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from core import images
from courses.admin import CourseAdmin, CourseAdminForm
from courses.models import Course, Tutor
from tests.courses.factories import CourseDateFactory
from tests.users.factories import StaffFactory

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
        assert f"{images.rendition_name(stored.name, 800, 'webp')} 800w" in page, url
        assert 'alt="Students practising"' in page
        assert 'width="1600" height="1067"' in page
        assert images.og_name(stored.name) in page  # og:image and JSON-LD


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


def _files(root) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_a_replaced_course_picture_gets_a_new_url_and_its_old_files_go(
    rf, media, django_capture_on_commit_callbacks
):
    course = CourseDateFactory().course
    course_admin = CourseAdmin(Course, site)

    def save(upload):
        # As the admin does: the form has put the upload (or nothing) on the course.
        course.image = upload or ""
        form = SimpleNamespace(cleaned_data={"image": upload})
        with django_capture_on_commit_callbacks(execute=True):
            course_admin.save_model(rf.post("/"), course, form, change=True)
        course.refresh_from_db()

    save(SimpleUploadedFile("a.jpg", _jpeg()))
    first = course.image.name
    assert images.is_hashed(first)
    save(SimpleUploadedFile("b.jpg", _jpeg((1200, 800))))
    assert course.image.name != first
    assert _files(media) == set(images.all_names(course.image.name, 1200))
    save(False)  # "clear" ticked
    assert not course.image and course.image_width is None
    assert _files(media) == set()


def _tutor_form(photo=None) -> dict:
    data = {"name": "Helen Carter", "role": "Lead tutor", "bio": "Twenty years."}
    data["position"] = "0"
    if photo is not None:
        data["photo"] = SimpleUploadedFile("helen.jpg", photo, "image/jpeg")
    return data


def test_a_replaced_tutor_photo_gets_a_new_name_and_the_old_file_goes(
    client, media, django_capture_on_commit_callbacks
):
    client.force_login(StaffFactory())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:courses_tutor_add"), _tutor_form(_jpeg()))
    tutor = Tutor.objects.get()
    first = tutor.photo.name
    assert re.fullmatch(r"tutors/tutor-helen-carter\.[0-9a-f]{12}\.jpg", first)
    change = reverse("admin:courses_tutor_change", args=[tutor.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change, _tutor_form(_jpeg((900, 900))))
    assert response.status_code == 302
    tutor.refresh_from_db()
    assert tutor.photo.name != first
    assert _files(media) == {tutor.photo.name}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:courses_tutor_delete", args=[tutor.pk]), {"post": "yes"}
        )
    assert not Tutor.objects.exists()
    assert _files(media) == set()
