"""Markdown written by people (bios, posts, courses) rendered to safe HTML."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown as markdown_lib
import nh3
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

TEXT_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "blockquote",
    "code", "pre", "h2", "h3", "h4", "hr",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
EXTERNAL_REL = "nofollow noopener noreferrer"
# What browsers drop from around a URL, and from inside it.
_URL_EDGES = "".join(chr(c) for c in range(0x21))
_URL_DROPPED = str.maketrans("", "", "\t\n\r")


def render_markdown(text: str, *, allow_images: bool = False) -> SafeString:
    """Markdown to HTML, then nh3 keeps only harmless tags, attributes and URLs.

    Raw HTML in the source is escaped-or-dropped by nh3: no scripts, event handlers,
    iframes or `javascript:` links survive. Links to other sites then get
    rel="nofollow noopener noreferrer"; links within the site stay plain.
    """
    html = markdown_lib.markdown(text or "", extensions=["sane_lists"])
    tags = TEXT_TAGS | ({"img"} if allow_images else set())
    clean = nh3.clean(
        html,
        tags=tags,
        attributes={tag: attrs for tag, attrs in ATTRIBUTES.items() if tag in tags},
        url_schemes=URL_SCHEMES,
        link_rel=None,  # rel is not an allowed attribute: any the author wrote goes
    )
    return mark_safe(_mark_external_links(clean))  # noqa: S308 - nh3 output, see below


def leaves_site(href: str) -> bool:
    """Whether a link goes to another host. Unclear cases count as leaving."""
    url = href.translate(_URL_DROPPED).strip(_URL_EDGES).replace("\\", "/")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "mailto":
        return False
    if not scheme and not parts.netloc:
        return False  # a path, query or fragment on this site
    own_host = urlsplit(settings.SITE_URL).hostname
    return scheme not in ("", "http", "https") or parts.hostname != own_host


class _ExternalLinks(HTMLParser):
    """Where the <a> start tags that leave the site are, in nh3's output."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[tuple[int, int], int]] = []  # (line, column), length

    def handle_starttag(self, tag: str, attrs: list) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href and leaves_site(href):
            self.found.append((self.getpos(), len(self.get_starttag_text())))


def _mark_external_links(html: str) -> str:
    """Adds rel to the external links of sanitised HTML.

    nh3 cannot add an attribute to some links only. Its output is well formed
    (every attribute value double-quoted, text escaped), so the start tags the
    parser reports are spliced by position; nothing else is re-written.
    """
    parser = _ExternalLinks()
    parser.feed(html)
    parser.close()
    line_starts = [0] + [match.end() for match in re.finditer("\n", html)]
    for (line, column), length in reversed(parser.found):
        end = line_starts[line - 1] + column + length - 1  # the tag's closing ">"
        html = f'{html[:end]} rel="{EXTERNAL_REL}"{html[end:]}'
    return html
