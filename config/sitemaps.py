"""/sitemap.xml: the site's own pages plus the sections each app declares.

An app with public pages puts a `sections` dict of Sitemap classes in its
`sitemaps.py`; add its label to SITEMAP_APPS to include them.
"""

from importlib import import_module

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

SITEMAP_APPS = ["directory", "courses", "blog"]


class PagesSitemap(Sitemap):
    changefreq = "monthly"

    def items(self) -> list[str]:
        return ["home", "about"]

    def location(self, item: str) -> str:
        return reverse(item)


def collect() -> dict[str, type[Sitemap]]:
    sections: dict[str, type[Sitemap]] = {"pages": PagesSitemap}
    for app in SITEMAP_APPS:
        sections.update(import_module(f"{app}.sitemaps").sections)
    return sections


SITEMAPS = collect()
