"""{% load core %}: what templates of every app share."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import template
from django.core.files.storage import default_storage
from django.core.paginator import Page
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core import panels as core_panels
from core.formatting import format_deadline, format_money, format_period
from core.images import og_name, renditions
from core.jsonld import json_ld as json_ld_text
from core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Markdown written by people, as safe HTML (no images)."""
    return render_markdown(text)


@register.filter
def json_ld(value: Any) -> SafeString:
    """JSON for inside <script type="application/ld+json">, escaped like json_script."""
    return json_ld_text(value)


@register.filter
def money(value: Decimal | None) -> str:
    """'£1,650' or '£49.50'."""
    return format_money(value)


@register.filter
def deadline(value: datetime | None) -> str:
    """When a hold ends: '14:30 on Friday 13 March 2026' or 'the end of Friday…'."""
    return format_deadline(value) if value else ""


@register.filter
def period(start: datetime | None, end: datetime | None) -> str:
    """`{{ off.starts_at|period:off.ends_at }}`: see format_period."""
    return format_period(start, end) if start and end else ""


@register.filter
def page_links(page: Page) -> list:
    """The page numbers a pager shows: the first, the last, two either side of this
    one, and Paginator.ELLIPSIS for each run left out."""
    return list(
        page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )


# What each `{% site_url %}` gave, per process: {(resolver, prefix, name): URL}.
# The resolver is the URL configuration's own object, which Django makes anew
# when the configuration changes (clear_url_caches, ROOT_URLCONF), so a changed
# configuration is another key; None is kept for a name it lacks.
_site_urls: dict[tuple, str | None] = {}


@register.simple_tag
def site_url(name: str) -> str:
    """{% site_url 'courses:list' %} or {% site_url 'courses:list' as url %}: the
    URL of a page that takes no arguments, as `{% url %}` gives it (the menus
    and footer every page shows), worked out once per process rather than on
    every page. A name the site lacks is an empty string (as `{% url ... as %}`
    makes it), so a menu can leave out the link of an app not installed.
    """
    key = (get_resolver(get_urlconf()), get_script_prefix(), name)
    try:
        url = _site_urls[key]
    except KeyError:
        try:
            url = django_reverse(name)
        except NoReverseMatch:
            url = None
        _site_urls[key] = url
    return url or ""


@register.filter
def query_without_page(request: HttpRequest | None) -> str:
    """The request's query string without `page`: what a pager's links keep."""
    query = getattr(request, "GET", None)
    if query is None:
        return ""
    query = query.copy()
    query.pop("page", None)
    return query.urlencode()


@register.simple_tag(takes_context=True)
def panels(context: template.Context, place: str, *args: Any, **kwargs: Any):
    """{% panels "practitioner_profile" practitioner %}: every panel the apps
    registered for this place (core.panels), rendered in turn."""
    return core_panels.render(place, context, *args, **kwargs)


@register.simple_tag
def picture(
    name: str,
    width: int | None,
    height: int | None,
    *,
    sizes: str,
    alt: str = "",
    shown: int = 400,
    css: str = "",
    loading: str = "lazy",
) -> SafeString:
    """A stored image (core/images.py) as <picture>: its WebP renditions, the JPEG
    ones as the fallback, with width and height so the page does not shift while
    it loads. `sizes` tells the browser how wide it is shown; `shown` picks the
    fallback's width for browsers without srcset. Without the stored size (an
    image from before renditions) the plain file is shown."""
    if not name:
        return SafeString("")
    if not width or not height:
        return format_html(
            '<img src="{}" alt="{}" class="{}" loading="{}">',
            default_storage.url(name),
            alt,
            css,
            loading,
        )
    found = renditions(name, width, height, shown=shown)
    return format_html(
        '<picture><source type="image/webp" srcset="{}" sizes="{}">'
        '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" '
        'class="{}" loading="{}" decoding="async"></picture>',
        found.webp_srcset,
        sizes,
        found.src,
        found.jpeg_srcset,
        sizes,
        width,
        height,
        alt,
        css,
        loading,
    )


@register.simple_tag
def og_image(name: str) -> str:
    """The 1200 × 630 OpenGraph rendition of a stored image (a URL, maybe relative)."""
    return default_storage.url(og_name(name)) if name else ""
