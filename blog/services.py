"""Writes to the blog: publishing now and publishing what is due, and storing
the rendered Markdown again when the renderer changes."""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models.functions import Now
from django.utils import timezone

from core.markdown import renderer_version

from .models import Disclaimer, Post, render_body

logger = logging.getLogger(__name__)


@transaction.atomic
def publish_post(*, post: Post, at: datetime | None = None) -> Post:
    """Publish now, or schedule when `at` is still to come."""
    now = timezone.now()
    at = at or now
    post.publish_at = at
    post.status = Post.Status.PUBLISHED if at <= now else Post.Status.SCHEDULED
    post.save(update_fields=["status", "publish_at", "updated_at"])
    return post


def publish_due_posts(*, now: datetime | None = None) -> int:
    """Publish every scheduled post whose time has come; returns how many.

    One conditional UPDATE: running it twice, or in two workers at once,
    publishes each post once. Going live is a change: `updated_at` moves too.
    """
    published = Post.objects.filter(
        status=Post.Status.SCHEDULED, publish_at__lte=now or timezone.now()
    ).update(status=Post.Status.PUBLISHED, updated_at=Now())
    if published:
        logger.info("Published %d scheduled post(s)", published)
    return published


def render_stale_markdown() -> int:
    """Render again the posts and disclaimers whose stored HTML was made by another
    renderer version (core/markdown.py) or for another site host; returns how many.

    Rows are written with UPDATE: a new rendering is not an edit, so `updated_at`
    (and the modified time the public sees) stays. Running it twice changes nothing.
    """
    current = renderer_version()
    rendered = 0
    for model, allow_images in [(Post, True), (Disclaimer, False)]:
        stale = model.objects.exclude(body_html_version=current).only("pk", "body")
        for obj in stale.iterator(chunk_size=200):
            render_body(obj, allow_images=allow_images)
            rendered += model.objects.filter(pk=obj.pk, body=obj.body).update(
                body_html=obj.body_html, body_html_version=obj.body_html_version
            )
    if rendered:
        logger.info("Stored Markdown rendered again: %d rows", rendered)
    return rendered
