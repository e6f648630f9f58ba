"""Every URL pattern of the site, walked from the URL conf, for the tests that must
cover each page without anyone listing it (the permission matrix, hostile input)."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter


@dataclass(frozen=True)
class Route:
    name: str  # "bookings:manage", or "" for an unnamed pattern
    pattern: str  # the route as written, e.g. "appointments/manage/<token:token>/"
    params: tuple[str, ...]  # the names of its parameters, in order
    int_params: frozenset[str]  # those that only take digits
    callback: object

    @property
    def module(self) -> str:
        view = getattr(self.callback, "view_class", None) or self.callback
        return getattr(view, "__module__", "")


def routes() -> Iterator[Route]:
    yield from _walk(get_resolver(), "", "", {})


def _walk(resolver: URLResolver, prefix: str, namespace: str, converters: dict):
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        found = {**converters, **getattr(pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = (
                    f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                )
            yield from _walk(entry, prefix + str(pattern), inner, found)
        elif isinstance(entry, URLPattern):
            regex = pattern.regex
            params = tuple(regex.groupindex)
            ints = frozenset(
                name for name in params if isinstance(found.get(name), IntConverter)
            )
            name = entry.name or ""
            if name and namespace:
                name = f"{namespace}:{name}"
            yield Route(name, prefix + str(pattern), params, ints, entry.callback)
