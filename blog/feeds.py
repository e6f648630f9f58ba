from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from .models import Post

FEED_SIZE = 20


class LatestPostsFeed(Feed):
    """RSS 2.0: the newest live posts. Links are absolute, on the Site's domain."""

    title = f"{settings.SITE_NAME}: blog"
    description = (
        "Articles from our tutors on massage therapy: how it helps, what each "
        "technique feels like and what to expect at an appointment."
    )
    link = reverse_lazy("blog:list")
    feed_url = reverse_lazy("blog:feed-rss")
    author_name = settings.SITE_NAME

    def items(self) -> QuerySet[Post]:
        return (
            Post.objects.live()
            .select_related("author")
            .prefetch_related("techniques", "tags")
            .order_by("-publish_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> str:
        return item.summary

    def item_link(self, item: Post) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Post):
        return item.publish_at

    def item_updateddate(self, item: Post):
        return item.updated_at

    def item_author_name(self, item: Post) -> str:
        return item.author.get_full_name()

    def item_categories(self, item: Post) -> list[str]:
        return [t.name for t in item.techniques.all()] + [
            t.name for t in item.tags.all()
        ]


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = Atom1Feed
    subtitle = LatestPostsFeed.description
    feed_url = reverse_lazy("blog:feed-atom")
