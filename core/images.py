"""Uploaded images: checked, stripped of their metadata and stored once as a set
of renditions, so pages serve each at the size it is shown.

`check_upload` refuses a file that is too big, is not really a JPEG, PNG or WebP,
has too many pixels (checked from the header, before decoding: a few kilobytes can
unpack to gigabytes) or cannot be decoded. `store_image` then decodes it once,
turns it upright (EXIF orientation), drops every metadata block (EXIF with its GPS
position, XMP, ICC comments) by re-encoding the pixels only, and writes through the
default storage (local files or the S3 bucket):

- the master, a JPEG at most MASTER_WIDTH wide, under the name asked for;
- for each width of WIDTHS narrower than the master, and the master's own width,
  a WebP and a JPEG named `<stem>.<width>w.webp` / `.jpg` next to it;
- the OpenGraph image, 1200 × 630 cropped around the centre, `<stem>.og.jpg`.

The names follow from the master's name and width, so a page builds `srcset`
without asking the storage anything (`renditions`, and the `picture` tag of the
`core` library). Nothing is resized per request.
"""

import io
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps

WIDTHS = (96, 192, 400, 800, 1600)
MASTER_WIDTH = WIDTHS[-1]
OG_SIZE = (1200, 630)
FORMATS = {"JPEG", "PNG", "WEBP"}  # as Pillow names them
MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 82
WEBP_QUALITY = 78


class ImageRejected(ValueError):
    """The upload is not an image we accept; the message says why."""


@dataclass(frozen=True)
class Stored:
    name: str
    width: int
    height: int


def check_upload(
    upload,
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    noun: str = "image",
) -> None:
    """Refuse what is not a JPEG, PNG or WebP within the caps (ImageRejected);
    `noun` names it in the messages ("photo")."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        article = "an" if noun[:1] in "aeiou" else "a"
        raise ImageRejected(
            f"Choose {article} {noun} smaller than {_size_text(max_bytes)}."
        )
    unreadable = ImageRejected(
        "We could not read that image. It may be damaged or cut short: save it "
        "again and upload it, or choose another one."
    )
    try:
        upload.seek(0)
        image = Image.open(upload)
    except Exception as error:  # Pillow raises many kinds on damaged files
        raise unreadable from error
    try:
        with image:
            # The content decides, never the file name or the browser's type.
            if image.format not in FORMATS:
                raise ImageRejected(f"Choose a JPEG, PNG or WebP {noun}.")
            width, height = image.size
            if width * height > max_pixels:
                raise ImageRejected(
                    f"This {noun} is {width:,} × {height:,} pixels. Choose one of at "
                    f"most {max_pixels // 1_000_000} megapixels."
                )
            try:
                image.load()
            except Exception as error:
                raise unreadable from error
    finally:
        upload.seek(0)


def clean_upload(upload, **caps):
    """For a form's clean_<field>: a new upload is checked (ValidationError with
    the reason); an unchanged or cleared field passes as it is."""
    if isinstance(upload, UploadedFile):
        try:
            check_upload(upload, **caps)
        except ImageRejected as error:
            raise ValidationError(str(error)) from error
    return upload


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size // 1024} KB"


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    # Only pixels are written: no exif=, icc_profile= or xmp= is passed on.
    if fmt == "WEBP":
        image.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4)
    else:
        image.save(
            buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True
        )
    return buffer.getvalue()


def _stem(name: str) -> str:
    path = PurePosixPath(name)
    return str(path.with_suffix(""))


def rendition_name(name: str, width: int, fmt: str) -> str:
    return f"{_stem(name)}.{width}w.{'webp' if fmt == 'webp' else 'jpg'}"


def og_name(name: str) -> str:
    return f"{_stem(name)}.og.jpg"


def rendition_widths(master_width: int) -> list[int]:
    """The widths stored for a master this wide (never enlarged)."""
    widths = [w for w in WIDTHS if w < master_width]
    return [*widths, min(master_width, MASTER_WIDTH)]


def all_names(name: str, master_width: int | None) -> list[str]:
    """Every file `store_image` wrote for this master (to delete them with it)."""
    names = [name, og_name(name)]
    widths = rendition_widths(master_width) if master_width else list(WIDTHS)
    for width in widths:
        names += [
            rendition_name(name, width, "webp"),
            rendition_name(name, width, "jpg"),
        ]
    return names


def _save(storage: Storage, name: str, content: bytes) -> str:
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, ContentFile(content))


def store_image(upload, *, name: str, storage: Storage | None = None) -> Stored:
    """Decode the (checked) upload once and store the master, its renditions and
    its OpenGraph image. Returns the master's stored name and size. The name may
    change if the storage already holds a file of that name."""
    storage = storage or default_storage
    try:
        upload.seek(0)
        with Image.open(upload) as opened:
            image = _rgb(ImageOps.exif_transpose(opened))
    except (OSError, Image.DecompressionBombError) as error:
        raise ImageRejected("That file is not an image we can read.") from error
    if image.width > MASTER_WIDTH:
        image = image.resize(
            (MASTER_WIDTH, round(image.height * MASTER_WIDTH / image.width)),
            Image.Resampling.LANCZOS,
        )
    stored_name = storage.save(name, ContentFile(_encode(image, "JPEG")))
    write_renditions(image, name=stored_name, storage=storage)
    return Stored(name=stored_name, width=image.width, height=image.height)


def write_renditions(image: Image.Image, *, name: str, storage: Storage) -> None:
    for width in rendition_widths(image.width):
        resized = image
        if width != image.width:
            height = max(1, round(image.height * width / image.width))
            resized = image.resize((width, height), Image.Resampling.LANCZOS)
        _save(storage, rendition_name(name, width, "webp"), _encode(resized, "WEBP"))
        _save(storage, rendition_name(name, width, "jpg"), _encode(resized, "JPEG"))
    og = ImageOps.fit(image, OG_SIZE, Image.Resampling.LANCZOS)
    _save(storage, og_name(name), _encode(og, "JPEG"))


def rebuild(name: str, *, storage: Storage | None = None) -> Stored:
    """Renditions for an image stored before they existed (the master is
    re-encoded too, which drops any metadata it still had)."""
    storage = storage or default_storage
    with storage.open(name, "rb") as handle:
        data = io.BytesIO(handle.read())
    with Image.open(data) as opened:
        image = _rgb(ImageOps.exif_transpose(opened))
    if image.width > MASTER_WIDTH:
        image = image.resize(
            (MASTER_WIDTH, round(image.height * MASTER_WIDTH / image.width)),
            Image.Resampling.LANCZOS,
        )
    _save(storage, name, _encode(image, "JPEG"))
    write_renditions(image, name=name, storage=storage)
    return Stored(name=name, width=image.width, height=image.height)


@dataclass(frozen=True)
class Renditions:
    """What a page needs to show a stored image at the right size."""

    webp_srcset: str
    jpeg_srcset: str
    src: str  # the smallest JPEG at least `shown` wide (the fallback)
    width: int
    height: int
    og_url: str


def renditions(
    name: str, width: int, height: int, *, shown: int = 400, storage=None
) -> Renditions:
    storage = storage or default_storage
    widths = rendition_widths(width)
    webp = ", ".join(
        f"{storage.url(rendition_name(name, w, 'webp'))} {w}w" for w in widths
    )
    jpeg = ", ".join(
        f"{storage.url(rendition_name(name, w, 'jpg'))} {w}w" for w in widths
    )
    fallback = next((w for w in widths if w >= shown), widths[-1])
    return Renditions(
        webp_srcset=webp,
        jpeg_srcset=jpeg,
        src=storage.url(rendition_name(name, fallback, "jpg")),
        width=width,
        height=height,
        og_url=storage.url(og_name(name)),
    )
