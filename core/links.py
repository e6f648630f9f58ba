"""Addresses on this site for places away from it: emails and calendar files."""

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` (as `reverse` or `get_absolute_url` give it) as a full address on
    SITE_URL, with no doubled slash whether or not SITE_URL ends in one."""
    return settings.SITE_URL.rstrip("/") + path


def site_host() -> str:
    """SITE_URL's host (with its port, if it names one): the domain of calendar
    events' UIDs and of the Sites record."""
    return urlsplit(settings.SITE_URL).netloc or "localhost"
