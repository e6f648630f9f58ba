"""The directory's tag library: next free times, distances and directions."""

from datetime import datetime, time, timedelta

from django import template
from django.utils import timezone

from core import maps, pagecache

register = template.Library()


@register.filter
def next_free_label(practitioner, now: datetime | None = None) -> str:
    """ "Tue 9 Dec, 10:00" (or "Today, 14:30") in the practitioner's time zone;
    empty when there is no time to show. `now` (default: the clock's) lets a
    page of cards read the clock once."""
    now = now or timezone.now()
    moment: datetime | None = practitioner.next_free(now)
    if moment is None:
        return ""
    zone = practitioner.zone
    local = moment.astimezone(zone)
    today = now.astimezone(zone).date()
    # "Today" and "Tomorrow" move at midnight where the practitioner works.
    pagecache.valid_until(
        datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    )
    if local.date() == today:
        day = "Today"
    elif local.date() == today + timedelta(days=1):
        day = "Tomorrow"
    else:
        day = f"{local:%a} {local.day} {local:%b}"
    return f"{day}, {local:%H:%M}"


@register.filter
def miles(value: float | int | None) -> str:
    """ "1 mile", "0.4 miles", "12 miles"."""
    if value is None:
        return ""
    shown = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    shown = shown.removesuffix(".0")
    return f"{shown} mile" if shown == "1" else f"{shown} miles"


@register.filter
def directions_url(location) -> str:
    """OpenStreetMap's directions to a place of work (`core/maps.py`)."""
    return maps.directions_url(location.latitude, location.longitude)


@register.filter
def map_url(location) -> str:
    """OpenStreetMap centred on a place of work, with a marker."""
    return maps.map_url(location.latitude, location.longitude)
