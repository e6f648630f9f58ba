"""What the blog shows on other apps' pages (core.panels): the articles and the
videos about a technique on its page, and the videos a course page relates to."""

from collections.abc import Sequence

from directory.models import Technique

from .models import Post, Video
from .views import related_videos

TECHNIQUE_ARTICLES = 5
TECHNIQUE_VIDEOS = 6


def technique_articles(*, technique: Technique) -> dict | None:
    """The latest live articles about the technique: one query."""
    posts = list(
        Post.objects.live()
        .filter(techniques=technique)
        .only("title", "slug", "summary", "publish_at")
        .order_by("-publish_at", "-pk")[: TECHNIQUE_ARTICLES + 1]
    )
    if not posts:
        return None
    return {
        "technique": technique,
        "posts": posts[:TECHNIQUE_ARTICLES],
        "more": len(posts) > TECHNIQUE_ARTICLES,
    }


def technique_videos(*, technique: Technique) -> dict | None:
    """The library's videos about the technique, newest first: one query."""
    videos = list(
        Video.objects.published()
        .filter(techniques=technique)
        .order_by("-uploaded_on", "-pk")[: TECHNIQUE_VIDEOS + 1]
    )
    if not videos:
        return None
    return {
        "technique": technique,
        "videos": videos[:TECHNIQUE_VIDEOS],
        "more": len(videos) > TECHNIQUE_VIDEOS,
    }


def course_videos(*, techniques: Sequence[Technique]) -> dict | None:
    """On a course page: library videos about the techniques it teaches."""
    videos = related_videos(list(techniques))
    if not videos:
        return None
    return {"videos": videos}
