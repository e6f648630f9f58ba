"""Practitioner photos for `manage.py build_renditions` (core/images.py)."""

from core.images import Stored

from .models import Practitioner

LABEL = "practitioner photos"


def stored(*, everything: bool):
    """(pk, file name) of the photos still without renditions (or all)."""
    photos = Practitioner.objects.exclude(photo="").order_by("pk")
    if not everything:
        photos = photos.filter(photo_width__isnull=True)
    return photos.values_list("pk", "photo")


def record(pk: int, image: Stored) -> None:
    Practitioner.objects.filter(pk=pk).update(
        photo_width=image.width, photo_height=image.height
    )
