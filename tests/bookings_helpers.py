"""A bookable practitioner for the bookings tests."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from tests.factories import (
    BookingPolicyFactory,
    PractitionerFactory,
    ServiceFactory,
    WeeklyHoursFactory,
)

LONDON = ZoneInfo("Europe/London")

NO_HEALTH_ISSUES = {"details": ""}


def bookable_service(*, hours=((9, 17),), duration=60, practitioner=None, **policy):
    """A listed practitioner working every day, with a policy and one service."""
    practitioner = practitioner or PractitionerFactory()
    BookingPolicyFactory(practitioner=practitioner, **policy)
    for weekday in range(7):
        for start, end in hours:
            WeeklyHoursFactory(
                practitioner=practitioner,
                weekday=weekday,
                start_time=time(start),
                end_time=time(end),
            )
    practitioner.offers_online_booking = True
    practitioner.save(update_fields=["offers_online_booking"])
    return ServiceFactory(practitioner=practitioner, duration_minutes=duration)


def future_day(days: int = 3) -> date:
    return timezone.now().astimezone(LONDON).date() + timedelta(days=days)


def london_at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def book(service, starts_at, *, name="Alex Client", email="alex@example.com", **kw):
    from bookings import services

    values = {
        "service": service,
        "starts_at": starts_at,
        "name": name,
        "email": email,
        "phone": "01273 123456",
        "intake": NO_HEALTH_ISSUES,
        "consent": True,
    }
    values.update(kw)
    return services.book_appointment(**values)
