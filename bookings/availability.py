"""Loads one practitioner's rules from the database, once, for the slot engine.

`compute_slots` runs four queries (weekly hours, date overrides, time off, and the
bookings together with the busy times of the practitioner's other calendars)
whatever the number of bookings, given a service loaded with
`select_related("practitioner__booking_policy")`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from directory.models import Practitioner

from .models import (
    Booking,
    BookingPolicy,
    BusyTime,
    DateOverride,
    Service,
    TimeOff,
    WeeklyHours,
)
from .slots import Rules, Slot, Window, find_slots


def policy_for(practitioner: Practitioner) -> BookingPolicy:
    """The practitioner's policy, or the defaults (unsaved) if they never set one."""
    try:
        return practitioner.booking_policy
    except BookingPolicy.DoesNotExist:
        return BookingPolicy(practitioner=practitioner)


def local_today(practitioner: Practitioner, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(practitioner.zone).date()


def day_bounds(practitioner: Practitioner, first_day: date, last_day: date):
    """UTC instants of local midnight before first_day and after last_day."""
    zone = practitioner.zone
    start = datetime.combine(first_day, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end.astimezone(UTC)


def bookable_days(
    service: Service, first_day: date, last_day: date, now: datetime
) -> tuple[date, date]:
    """Clamp a date range to today .. the end of the advance-booking window."""
    practitioner = service.practitioner
    policy = policy_for(practitioner)
    today = local_today(practitioner, now)
    horizon = (now + timedelta(days=policy.max_advance_days)).astimezone(
        practitioner.zone
    )
    return max(first_day, today), min(last_day, horizon.date())


def _offered(service: Service, model: type[WeeklyHours | DateOverride]) -> RawSQL:
    """True for hours at a location where the service is offered.

    Hours without a location suit every service; a service without locations is
    offered wherever the practitioner works. Written as SQL: the same test as ORM
    expressions took longer to compile than the query takes to run, on the slots
    page's hot path.
    """
    through = Service.locations.through._meta
    table = connection.ops.quote_name(through.db_table)
    service_column = connection.ops.quote_name(through.get_field("service").column)
    location_column = connection.ops.quote_name(through.get_field("location").column)
    hours_location = "{}.{}".format(
        connection.ops.quote_name(model._meta.db_table),
        connection.ops.quote_name(model._meta.get_field("location").column),
    )
    sql = (
        f"{hours_location} IS NULL"
        f" OR {hours_location} IN"
        f" (SELECT {location_column} FROM {table} WHERE {service_column} = %s)"
        f" OR NOT EXISTS (SELECT 1 FROM {table} WHERE {service_column} = %s)"
    )
    return RawSQL(sql, (service.pk, service.pk), output_field=BooleanField())


def load_rules(
    *,
    service: Service,
    first_day: date,
    last_day: date,
    exclude_booking_id: int | None = None,
) -> Rules:
    practitioner = service.practitioner
    policy = policy_for(practitioner)

    weekly: dict[int, list[Window]] = defaultdict(list)
    for weekday, start, end, location_id in (
        WeeklyHours.objects.filter(practitioner_id=practitioner.pk)
        .annotate(offered=_offered(service, WeeklyHours))
        .filter(offered=True)
        .order_by()
        .values_list("weekday", "start_time", "end_time", "location_id")
    ):
        weekly[weekday].append(Window(start, end, location_id))

    # Any override replaces the day's weekly hours, even one at a location where
    # this service is not offered: that day the practitioner works elsewhere.
    overrides: dict[date, list[Window]] = {}
    for day, start, end, location_id, is_offered in (
        DateOverride.objects.filter(
            practitioner_id=practitioner.pk, date__gte=first_day, date__lte=last_day
        )
        .annotate(offered=_offered(service, DateOverride))
        .order_by()
        .values_list("date", "start_time", "end_time", "location_id", "offered")
    ):
        windows = overrides.setdefault(day, [])
        if is_offered:
            windows.append(Window(start, end, location_id))

    # A day's slots and their buffers stay within a day either side of it.
    span_start, span_end = day_bounds(practitioner, first_day, last_day)
    span_start -= timedelta(days=1)
    span_end += timedelta(days=1)
    time_off = list(
        TimeOff.objects.filter(
            practitioner_id=practitioner.pk,
            starts_at__lt=span_end,
            ends_at__gt=span_start,
        )
        .order_by()
        .values_list("starts_at", "ends_at")
    )
    bookings = (
        Booking.objects.active()
        .filter(practitioner_id=practitioner.pk)
        .overlapping(span_start, span_end)
        .order_by()
    )
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    # Other calendars' busy times count like bookings (one query for both).
    calendars = (
        BusyTime.objects.filter(
            practitioner_id=practitioner.pk,
            starts_at__lt=span_end,
            ends_at__gt=span_start,
        )
        .order_by()
        .values_list("starts_at", "ends_at")
    )
    busy = list(
        bookings.values_list("blocked_starts_at", "blocked_ends_at")
        .union(calendars, all=True)
        .order_by()  # a union takes the model's ordering back; the engine sorts
    )

    return Rules(
        zone=practitioner.zone,
        weekly=dict(weekly),
        overrides=overrides,
        time_off=time_off,
        busy=busy,
        buffer_before=policy.buffer_before,
        buffer_after=policy.buffer_after,
        interval=timedelta(minutes=policy.slot_interval_minutes),
        min_notice=timedelta(hours=policy.min_notice_hours),
        max_advance=timedelta(days=policy.max_advance_days),
    )


def compute_slots(
    *,
    service: Service,
    first_day: date,
    last_day: date,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
) -> list[Slot]:
    """Bookable slots of a service between two local dates (both included)."""
    now = now or timezone.now()
    first_day, last_day = bookable_days(service, first_day, last_day, now)
    if first_day > last_day:
        return []
    rules = load_rules(
        service=service,
        first_day=first_day,
        last_day=last_day,
        exclude_booking_id=exclude_booking_id,
    )
    return find_slots(
        rules,
        duration=service.duration,
        first_day=first_day,
        last_day=last_day,
        now=now,
    )
