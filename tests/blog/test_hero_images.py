"""A post's hero image through core/images.py: checked, stripped, renditions."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from blog.models import Post
from core import images
from tests.blog.factories import EditorFactory, PostFactory
from tests.blog.test_admin import post_form

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


def _photo(fmt="JPEG", size=(2400, 1350)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (50.0, 49.0, 21.0)}  # GPS from a staff phone
    Image.new("RGB", size, "teal").save(buffer, format=fmt, exif=exif.tobytes())
    return SimpleUploadedFile("hero.jpg", buffer.getvalue())


def test_a_hero_uploaded_in_the_admin_is_stored_with_renditions(client, media):
    editor = EditorFactory()
    client.force_login(editor)
    response = client.post(
        reverse("admin:blog_post_add"),
        post_form(
            author=editor.pk,
            status="published",
            hero_image=_photo(),
            hero_alt="Warm stones on a towel",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get()
    assert post.hero_renditions and (post.hero_width, post.hero_height) == (1600, 900)
    for name in images.all_names(post.hero_image.name, post.hero_width):
        opened = default_storage.open(name)
        with opened as handle, Image.open(handle) as image:
            assert not image.getexif().get_ifd(0x8825), name
    assert images.is_hashed(post.hero_image.name)
    stem = post.hero_image.name.removesuffix(".jpg")
    assert stem.startswith("blog/hot-stones-in-winter.")
    page = client.get(post.get_absolute_url()).content.decode()
    assert f"{stem}.800w.webp 800w" in page
    assert 'width="1600" height="900"' in page
    assert f'content="http://testserver/media/{stem}.og.jpg"' in page
    listing = client.get(reverse("blog:list")).content.decode()
    assert 'sizes="(min-width: 992px) 400px, 100vw"' in listing


def test_a_fake_hero_is_refused_and_nothing_is_saved(client, media):
    editor = EditorFactory()
    client.force_login(editor)
    fake = SimpleUploadedFile("hero.jpg", b"GIF89a not really")
    response = client.post(
        reverse("admin:blog_post_add"),
        post_form(author=editor.pk, hero_image=fake, hero_alt="x"),
    )
    assert response.status_code == 200
    assert not Post.objects.exists()


def test_the_command_gives_an_old_hero_its_renditions(media):
    post = PostFactory(hero_alt="Stones")
    post.hero_image = default_storage.save("blog/old.jpg", _photo(size=(1000, 500)))
    post.save()
    assert not post.hero_renditions
    call_command("build_renditions", stdout=io.StringIO(), stderr=io.StringIO())
    post.refresh_from_db()
    assert post.hero_renditions
    assert default_storage.exists(images.rendition_name("blog/old.jpg", 400, "webp"))


def _files(root) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _post_with_hero(client, capture):
    """A post with a hero image, added in the admin by a signed-in editor, and
    the form it was sent with."""
    editor = EditorFactory()
    client.force_login(editor)
    form = post_form(author=editor.pk, hero_alt="Warm stones on a towel")
    with capture(execute=True):
        client.post(reverse("admin:blog_post_add"), {**form, "hero_image": _photo()})
    return Post.objects.get(), form


def test_a_replaced_hero_gets_a_new_url_and_its_old_files_go(
    client, media, django_capture_on_commit_callbacks
):
    post, form = _post_with_hero(client, django_capture_on_commit_callbacks)
    first = post.hero_image.name
    change = reverse("admin:blog_post_change", args=[post.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change, {**form, "hero_image": _photo(size=(1200, 900))})
    assert response.status_code == 302, response.content.decode()[:2000]
    post.refresh_from_db()
    assert post.hero_image.name != first
    assert _files(media) == set(images.all_names(post.hero_image.name, 1200))
    page = client.get(reverse("blog:preview", args=[post.pk])).content.decode()
    assert images.rendition_name(post.hero_image.name, 800, "webp") in page
    assert images.rendition_name(first, 800, "webp") not in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(change, {**form, "hero_image-clear": "on"})
    post.refresh_from_db()
    assert not post.hero_image
    assert _files(media) == set()


def test_the_same_hero_uploaded_again_keeps_its_files(
    client, media, django_capture_on_commit_callbacks
):
    post, form = _post_with_hero(client, django_capture_on_commit_callbacks)
    first, files = post.hero_image.name, _files(media)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:blog_post_change", args=[post.pk]),
            {**form, "hero_image": _photo()},
        )
    post.refresh_from_db()
    assert post.hero_image.name == first
    assert _files(media) == files


def test_a_deleted_post_takes_its_hero_files_with_it(
    client, media, django_capture_on_commit_callbacks
):
    post, form = _post_with_hero(client, django_capture_on_commit_callbacks)
    assert _files(media)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:blog_post_delete", args=[post.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not Post.objects.exists()
    assert _files(media) == set()
