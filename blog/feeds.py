from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from .models import CONTROL_CHARACTERS, Post

FEED_SIZE = 20
DESCRIPTION = (
    "Articles from our tutors on massage therapy: how it helps, what each "
    "technique feels like and what to expect at an appointment."
)


def xml_text(text: str) -> str:
    """`text` with a space for each control character XML refuses.

    The validators keep them out of new posts; this keeps rows saved before
    them, and names from other apps, from failing the whole feed.
    """
    return CONTROL_CHARACTERS.sub(" ", text)


class LatestPostsFeed(Feed):
    """RSS 2.0: the newest live posts. Links are absolute, on the Site's domain."""

    link = reverse_lazy("blog:list")
    feed_url = reverse_lazy("blog:feed-rss")

    def title(self) -> str:
        return xml_text(f"{settings.SITE_NAME}: blog")

    def description(self) -> str:
        return xml_text(DESCRIPTION)

    def author_name(self) -> str:
        return xml_text(settings.SITE_NAME)

    def items(self) -> QuerySet[Post]:
        return (
            Post.objects.live()
            .select_related("author")
            .prefetch_related("techniques", "tags")
            .order_by("-publish_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, item: Post) -> str:
        return xml_text(item.title)

    def item_description(self, item: Post) -> str:
        return xml_text(item.summary)

    def item_link(self, item: Post) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Post):
        return item.publish_at

    def item_updateddate(self, item: Post):
        return item.modified_at

    def item_author_name(self, item: Post) -> str:
        return xml_text(item.author.get_full_name())

    def item_categories(self, item: Post) -> list[str]:
        return [xml_text(t.name) for t in item.techniques.all()] + [
            xml_text(t.name) for t in item.tags.all()
        ]


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = Atom1Feed
    feed_url = reverse_lazy("blog:feed-atom")

    def subtitle(self) -> str:
        return self.description()
