"""Course pictures for `manage.py build_renditions` (core/images.py)."""

from core.images import Stored

from .models import Course

LABEL = "course pictures"


def stored(*, everything: bool):
    """(pk, file name) of the pictures still without renditions (or all)."""
    courses = Course.objects.exclude(image="").order_by("pk")
    if not everything:
        courses = courses.filter(image_width__isnull=True)
    return courses.values_list("pk", "image")


def record(pk: int, image: Stored) -> None:
    Course.objects.filter(pk=pk).update(
        image_width=image.width, image_height=image.height
    )
