"""Markdown written by people (bios, posts, courses) rendered to safe HTML.

The parser is markdown-it-py with its CommonMark preset, so text renders as the
CommonMark spec (and GitHub, and most editors' previews) says: a list straight
after a line of text is a list, a list indented under an item is nested. nh3
then keeps only harmless tags, attributes and URLs.
"""

import re
from html import unescape
from importlib.metadata import version
from urllib.parse import urlsplit

import nh3
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

TEXT_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "blockquote",
    "code", "pre", "h2", "h3", "h4", "hr",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
EXTERNAL_REL = "nofollow noopener noreferrer"
# What browsers drop from around a URL, and from inside it.
_URL_EDGES = "".join(chr(c) for c in range(0x21))
_URL_DROPPED = str.maketrans("", "", "\t\n\r")

# Raw HTML is parsed as HTML (html=True) so that nh3 sees real tags and drops
# them, rather than the text "<script>" appearing on the page.
_PARSER = MarkdownIt("commonmark", {"html": True})

# Bump when this module's output changes (tags allowed, rel rules...): stored
# renderings (blog posts) carry the version they were made with, and
# `manage.py render_markdown` renders again those made with another one. The
# libraries' versions are part of it, so an upgrade re-renders too.
_OWN_VERSION = 1


def renderer_version() -> str:
    """What a stored rendering depends on besides its text: this module, the
    parser, the cleaner, and the site's host (it decides which links get rel)."""
    host = urlsplit(settings.SITE_URL).hostname or ""
    return (
        f"{_OWN_VERSION}/markdown-it-py {version('markdown-it-py')}"
        f"/nh3 {version('nh3')}/{host}"
    )[:200]


def render_markdown(text: str, *, allow_images: bool = False) -> SafeString:
    """Markdown to HTML, then nh3 keeps only harmless tags, attributes and URLs.

    Raw HTML in the source is escaped-or-dropped by nh3: no scripts, event handlers,
    iframes or `javascript:` links survive. Links to other sites then get
    rel="nofollow noopener noreferrer"; links within the site stay plain.
    """
    html = _PARSER.render(text or "")
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


# nh3's output is well formed: every attribute value is double-quoted, with any
# quote inside it escaped, so a start tag runs to the first ">" outside quotes.
_LINK_START_TAG = re.compile(r'<a\b(?:[^>"]|"[^"]*")*>')
_HREF = re.compile(r'\shref="([^"]*)"')


def _mark_external_links(html: str) -> str:
    """Adds rel to the external links of sanitised HTML (nh3 cannot add an
    attribute to some links only); nothing else is re-written."""

    def mark(match: re.Match) -> str:
        tag = match.group()
        href = _HREF.search(tag)
        if href and leaves_site(unescape(href.group(1))):
            return f'{tag[:-1]} rel="{EXTERNAL_REL}">'
        return tag

    return _LINK_START_TAG.sub(mark, html)
