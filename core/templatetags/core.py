"""{% load core %}: what templates of every app share."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import template
from django.core.files.storage import default_storage
from django.core.paginator import Page
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core import panels as core_panels
from core.formatting import format_deadline, format_money, format_period
from core.images import og_name, renditions
from core.jsonld import json_ld as json_ld_text
from core.lru import LockedLRU
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


# What each `{% site_static %}` gave, per process: {path: URL}; emptied when a
# setting changes (tests: the storage, STATIC_URL).
_static_urls: dict[str, str] = {}


# What each `{% kept_include %}` gave, per process: {(resolver, prefix, template,
# flags): HTML}; a few entries (a template's flags take two values each).
_kept_includes: dict[tuple, SafeString] = {}


def _settings_changed(**kwargs) -> None:
    _static_urls.clear()
    _kept_includes.clear()


setting_changed.connect(_settings_changed, dispatch_uid="core.site_static")


@register.simple_tag
def site_static(path: str) -> str:
    """{% site_static 'css/site.css' %}: what `{% static %}` gives (with the
    manifest storage, the file's hashed name), worked out once per process: the
    files cannot change while it runs, since collectstatic comes before a
    deploy's restart."""
    url = _static_urls.get(path)
    if url is None:
        url = _static_urls[path] = static(path)
    return url


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


@register.simple_tag
def kept_include(template_name: str, **flags: Any) -> SafeString:
    """{% kept_include "_account_menu.html" practitioner=… staff=… %}: the template
    rendered with only these flags, each taken as true or false, and kept per
    process for each combination (and URL configuration). For a piece of every
    page that depends on nothing else: the account menu's dozen links cost a
    signed-in page about 0.1 ms of template work. The template sees the flags
    only (no request, no user, no context processors)."""
    values = {name: bool(value) for name, value in flags.items()}
    key = (get_resolver(get_urlconf()), get_script_prefix(), template_name,
           tuple(sorted(values.items())))  # fmt: skip
    try:
        return _kept_includes[key]
    except KeyError:
        html = _kept_includes[key] = get_template(template_name).render(values)
        return html


@register.filter
def query_without_page(request: HttpRequest | None) -> str:
    """The request's query string without `page`: what a pager's links keep."""
    query = getattr(request, "GET", None)
    if query is None:
        return ""
    query = query.copy()
    query.pop("page", None)
    return query.urlencode()


# Pagers kept per process (each well under a kilobyte): one per query string,
# page and number of pages seen.
CACHED_PAGERS = 1024
_pagers = LockedLRU(CACHED_PAGERS)


@register.simple_tag(takes_context=True)
def pager(
    context: template.Context,
    page: Page,
    label: str = "",
    previous_label: str = "",
    next_label: str = "",
) -> SafeString:
    """{% pager page label="Result pages" %}: what `{% include
    "core/_pagination.html" with page=page label=… %}` shows, kept per process
    for everything it is made of (the query string without `page`, the page's
    number, the number of pages, the labels), so a pager seen before costs no
    template work."""
    request = context.get("request")
    query = query_without_page(request)
    key = (query, page.number, page.paginator.num_pages, label, previous_label,
           next_label)  # fmt: skip
    return _pagers.get_or_make(
        key,
        lambda: get_template("core/_pagination.html").render(
            {
                "page": page,
                "request": request,
                "label": label,
                "previous_label": previous_label,
                "next_label": next_label,
            }
        ),
    )


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
