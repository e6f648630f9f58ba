"""Blog hero images for `manage.py build_renditions` (core/images.py)."""

from core.images import Stored

from .models import Post

LABEL = "blog hero images"


def stored(*, everything: bool):
    """(pk, file name) of the heroes still without renditions (or all)."""
    posts = Post.objects.exclude(hero_image="").order_by("pk")
    if not everything:
        posts = posts.filter(hero_renditions=False)
    return posts.values_list("pk", "hero_image")


def record(pk: int, image: Stored) -> None:
    Post.objects.filter(pk=pk).update(
        hero_width=image.width, hero_height=image.height, hero_renditions=True
    )
