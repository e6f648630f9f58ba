"""Uploaded images: checked, stripped of their metadata and stored once as a set
of renditions, so pages serve each at the size it is shown.

`check_upload` refuses a file that is too big, is not really a JPEG, PNG or WebP,
has too many pixels (checked from the header, before decoding: a few kilobytes can
unpack to gigabytes) or cannot be decoded. `store_image` then decodes it once,
turns it upright (EXIF orientation), drops every metadata block (EXIF with its GPS
position, XMP, ICC comments) by re-encoding the pixels only, and writes through the
default storage (local files or the S3 bucket):

- the master, a JPEG at most MASTER_WIDTH wide, under the name asked for with a
  short hash of its bytes added (`blog/spine.jpg` -> `blog/spine.3f9a0c1d2e4b.jpg`),
  so a replaced image never reuses a URL and every name can be cached for a year;
- for each width of WIDTHS narrower than the master, and the master's own width,
  a WebP and a JPEG named `<stem>.<width>w.webp` / `.jpg` next to it;
- the OpenGraph image, 1200 × 630 cropped around the centre, `<stem>.og.jpg`.

The names follow from the master's name and width, so a page builds `srcset`
without asking the storage anything (`renditions`, and the `picture` tag of the
`core` library), and they carry the master's hash: `HASHED_NAME` matches all of
them and only them, for the long Cache-Control (config/views.py, the Caddyfile,
core/storage.py). Nothing is resized per request.
"""

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image, ImageOps

WIDTHS = (96, 192, 400, 800, 1600)
MASTER_WIDTH = WIDTHS[-1]
OG_SIZE = (1200, 630)
FORMATS = {"JPEG", "PNG", "WEBP"}  # as Pillow names them
MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 82
WEBP_QUALITY = 78
HASH_LENGTH = 12
# A master (`x.<hash>.jpg`), a rendition (`x.<hash>.400w.webp`) or an OpenGraph
# image (`x.<hash>.og.jpg`). Names stored before hashes existed (`x.jpg`,
# `x_AbC1234.jpg`, `x.400w.webp`) never match. deploy/Caddyfile repeats this
# pattern (a test checks that they agree).
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}(\.[0-9]+w|\.og)?\.(jpg|webp)$")


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


# Cache-Control for public images: a year for hashed names (their bytes never
# change), a day for the names stored before hashes existed, which a replacement
# could reuse.
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=86400"


def cache_control(name: str) -> str:
    return LONG_CACHE if is_hashed(name) else SHORT_CACHE


def content_name(name: str, content: bytes) -> str:
    """`name` with a short hash of `content` before its extension."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def is_hashed(name: str) -> bool:
    """Whether the name carries a content hash (and may be cached for a year)."""
    return HASHED_NAME.search(name) is not None


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


def discard(name: str, master_width: int | None, *, storage: Storage | None = None):
    """Delete an image and everything `store_image` wrote for it, once the
    current transaction commits: a rollback must keep the files a row still
    names."""
    if not name:
        return
    storage = storage or default_storage
    names = all_names(name, master_width)

    def delete() -> None:
        for each in names:
            storage.delete(each)

    transaction.on_commit(delete)


def _save(storage: Storage, name: str, content: bytes) -> str:
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, ContentFile(content))


def store_image(upload, *, name: str, storage: Storage | None = None) -> Stored:
    """Decode the (checked) upload once and store the master, its renditions and
    its OpenGraph image. Returns the master's stored name (`name` with the hash of
    its bytes) and size. The same picture stored twice under the same name gives
    the same name and leaves the files as they were."""
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
    master = _encode(image, "JPEG")
    stored_name = content_name(name, master)
    if storage.exists(stored_name):
        # Stored before, from the same bytes: only what may be missing is written.
        write_renditions(image, name=stored_name, storage=storage, keep=True)
    else:
        stored_name = storage.save(stored_name, ContentFile(master))
        write_renditions(image, name=stored_name, storage=storage)
    return Stored(name=stored_name, width=image.width, height=image.height)


def write_renditions(
    image: Image.Image, *, name: str, storage: Storage, keep: bool = False
) -> None:
    """Write the renditions and the OpenGraph image of the master `name`; with
    `keep`, only those the storage does not hold yet."""

    def wanted(each: str) -> bool:
        return not (keep and storage.exists(each))

    for width in rendition_widths(image.width):
        webp = rendition_name(name, width, "webp")
        jpeg = rendition_name(name, width, "jpg")
        if not (wanted(webp) or wanted(jpeg)):
            continue
        resized = image
        if width != image.width:
            height = max(1, round(image.height * width / image.width))
            resized = image.resize((width, height), Image.Resampling.LANCZOS)
        if wanted(webp):
            _save(storage, webp, _encode(resized, "WEBP"))
        if wanted(jpeg):
            _save(storage, jpeg, _encode(resized, "JPEG"))
    if wanted(og_name(name)):
        og = ImageOps.fit(image, OG_SIZE, Image.Resampling.LANCZOS)
        _save(storage, og_name(name), _encode(og, "JPEG"))


def rebuild(name: str, *, storage: Storage | None = None) -> Stored:
    """Renditions for an image stored before they existed (the master is
    re-encoded too, which drops any metadata it still had), under the same names.
    A hashed master was written by `store_image` and is left as it is: its bytes
    must stay those its name was made from, and so must its renditions: only
    missing ones are written."""
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
    hashed = is_hashed(name)
    if not hashed:
        _save(storage, name, _encode(image, "JPEG"))
    # A hashed name's files that exist are kept: a year-long cache may hold them.
    write_renditions(image, name=name, storage=storage, keep=hashed)
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
