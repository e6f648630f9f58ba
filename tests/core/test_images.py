"""core/images.py: checks, metadata removal, renditions and the picture tag."""

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from PIL import Image

from core import images


def _upload(fmt="JPEG", size=(2400, 1600), exif=True, name="photo.jpg"):
    image = Image.new("RGB", size, (40, 120, 100))
    buffer = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0110] = "Phone 15"  # Model
        # GPS: the latitude of Brighton.
        data[0x8825] = {1: "N", 2: (50.0, 49.0, 21.0), 3: "W", 4: (0.0, 8.0, 14.0)}
        kwargs["exif"] = data.tobytes()
    image.save(buffer, format=fmt, **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


def test_the_upload_with_gps_has_exif_before_it_is_stored():
    with Image.open(_upload()) as image:
        assert image.getexif().get_ifd(0x8825)


def test_every_rendition_is_stored_without_any_metadata(media):
    stored = images.store_image(_upload(), name="practitioners/ada.jpg")
    assert (stored.width, stored.height) == (1600, 1067)
    names = images.all_names(stored.name, stored.width)
    assert len(names) == 2 + 2 * len(images.WIDTHS)
    for name in names:
        with default_storage.open(name) as handle, Image.open(handle) as image:
            assert not image.getexif(), name
            assert not image.getexif().get_ifd(0x8825), name
            assert "exif" not in image.info and "xmp" not in image.info, name
            assert "icc_profile" not in image.info, name


def test_renditions_have_their_widths_and_formats(media):
    stored = images.store_image(_upload(), name="practitioners/ada.jpg")
    for width in images.WIDTHS:
        for ext, fmt in (("webp", "WEBP"), ("jpg", "JPEG")):
            name = images.rendition_name(stored.name, width, ext)
            with default_storage.open(name) as handle, Image.open(handle) as image:
                assert (image.format, image.width) == (fmt, width)
    opened = default_storage.open(images.og_name(stored.name))
    with opened as handle, Image.open(handle) as image:
        assert image.size == (1200, 630)


def test_the_card_rendition_is_under_30_kb_even_for_a_busy_photo(media):
    noise = Image.effect_noise((2000, 2000), 90).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, format="JPEG", quality=95)
    stored = images.store_image(
        SimpleUploadedFile("busy.jpg", buffer.getvalue()), name="practitioners/b.jpg"
    )
    for width in (96, 192):
        for ext in ("webp", "jpg"):
            name = images.rendition_name(stored.name, width, ext)
            assert default_storage.size(name) < 30 * 1024, name


def test_a_small_image_is_never_enlarged(media):
    stored = images.store_image(_upload(size=(300, 200)), name="p/small.jpg")
    assert images.rendition_widths(stored.width) == [96, 192, 300]
    assert default_storage.exists(images.rendition_name(stored.name, 300, "webp"))
    assert not default_storage.exists(images.rendition_name(stored.name, 400, "webp"))


def test_a_png_with_transparency_is_flattened(media):
    image = Image.new("RGBA", (500, 500), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    stored = images.store_image(
        SimpleUploadedFile("t.png", buffer.getvalue()), name="p/t.jpg"
    )
    with default_storage.open(stored.name) as handle, Image.open(handle) as opened:
        assert opened.mode == "RGB" and opened.getpixel((1, 1)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.jpg", b"not an image at all"), "could not read"),
        (_upload(fmt="GIF", exif=False, size=(10, 10)), "JPEG, PNG or WebP"),
        (_upload(fmt="BMP", exif=False, size=(10, 10), name="x.jpg"), "JPEG, PNG"),
    ],
    ids=["text", "gif", "bmp named jpg"],
)
def test_fake_and_unsupported_images_are_refused(upload, message):
    with pytest.raises(images.ImageRejected, match=message):
        images.check_upload(upload)


def test_oversized_files_and_pixel_bombs_are_refused():
    with pytest.raises(images.ImageRejected, match="an image smaller than 10 KB"):
        images.check_upload(_upload(), max_bytes=1024 * 1024 // 100)
    with pytest.raises(images.ImageRejected, match="megapixels"):
        images.check_upload(_upload(size=(4000, 3000)), max_pixels=10_000_000)


def test_a_cut_short_file_is_refused():
    data = _upload(exif=False).read()
    with pytest.raises(images.ImageRejected, match="could not read"):
        images.check_upload(SimpleUploadedFile("x.jpg", data[: len(data) // 2]))


def test_rebuild_strips_an_old_stored_file_and_makes_renditions(media):
    default_storage.save("p/old.jpg", _upload(size=(900, 600)))
    stored = images.rebuild("p/old.jpg")
    assert (stored.width, stored.height) == (900, 600)
    with default_storage.open("p/old.jpg") as handle, Image.open(handle) as image:
        assert not image.getexif()
    assert default_storage.exists(images.rendition_name("p/old.jpg", 900, "webp"))


def test_the_picture_tag_gives_srcset_sizes_width_and_height(media):
    html = Template(
        '{% load core %}{% picture name 1600 1067 sizes="96px" shown=96 css="c" %}'
    ).render(Context({"name": "practitioners/ada.jpg"}))
    assert (
        '<source type="image/webp" srcset="/media/practitioners/ada.96w.webp 96w'
        in html
    )
    assert "/media/practitioners/ada.1600w.jpg 1600w" in html
    assert 'src="/media/practitioners/ada.96w.jpg"' in html
    assert 'sizes="96px"' in html and 'width="1600" height="1067"' in html


def test_the_picture_tag_shows_an_image_stored_before_renditions_as_it_is():
    html = Template("{% load core %}{% picture name None None sizes='96px' %}").render(
        Context({"name": "practitioners/old.jpg"})
    )
    assert html.startswith('<img src="/media/practitioners/old.jpg"')


def _stored_files(root) -> dict[str, tuple[bytes, int]]:
    return {
        str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_the_stored_name_carries_a_hash_of_the_masters_bytes(media):
    stored = images.store_image(_upload(), name="practitioners/ada.jpg")
    assert re.fullmatch(r"practitioners/ada\.[0-9a-f]{12}\.jpg", stored.name)
    with default_storage.open(stored.name) as handle:
        master = handle.read()
    assert stored.name == images.content_name("practitioners/ada.jpg", master)
    for name in images.all_names(stored.name, stored.width):
        assert images.is_hashed(name), name


def test_another_picture_gets_another_name_and_the_same_one_the_same_name(media):
    first = images.store_image(_upload(), name="practitioners/ada.jpg")
    other = images.store_image(_upload(size=(2400, 1500)), name="practitioners/ada.jpg")
    again = images.store_image(_upload(), name="practitioners/ada.jpg")
    assert other.name != first.name
    assert again.name == first.name


def test_storing_the_same_picture_twice_changes_no_file(media):
    images.store_image(_upload(), name="p/ada.jpg")
    before = _stored_files(media)
    images.store_image(_upload(), name="p/ada.jpg")
    assert _stored_files(media) == before


def test_storing_the_same_picture_again_writes_only_a_missing_rendition(media):
    stored = images.store_image(_upload(), name="p/ada.jpg")
    missing = images.rendition_name(stored.name, 400, "webp")
    default_storage.delete(missing)
    before = _stored_files(media)
    images.store_image(_upload(), name="p/ada.jpg")
    after = _stored_files(media)
    assert set(after) - set(before) == {missing}
    assert {n: after[n] for n in before} == before


@pytest.mark.parametrize(
    ("name", "hashed"),
    [
        ("blog/spine.3f9a0c1d2e4b.jpg", True),
        ("blog/spine.3f9a0c1d2e4b.400w.webp", True),
        ("blog/spine.3f9a0c1d2e4b.1600w.jpg", True),
        ("blog/spine.3f9a0c1d2e4b.og.jpg", True),
        ("blog/spine.jpg", False),
        ("blog/spine_AbC1234.jpg", False),
        ("blog/spine.400w.webp", False),
        ("blog/spine.og.jpg", False),
        ("blog/spine.3F9A0C1D2E4B.jpg", False),
        ("blog/spine.3f9a0c1d2e4.jpg", False),
        ("blog/spine.3f9a0c1d2e4b.png", False),
        ("blog/spine.3f9a0c1d2e4b.jpg.txt", False),
    ],
)
def test_only_names_with_a_content_hash_count_as_hashed(name, hashed):
    assert images.is_hashed(name) is hashed
    expected = images.LONG_CACHE if hashed else images.SHORT_CACHE
    assert images.cache_control(name) == expected


def test_rebuild_leaves_a_hashed_master_and_its_renditions_as_they_are(media):
    stored = images.store_image(_upload(), name="p/ada.jpg")
    missing = images.rendition_name(stored.name, 96, "jpg")
    default_storage.delete(missing)
    before = _stored_files(media)
    again = images.rebuild(stored.name)
    after = _stored_files(media)
    assert again.name == stored.name
    assert set(after) - set(before) == {missing}
    assert {n: after[n] for n in before} == before


@pytest.mark.django_db
def test_discard_deletes_the_image_and_its_renditions_after_commit(
    media, django_capture_on_commit_callbacks
):
    kept = images.store_image(_upload(size=(900, 600)), name="p/kept.jpg")
    stored = images.store_image(_upload(), name="p/ada.jpg")
    with django_capture_on_commit_callbacks() as callbacks:
        images.discard(stored.name, stored.width)
    assert default_storage.exists(stored.name)  # not before the commit
    for callback in callbacks:
        callback()
    remaining = set(_stored_files(media))
    assert remaining == set(images.all_names(kept.name, kept.width))
