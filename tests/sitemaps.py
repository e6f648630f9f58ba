"""Reading the sitemap as a crawler does: the index, then every section page."""

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_locations(client) -> list[str]:
    """Every <loc> of every section the index at /sitemap.xml lists."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    root = ET.fromstring(index.content)
    assert root.tag == f"{NS}sitemapindex"
    found = []
    for section in root.iter(f"{NS}sitemap"):
        url = urlsplit(section.findtext(f"{NS}loc"))
        response = client.get(url.path + (f"?{url.query}" if url.query else ""))
        assert response.status_code == 200, url
        page = ET.fromstring(response.content)
        assert page.tag == f"{NS}urlset"
        found += [loc.text for loc in page.iter(f"{NS}loc")]
    return found


def sitemap_text(client) -> str:
    return "\n".join(f"<loc>{loc}</loc>" for loc in sitemap_locations(client))
