"""Loads one practitioner's rules from the database, once, for the slot engine.

`compute_slots` runs one query (weekly hours, date overrides, time off, and the
bookings together with the busy times of the practitioner's other calendars, as
one statement) whatever the number of bookings, given a service loaded with
`select_related("practitioner__booking_policy")`.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
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


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


@functools.cache
def _rules_sql() -> str:
    """One statement for every row the engine needs: weekly hours, the overrides
    of the days asked for, time off and the busy times (active bookings' buffered
    time and other calendars' events), each row tagged with its kind.

    Written as SQL and built once per process: compiling the same four queries
    through the ORM took about as long as the slot engine itself on the slots
    API's hot path (docs/benchmarks.md, "Where the slots JSON's time goes").
    """
    through = Service.locations.through
    t, service, location = (
        _table(through),
        _column(through, "service"),
        _column(through, "location"),
    )

    def offered(alias: str) -> str:
        # Hours without a location suit every service; a service without
        # locations is offered wherever the practitioner works.
        return (
            f"({alias}.location_id IS NULL"
            f" OR {alias}.location_id IN"
            f" (SELECT {location} FROM {t} WHERE {service} = %(service)s)"
            f" OR NOT EXISTS (SELECT 1 FROM {t} WHERE {service} = %(service)s))"
        )

    def spans(kind: int, model, start: str, end: str, extra: str = "") -> str:
        return (
            f"SELECT {kind}, NULL, NULL, NULL, NULL, NULL, NULL,"
            f" x.{start}, x.{end} FROM {_table(model)} x"
            " WHERE x.practitioner_id = %(practitioner)s"
            f" AND x.{start} < %(span_end)s AND x.{end} > %(span_start)s{extra}"
        )

    none = "NULL::timestamptz, NULL::timestamptz"
    return " UNION ALL ".join(
        [
            f"SELECT {KIND_WEEKLY}, h.weekday, NULL::date, h.start_time, h.end_time,"
            f" h.location_id, TRUE, {none} FROM {_table(WeeklyHours)} h"
            " WHERE h.practitioner_id = %(practitioner)s"
            f" AND {offered('h')}",
            f"SELECT {KIND_OVERRIDE}, NULL, o.date, o.start_time, o.end_time,"
            f" o.location_id, {offered('o')}, {none} FROM {_table(DateOverride)} o"
            " WHERE o.practitioner_id = %(practitioner)s"
            " AND o.date >= %(first_day)s AND o.date <= %(last_day)s",
            spans(KIND_TIME_OFF, TimeOff, "starts_at", "ends_at"),
            spans(
                KIND_BUSY,
                Booking,
                "blocked_starts_at",
                "blocked_ends_at",
                " AND x.status = ANY(%(statuses)s)"
                " AND (%(exclude)s::bigint IS NULL OR x.id <> %(exclude)s::bigint)",
            ),
            spans(KIND_BUSY, BusyTime, "starts_at", "ends_at"),
        ]
    )


KIND_WEEKLY, KIND_OVERRIDE, KIND_TIME_OFF, KIND_BUSY = range(4)


def load_rules(
    *,
    service: Service,
    first_day: date,
    last_day: date,
    exclude_booking_id: int | None = None,
) -> Rules:
    practitioner = service.practitioner
    policy = policy_for(practitioner)
    # A day's slots and their buffers stay within a day either side of it.
    span_start, span_end = day_bounds(practitioner, first_day, last_day)
    with connection.cursor() as cursor:
        cursor.execute(
            _rules_sql(),
            {
                "practitioner": practitioner.pk,
                "service": service.pk,
                "first_day": first_day,
                "last_day": last_day,
                "span_start": span_start - timedelta(days=1),
                "span_end": span_end + timedelta(days=1),
                "statuses": list(Booking.ACTIVE_STATUSES),
                "exclude": exclude_booking_id,
            },
        )
        rows = cursor.fetchall()

    weekly: dict[int, list[Window]] = defaultdict(list)
    overrides: dict[date, list[Window]] = {}
    time_off, busy = [], []
    for kind, weekday, day, start, end, location_id, offered, since, until in rows:
        if kind == KIND_WEEKLY:
            weekly[weekday].append(Window(start, end, location_id))
        elif kind == KIND_OVERRIDE:
            # Any override replaces the day's weekly hours, even one at a location
            # where this service is not offered: that day the practitioner works
            # elsewhere.
            windows = overrides.setdefault(day, [])
            if offered:
                windows.append(Window(start, end, location_id))
        elif kind == KIND_TIME_OFF:
            time_off.append((since, until))
        else:
            busy.append((since, until))

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


# A day no practitioner's insurance is dated: it marks, among the parameters of
# the compiled "listed" test, the one that is today's date.
_LISTED_ON = date(1900, 1, 1)


@functools.cache
def _bookable_service_sql() -> tuple[str, tuple, int, list[tuple[type, list[str]]]]:
    """The SQL of `Service.objects.bookable()` for one service of one practitioner,
    built once per process: the SQL, its parameters, the position of today's date
    among them, and the models and field names of its columns in order.

    Who is listed stays `PractitionerQuerySet.listed`'s to say: its SQL is compiled
    here once, with a marker day in place of today.
    """
    listed, params = (
        Practitioner.objects.listed(_LISTED_ON).order_by().values("pk").query
    ).sql_with_params()
    if list(params).count(_LISTED_ON) != 1:
        raise ValueError("The listed practitioners' query changed shape.")
    today_at = list(params).index(_LISTED_ON)
    parts, selects = [], []
    for model, alias in ((Service, "s"), (Practitioner, "p"), (BookingPolicy, "b")):
        fields = model._meta.concrete_fields
        selects += [f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields]
        parts.append((model, [f.attname for f in fields]))
    policy_key = _column(BookingPolicy, "practitioner")
    sql = (
        f"SELECT {', '.join(selects)} FROM {_table(Service)} s"
        f" JOIN {_table(Practitioner)} p ON p.id = s.{_column(Service, 'practitioner')}"
        f" LEFT JOIN {_table(BookingPolicy)} b ON b.{policy_key} = p.id"
        f" WHERE s.id = %s AND p.{_column(Practitioner, 'slug')} = %s"
        f" AND s.{_column(Service, 'is_active')} AND p.id IN ({listed})"
    )
    return sql, tuple(params), today_at, parts


def bookable_service(pk: int, slug: str, today: date | None = None) -> Service | None:
    """`Service.objects.bookable().filter(pk=pk, practitioner__slug=slug).first()`,
    the practitioner and their policy (or its absence) loaded with it, without
    compiling the query for every request (the slots API's hot path)."""
    sql, listed_params, today_at, parts = _bookable_service_sql()
    listed_params = list(listed_params)
    listed_params[today_at] = today or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, slug, *listed_params])
        row = cursor.fetchone()
    if row is None:
        return None
    loaded, at = [], 0
    for model, names in parts:
        values = row[at : at + len(names)]
        at += len(names)
        loaded.append(model.from_db(connection.alias, names, values))
    service, practitioner, policy = loaded
    if policy.pk is None:
        policy = None  # no row: policy_for gives the defaults
    # As select_related leaves them: no query to reach either.
    Service.practitioner.field.set_cached_value(service, practitioner)
    Practitioner.booking_policy.related.set_cached_value(practitioner, policy)
    if policy is not None:
        BookingPolicy.practitioner.field.set_cached_value(policy, practitioner)
    return service
