"""Each video that belonged to one article becomes a library video that the
article shows (blog.PostVideo), in the same order; it gets a slug from its title."""

from django.db import migrations
from django.utils.text import slugify


def to_library(apps, schema_editor):
    Video = apps.get_model("blog", "Video")
    PostVideo = apps.get_model("blog", "PostVideo")
    taken = set(Video.objects.exclude(slug=None).values_list("slug", flat=True))
    for video in Video.objects.order_by("pk"):
        base = slugify(video.title)[:140] or "video"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        video.slug = slug
        video.save(update_fields=["slug"])
        if video.post_id is not None:
            PostVideo.objects.create(
                post_id=video.post_id, video=video, position=video.position
            )


def back_to_posts(apps, schema_editor):
    Video = apps.get_model("blog", "Video")
    PostVideo = apps.get_model("blog", "PostVideo")
    for shown in PostVideo.objects.order_by("pk"):
        Video.objects.filter(pk=shown.video_id, post=None).update(
            post_id=shown.post_id, position=shown.position
        )


class Migration(migrations.Migration):
    dependencies = [("blog", "0005_video_library")]

    operations = [migrations.RunPython(to_library, back_to_posts)]
