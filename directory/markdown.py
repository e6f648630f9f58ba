"""Markdown written by people (bios, posts, courses) rendered to safe HTML."""

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

TEXT_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "blockquote",
    "code", "pre", "h2", "h3", "h4", "hr",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str, *, allow_images: bool = False) -> SafeString:
    """Markdown to HTML, then nh3 keeps only harmless tags, attributes and URLs.

    Raw HTML in the source is escaped-or-dropped by nh3: no scripts, event handlers,
    iframes or `javascript:` links survive.
    """
    html = markdown_lib.markdown(text or "", extensions=["sane_lists"])
    tags = TEXT_TAGS | ({"img"} if allow_images else set())
    clean = nh3.clean(
        html,
        tags=tags,
        attributes={tag: attrs for tag, attrs in ATTRIBUTES.items() if tag in tags},
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 - nh3 output is sanitised
