"""Panels: a page of one app shows what other apps contribute, without importing them.

The directory's profile page offers online booking and a blog post the next course
dates, yet the directory knows nothing of bookings and the blog nothing of courses.
The app with something to show registers a panel for a named place, in its
AppConfig.ready():

    panels.register(
        "practitioner_profile", "bookings/_profile_panel.html", context=booking_panel
    )

and the page's template asks for every panel of that place:

    {% load core %}{% panels "practitioner_profile" practitioner %}

The tag's arguments go to each panel's `context` function, which returns the
context of the panel's template, or None when the panel has nothing to show. As with
an inclusion tag, the panel's template sees only that context (and the CSRF
token and the CSP nonce, for a JSON-LD block).

The places pages ask for:

- "practitioner_profile" (the practitioner): directory/practitioner_detail.html
- "blog_post" (techniques=, techniques_text=): blog/post_detail.html
- "technique_page_aside" and "technique_page_main" (technique=): the technique
  page, directory/technique_detail.html (its side column, and full width below)
- "course_page" (techniques=): courses/course_detail.html and
  courses/coursedate_detail.html
- "town_page" (the gazetteer Place): directory/town.html
"""

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.template import Context
from django.utils.safestring import SafeString, mark_safe

PanelContext = Callable[..., Mapping[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    place: str
    template: str
    context: PanelContext
    order: int = 0  # lower first, where a place has several panels


_registry: dict[str, list[Panel]] = {}


def register(
    place: str, template: str, *, context: PanelContext, order: int = 0
) -> Panel:
    """Show `template`, with what `context` returns, wherever a page asks for the
    panels of `place`. Registering the same panel again changes nothing (ready()
    can run more than once)."""
    panel = Panel(place=place, template=template, context=context, order=order)
    panels = _registry.setdefault(place, [])
    if panel not in panels:
        panels.append(panel)
        panels.sort(key=lambda each: each.order)
    return panel


def unregister(panel: Panel) -> None:
    with contextlib.suppress(KeyError, ValueError):
        _registry[panel.place].remove(panel)


def registered(place: str) -> list[Panel]:
    return list(_registry.get(place, ()))


def render(place: str, context: Context, *args: Any, **kwargs: Any) -> SafeString:
    """The panels of `place`, rendered one after the other inside the template
    being rendered with `context`."""
    parts = []
    for panel in registered(place):
        values = panel.context(*args, **kwargs)
        if values is None:
            continue
        panel_context = context.new(values)
        for name in ("csrf_token", "csp_nonce"):
            value = context.get(name)
            if value is not None:
                panel_context[name] = value
        template = context.template.engine.get_template(panel.template)
        parts.append(template.render(panel_context))
    return mark_safe("".join(parts))  # noqa: S308 - rendered templates
