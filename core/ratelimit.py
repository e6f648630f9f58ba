"""The site's own abuse limits, counted the way allauth counts sign-in attempts.

Anything that makes the site send an email to an address someone typed (a guest
booking, a new manage link), or that costs real work per request (the slots API
and the time picker), is limited per IP address and, where an address or an
account is involved, per address or per account. The rates are in
settings.ACCOUNT_RATE_LIMITS next to allauth's own (docs/operations.md), so one
place lists every limit; they count in the cache (config.cache.FallbackCache
keeps them counting while Redis is down).

allauth's public helper (`allauth.core.ratelimit.consume`) never limits GET
requests; the slots API is GET, so this calls the function behind it with
`limit_get=True`. allauth is pinned below 66 in pyproject.toml and
tests/core/test_ratelimit.py fails if that function changes shape.
"""

from allauth.core.internal import ratelimit as _allauth
from django.http import HttpRequest, HttpResponse


def allow(
    request: HttpRequest, *, action: str, key: str | None = None, user=None
) -> bool:
    """Count one use of `action`; False once a limit is reached (nothing counted).

    `key` (e.g. an email address, compared case-insensitively) is for rates "per
    key"; `user` for rates "per user" (default: the signed-in person).
    """
    if key is not None:
        key = key.strip().lower()
    usage = _allauth.consume(
        request,
        app="allauth.account",
        action=action,
        key=key,
        user=user,
        limit_get=True,
    )
    return usage is not None


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """The site's 429 page (config.urls.handler429), as allauth answers too."""
    return _allauth.respond_429(request)
