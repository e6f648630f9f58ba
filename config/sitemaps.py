"""/sitemap.xml: the site's own pages plus the sections each app declares.

An app with public pages puts a `sections` dict of Sitemap classes in its
`sitemaps.py` (core/registry.py finds it).
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from core.registry import project_modules


class PagesSitemap(Sitemap):
    changefreq = "monthly"

    def items(self) -> list[str]:
        return ["home", "about"]

    def location(self, item: str) -> str:
        return reverse(item)


def collect() -> dict[str, type[Sitemap]]:
    sections: dict[str, type[Sitemap]] = {"pages": PagesSitemap}
    for module in project_modules("sitemaps"):
        sections.update(module.sections)
    return sections


SITEMAPS = collect()
