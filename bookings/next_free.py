"""The next free time of each practitioner, written into the directory's fields.

The directory shows "Next free: Tue 9 Dec, 10:00" on every result card and
profile, and filters "Free in the next 3 days", without importing bookings and
without a query per card: this module computes the time with the slot engine and
the booking page's own rules, and stores it in Practitioner.next_free_at, with
Practitioner.next_free_stale_at, the moment the answer stops holding:

- the time found, less the minimum notice: after that it cannot be booked;
- an hour on when nothing is free (the booking window moves on as time passes);
- "now" when something the answer depends on changed outside this app (a place
  of work deleted, a time zone changed): the directory marks it so itself.

Every write here that changes availability (a booking, a move, a cancellation,
hours, date overrides, time off, the booking rules, a service, another calendar's
busy times read or removed) recomputes the
practitioner's time in the same transaction, under the practitioner's row lock,
so it never reads a calendar another transaction is changing. A beat job
(`refresh_stale`) recomputes the answers whose time has passed. Pages show the
time only while it holds (Practitioner.next_free), so a late job shows nothing
rather than something wrong.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from directory.models import Practitioner

from .availability import local_today
from .models import (
    Booking,
    BookingPolicy,
    BusyTime,
    DateOverride,
    Service,
    TimeOff,
    WeeklyHours,
)
from .slots import Rules, Window, find_slots

BATCH = 500
# Nothing free: look again in an hour, as the booking window moves on.
RECHECK_WHEN_NONE = timedelta(hours=1)
# The beat job also takes answers about to go stale, so pages rarely see a gap.
AHEAD = timedelta(minutes=10)
# ... and starts no new batch after this long, so it ends well inside its time
# limits (bookings/tasks.py) and the worker's stop grace period; the next run
# goes on where it stopped.
BUDGET_SECONDS = 80
DEFAULT_POLICY = BookingPolicy()


def refresh(practitioner: Practitioner | int, *, now: datetime | None = None) -> None:
    """Recompute one practitioner's next free time, under their row lock (call it
    inside the transaction that changed their calendar)."""
    pk = practitioner if isinstance(practitioner, int) else practitioner.pk
    with transaction.atomic():
        locked = list(
            Practitioner.objects.select_for_update(of=("self",))
            .filter(pk=pk)
            .only("pk", "time_zone", "offers_online_booking")
        )
        _compute_and_store(locked, now or timezone.now())


def refresh_stale(
    *,
    now: datetime | None = None,
    batch: int = BATCH,
    budget_seconds: float = BUDGET_SECONDS,
) -> int:
    """Recompute every answer that no longer holds (or will not in a few
    minutes), batch by batch until none is left or `budget_seconds` have passed;
    returns how many. Rows another transaction is changing are skipped: that
    transaction recomputes them itself."""
    now = now or timezone.now()
    stop_at = time.monotonic() + budget_seconds
    due = Q(next_free_stale_at__lte=now + AHEAD) | Q(
        offers_online_booking=True, next_free_stale_at__isnull=True
    )
    done = 0
    last_pk = 0
    while True:
        if done and time.monotonic() >= stop_at:
            return done
        with transaction.atomic():
            rows = list(
                Practitioner.objects.select_for_update(skip_locked=True)
                .filter(due, pk__gt=last_pk)
                .order_by("pk")
                .only("pk", "time_zone", "offers_online_booking")[:batch]
            )
            if not rows:
                return done
            _compute_and_store(rows, now)
        done += len(rows)
        last_pk = rows[-1].pk


def refresh_all(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Recompute everyone (after loading data in bulk); returns how many."""
    now = now or timezone.now()
    ids = list(Practitioner.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            rows = list(
                Practitioner.objects.select_for_update()
                .filter(pk__in=ids[start : start + batch])
                .order_by("pk")
                .only("pk", "time_zone", "offers_online_booking")
            )
            _compute_and_store(rows, now)
    return len(ids)


def _compute_and_store(practitioners: list[Practitioner], now: datetime) -> None:
    found = compute(practitioners, now=now)
    if not found:
        return
    ids = list(found)
    table = Practitioner._meta.db_table
    # One statement for the whole batch.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS p SET next_free_at = v.next_free_at, "
            "next_free_stale_at = v.stale_at "
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) "
            "AS v(id, next_free_at, stale_at) WHERE p.id = v.id",
            [ids, [found[pk][0] for pk in ids], [found[pk][1] for pk in ids]],
        )


def compute(
    practitioners: Iterable[Practitioner], *, now: datetime
) -> dict[int, tuple[datetime | None, datetime | None]]:
    """{practitioner id: (next free time, when that answer stops holding)} for
    practitioners loaded with time_zone and offers_online_booking. Seven queries
    for the whole batch, then the slot engine in Python."""
    practitioners = list(practitioners)
    bookable = [p for p in practitioners if p.offers_online_booking]
    result: dict[int, tuple[datetime | None, datetime | None]] = {
        p.pk: (None, None) for p in practitioners if not p.offers_online_booking
    }
    if not bookable:
        return result
    data = _load([p.pk for p in bookable], now)
    for practitioner in bookable:
        result[practitioner.pk] = _first_free(practitioner, data, now)
    return result


class _Calendars:
    """The rows of a batch of practitioners, grouped by practitioner."""

    def __init__(self):
        self.policies: dict[int, BookingPolicy] = {}
        self.services: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.service_locations: dict[int, set[int]] = defaultdict(set)
        self.weekly: dict[int, list[tuple]] = defaultdict(list)
        self.overrides: dict[int, list[tuple]] = defaultdict(list)
        self.time_off: dict[int, list[tuple]] = defaultdict(list)
        self.busy: dict[int, list[tuple]] = defaultdict(list)


def _load(ids: list[int], now: datetime) -> _Calendars:
    data = _Calendars()
    for policy in BookingPolicy.objects.filter(practitioner_id__in=ids):
        data.policies[policy.practitioner_id] = policy
    for pk, practitioner_id, minutes in Service.objects.filter(
        practitioner_id__in=ids, is_active=True
    ).values_list("pk", "practitioner_id", "duration_minutes"):
        data.services[practitioner_id].append((pk, minutes))
    for service_id, location_id in Service.locations.through.objects.filter(
        service__practitioner_id__in=ids, service__is_active=True
    ).values_list("service_id", "location_id"):
        data.service_locations[service_id].add(location_id)
    for row in WeeklyHours.objects.filter(practitioner_id__in=ids).values_list(
        "practitioner_id", "weekday", "start_time", "end_time", "location_id"
    ):
        data.weekly[row[0]].append(row[1:])
    # Dates are local to each practitioner: a day either side covers every zone.
    today = now.date()
    for row in DateOverride.objects.filter(
        practitioner_id__in=ids, date__gte=today - timedelta(days=1)
    ).values_list("practitioner_id", "date", "start_time", "end_time", "location_id"):
        data.overrides[row[0]].append(row[1:])
    for row in TimeOff.objects.filter(
        practitioner_id__in=ids, ends_at__gt=now
    ).values_list("practitioner_id", "starts_at", "ends_at"):
        data.time_off[row[0]].append(row[1:])
    for row in (
        Booking.objects.active()
        .filter(practitioner_id__in=ids, blocked_ends_at__gt=now)
        .values_list("practitioner_id", "blocked_starts_at", "blocked_ends_at")
    ):
        data.busy[row[0]].append(row[1:])
    # Other calendars' busy times count like bookings, as on the booking page.
    for row in BusyTime.objects.filter(
        practitioner_id__in=ids, ends_at__gt=now
    ).values_list("practitioner_id", "starts_at", "ends_at"):
        data.busy[row[0]].append(row[1:])
    return data


def _offered(location_id: int | None, service_locations: set[int]) -> bool:
    """As the booking page has it (availability._offered): hours without a place
    suit every service; a service without places is offered wherever."""
    return (
        location_id is None or not service_locations or location_id in service_locations
    )


def _first_free(
    practitioner: Practitioner, data: _Calendars, now: datetime
) -> tuple[datetime | None, datetime]:
    pk = practitioner.pk
    policy = data.policies.get(pk, DEFAULT_POLICY)
    min_notice = timedelta(hours=policy.min_notice_hours)
    first_day = local_today(practitioner, now)
    horizon = (now + timedelta(days=policy.max_advance_days)).astimezone(
        practitioner.zone
    )
    best: datetime | None = None
    for service_id, minutes in data.services.get(pk, ()):
        places = data.service_locations.get(service_id, set())
        weekly: dict[int, list[Window]] = defaultdict(list)
        for weekday, start, end, location_id in data.weekly.get(pk, ()):
            if _offered(location_id, places):
                weekly[weekday].append(Window(start, end, location_id))
        # Any override replaces the day's weekly hours, even one elsewhere.
        overrides: dict = {}
        for day, start, end, location_id in data.overrides.get(pk, ()):
            windows = overrides.setdefault(day, [])
            if _offered(location_id, places):
                windows.append(Window(start, end, location_id))
        rules = Rules(
            zone=practitioner.zone,
            weekly=dict(weekly),
            overrides=overrides,
            time_off=data.time_off.get(pk, ()),
            busy=data.busy.get(pk, ()),
            buffer_before=policy.buffer_before,
            buffer_after=policy.buffer_after,
            interval=timedelta(minutes=policy.slot_interval_minutes),
            min_notice=min_notice,
            max_advance=timedelta(days=policy.max_advance_days),
        )
        if not rules.weekly and not any(rules.overrides.values()):
            continue
        day = first_day
        last_day = horizon.date()
        if best is not None:
            last_day = min(last_day, best.astimezone(practitioner.zone).date())
        while day <= last_day:
            slots = find_slots(
                rules,
                duration=timedelta(minutes=minutes),
                first_day=day,
                last_day=day,
                now=now,
            )
            if slots:
                if best is None or slots[0].starts_at < best:
                    best = slots[0].starts_at
                break
            day += timedelta(days=1)
    if best is None:
        return None, now + RECHECK_WHEN_NONE
    return best, best - min_notice
