from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from . import names
from .models import Location, Place, Practitioner, Technique


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


class TownSitemap(Sitemap):
    """The town page of every town where a listed practitioner works."""

    changefreq = "weekly"

    def items(self) -> list[Place]:
        towns = (
            Location.objects.filter(practitioner__in=Practitioner.objects.listed())
            .values_list("town", flat=True)
            .distinct()
        )
        keys = {names.place_key(town) for town in towns}
        pages: dict[str, Place] = {}
        for place in (
            Place.objects.filter(kind=Place.Kind.TOWN, key__in=keys)
            .exclude(slug="")
            .order_by("key", "-population", "pk")
            .only("key", "slug")
        ):
            pages.setdefault(place.key, place)
        return sorted(pages.values(), key=lambda place: place.slug)


# The sections config/sitemaps.py gathers into /sitemap.xml.
sections = {
    "directory": DirectoryPagesSitemap,
    "practitioners": PractitionerSitemap,
    "techniques": TechniqueSitemap,
    "towns": TownSitemap,
}
