from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from .models import Post


class BlogPagesSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> list[str]:
        return ["blog:list"]

    def location(self, item: str) -> str:
        return reverse(item)


class PostSitemap(Sitemap):
    changefreq = "monthly"

    def items(self) -> QuerySet[Post]:
        return (
            Post.objects.live().only("slug", "publish_at", "updated_at").order_by("pk")
        )

    def lastmod(self, item: Post):
        return item.modified_at


# The sections config/sitemaps.py gathers into /sitemap.xml.
sections = {"blog": BlogPagesSitemap, "posts": PostSitemap}
