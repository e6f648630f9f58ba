"""Writes to the blog: publishing now and publishing what is due."""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models.functions import Now
from django.utils import timezone

from .models import Post

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
