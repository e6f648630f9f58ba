"""Application documents: what an upload really is, and where it is kept.

An insurance certificate or qualification evidence is a PDF or a photo (JPEG, PNG
or WebP). The content decides, never the file name or the type the browser sent:

- a PDF starts with the `%PDF-1.` or `%PDF-2.` header and has an `%%EOF` marker
  near its end (a renamed Word file, an HTML page or a truncated upload fail);
- an image goes through `core.images.check_upload`, which reads its real format
  and decodes it fully (a renamed file or a damaged photo fails).

The PDF check is these few lines rather than a PDF library: the files are never
parsed or rendered on the server, only stored and handed to staff as downloads,
so parsing hostile PDFs here would add risk and a runtime dependency for nothing.
Files are stored as sent (no re-encoding: they are evidence) in the private
storage, under a random name.
"""

import secrets
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile

from core import images

from .models import private_storage

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
PDF_HEADERS = (b"%PDF-1.", b"%PDF-2.")
# The specification allows junk after %%EOF; real files carry at most a little.
PDF_TAIL = 2048
IMAGE_TYPES = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"),
               "WEBP": ("image/webp", ".webp")}  # fmt: skip


class DocumentRejected(ValueError):
    """The upload is not a document we accept; the message says why."""


@dataclass(frozen=True)
class Checked:
    content_type: str
    extension: str


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_document(upload: UploadedFile) -> Checked:
    name = upload.name or "That file"
    if upload.size is None or upload.size == 0:
        raise DocumentRejected(f"“{name}” is empty. Choose the file again.")
    if upload.size > MAX_BYTES:
        raise DocumentRejected(
            f"“{name}” is {_size_text(upload.size)}. Choose a file smaller than "
            f"{MAX_BYTES // (1024 * 1024)} MB (a scan at a lower resolution, or a "
            f"photo of the page)."
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(PDF_HEADERS):
        upload.seek(max(upload.size - PDF_TAIL, 0))
        tail = upload.read()
        upload.seek(0)
        if b"%%EOF" not in tail:
            raise DocumentRejected(
                f"“{name}” is not a complete PDF: it may be damaged or cut short. "
                "Save it again and upload it."
            )
        return Checked("application/pdf", ".pdf")
    try:
        images.check_upload(upload, max_bytes=MAX_BYTES, noun="image")
    except images.ImageRejected as error:
        raise DocumentRejected(
            f"“{name}” is not a PDF or an image we can read (JPEG, PNG or WebP). "
            "Save it as a PDF, or take a photo of it, and upload it again."
        ) from error
    from PIL import Image

    with Image.open(upload) as image:
        content_type, extension = IMAGE_TYPES[image.format]
    upload.seek(0)
    return Checked(content_type, extension)


def store(upload: UploadedFile, checked: Checked) -> str:
    """Save the upload in the private storage under a random name; its name."""
    name = f"applications/{secrets.token_urlsafe(24)}{checked.extension}"
    upload.seek(0)
    return private_storage().save(name, upload)


def delete(names: list[str]) -> None:
    storage = private_storage()
    for name in names:
        storage.delete(name)
