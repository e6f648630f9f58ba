from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from .models import Practitioner, Technique


class DirectoryPagesSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["directory:search", "directory:techniques"]

    def location(self, item: str) -> str:
        return reverse(item)


class PractitionerSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> QuerySet[Practitioner]:
        return Practitioner.objects.listed().only("slug", "updated_at").order_by("pk")

    def lastmod(self, item: Practitioner):
        return item.updated_at


class TechniqueSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> QuerySet[Technique]:
        return Technique.objects.only("slug").order_by("pk")


# The sections config/sitemaps.py gathers into /sitemap.xml.
sections = {
    "directory": DirectoryPagesSitemap,
    "practitioners": PractitionerSitemap,
    "techniques": TechniqueSitemap,
}
