"""Blog posts in a person's data download. Authors cannot delete their account
here: their posts need another author first (see `users.privacy`)."""

from django.conf import settings

from users.models import User
from users.privacy import isoformat

from .models import Post


def export(user: User) -> dict:
    posts = Post.objects.filter(author=user).order_by("created_at", "pk")
    return {
        "blog_posts_you_wrote": [
            {
                "title": post.title,
                "status": post.get_status_display(),
                "published": isoformat(post.publish_at),
            }
            for post in posts.only("title", "status", "publish_at", "created_at")
        ]
    }


def can_erase(user: User) -> str | None:
    if Post.objects.filter(author=user).exists():
        return (
            "You are the author of blog posts. Ask another member of staff to give "
            f"them a new author, or contact us at {settings.CONTACT_EMAIL}."
        )
    return None


def erase(user: User) -> None:
    """Nothing to do: can_erase refuses authors, and only authors have posts."""
