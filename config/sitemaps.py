"""/sitemap.xml: an index of sections, the site's own pages plus those each app
declares; each section is /sitemap-<section>.xml, split into pages of at most
50,000 addresses (?p=2, ...) as the sitemap protocol requires.

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
