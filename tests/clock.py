"""The site's wall clock for tests: practitioners, courses and emails speak
Europe/London time."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

LONDON = ZoneInfo("Europe/London")


def london(year, month, day, hour=0, minute=0) -> datetime:
    """An aware datetime on the Europe/London wall clock."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def london_at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def future_day(days: int = 3) -> date:
    return timezone.now().astimezone(LONDON).date() + timedelta(days=days)
