"""core/images.py: checks, metadata removal, renditions and the picture tag."""

import io

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
