"""The slot engine: bookable start times from a practitioner's rules. Pure Python.

Nothing here touches the database. `bookings.availability` loads the rows once and
hands them over as a `Rules`; this module only computes, so it can be tested (and
timed) without PostgreSQL.

Time rules
----------
Working hours are wall-clock times in the practitioner's IANA zone. Each day is
expanded in that zone on its own calendar date and only then converted to UTC, so a
clock change moves the UTC instants, never the local times:

* the start-time grid is laid in wall-clock time from the start of each range
  (09:00, 09:15, ...), one start per wall-clock time;
* a wall-clock time that does not exist that day (the skipped hour in spring) is
  not offered; a wall-clock time that happens twice (the repeated hour in autumn)
  is offered once, at its first occurrence; a range edge inside the skipped hour
  is the moment the clocks jump;
* the appointment must fit inside the range in real elapsed time (a 60-minute
  service needs 60 real minutes before the range ends).

Intervals are half-open, [start, end): a booking until 10:00 leaves 10:00 free.
Each booking holds its buffered time [start - buffer before, end + buffer after);
a new slot's buffered time must not meet any existing booking's buffered time.
Buffers may fall outside working hours; the appointment itself may not. Time off
removes working time, so an appointment may not touch it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Window:
    """A range of working wall-clock time, optionally at one location."""

    start: time
    end: time
    location_id: int | None = None


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC
    location_id: int | None = None


@dataclass(frozen=True)
class Rules:
    """Everything the engine needs about one practitioner, for one service.

    ``weekly`` maps a weekday (Monday is 0) to its windows. ``overrides`` maps a
    date to the windows that replace that day's weekly hours; a date present with
    no windows is closed. ``time_off`` and ``busy`` are (start, end) pairs of aware
    datetimes; ``busy`` holds the buffered time of active bookings and the busy
    times of the practitioner's other calendars.
    """

    zone: ZoneInfo
    weekly: Mapping[int, Sequence[Window]] = field(default_factory=dict)
    overrides: Mapping[date, Sequence[Window]] = field(default_factory=dict)
    time_off: Sequence[tuple[datetime, datetime]] = ()
    busy: Sequence[tuple[datetime, datetime]] = ()
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    interval: timedelta = timedelta(minutes=15)
    min_notice: timedelta = timedelta(0)
    max_advance: timedelta = timedelta(days=60)


class _Intervals:
    """Sorted, merged half-open intervals with an O(log n) overlap test."""

    def __init__(self, pairs: Iterable[tuple[datetime, datetime]]):
        merged: list[list[datetime]] = []
        for start, end in sorted(pairs):
            if end <= start:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [start for start, _ in merged]
        self.ends = [end for _, end in merged]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        # The last interval starting before `end` is the only one that can meet
        # [start, end), because merged intervals do not overlap each other.
        i = bisect_right(self.starts, end) - 1
        while i >= 0 and self.starts[i] == end:
            i -= 1
        return i >= 0 and self.ends[i] > start


def local_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time on a date, or None if it does not exist.

    An ambiguous time (the repeated hour in autumn) gives its first occurrence.
    """
    naive = datetime.combine(day, wall)
    aware = naive.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return instant


def _boundary_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """Like local_to_utc, but a range edge inside a skipped hour becomes the moment
    the clocks jump (a range "until 01:30" on a spring-forward night ends at 01:00)."""
    instant = local_to_utc(day, wall, zone)
    if instant is not None:
        return instant
    naive = datetime.combine(day, wall)
    # In a gap, fold=1 reads the wall time with the later offset: an instant just
    # before the jump. Walk to the jump; only on clock-change nights, under 2 hours.
    instant = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    while instant.astimezone(zone).replace(tzinfo=None) < naive:
        instant += timedelta(minutes=1)
    return instant


def _merge_windows(windows: Iterable[Window]) -> list[Window]:
    """Join touching or overlapping ranges at the same location."""
    merged: list[Window] = []
    for window in sorted(
        windows, key=lambda w: (w.location_id is None, w.location_id or 0, w.start)
    ):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.location_id == window.location_id
            and window.start <= last.end
        ):
            merged[-1] = Window(last.start, max(last.end, window.end), last.location_id)
        else:
            merged.append(window)
    return merged


def windows_on(rules: Rules, day: date) -> list[Window]:
    if day in rules.overrides:
        return _merge_windows(rules.overrides[day])
    return _merge_windows(rules.weekly.get(day.weekday(), ()))


def find_slots(
    rules: Rules,
    *,
    duration: timedelta,
    first_day: date,
    last_day: date,
    now: datetime,
) -> list[Slot]:
    """Bookable slots for a service of `duration`, from first_day to last_day.

    Days are the practitioner's local calendar dates, both included. The result is
    sorted by start time and holds each start time once.
    """
    if duration <= timedelta(0) or rules.interval <= timedelta(0):
        raise ValueError("duration and interval must be positive")
    zone = rules.zone
    earliest = now + rules.min_notice
    latest = now + rules.max_advance
    time_off = _Intervals(rules.time_off)
    busy = _Intervals(rules.busy)
    before, after = rules.buffer_before, rules.buffer_after

    found: dict[datetime, Slot] = {}
    day = first_day
    while day <= last_day:
        for window in windows_on(rules, day):
            window_start = _boundary_to_utc(day, window.start, zone)
            window_end = _boundary_to_utc(day, window.end, zone)
            wall = datetime.combine(day, window.start)
            last_wall = datetime.combine(day, window.end)
            if window_end - window_start == last_wall - wall:
                # No clock change inside the window (one would stretch or shrink
                # it by an hour), so wall times and instants step together: no
                # time zone arithmetic per slot, the common case by far.
                starts_at = window_start
                while starts_at < window_end:
                    ends_at = starts_at + duration
                    if ends_at > window_end or starts_at > latest:
                        break
                    if (
                        starts_at >= earliest
                        and not time_off.overlaps(starts_at, ends_at)
                        and not busy.overlaps(starts_at - before, ends_at + after)
                        and starts_at not in found
                    ):
                        found[starts_at] = Slot(starts_at, ends_at, window.location_id)
                    starts_at += rules.interval
                continue
            while wall < last_wall:
                starts_at = local_to_utc(day, wall.time(), zone)
                wall += rules.interval
                if starts_at is None:
                    continue  # this wall-clock time does not exist today
                ends_at = starts_at + duration
                # Existing wall times map to ever later instants (first occurrence
                # of a repeated hour), so once one does not fit, none after it does.
                if ends_at > window_end or starts_at > latest:
                    break
                if starts_at < window_start or starts_at < earliest:
                    continue
                if time_off.overlaps(starts_at, ends_at):
                    continue
                if busy.overlaps(starts_at - before, ends_at + after):
                    continue
                if starts_at not in found:
                    found[starts_at] = Slot(starts_at, ends_at, window.location_id)
        day += ONE_DAY
    return sorted(found.values(), key=lambda slot: slot.starts_at)


def is_bookable(
    rules: Rules, *, duration: timedelta, starts_at: datetime, now: datetime
) -> Slot | None:
    """The slot starting exactly at `starts_at`, if the rules offer it."""
    local_day = starts_at.astimezone(rules.zone).date()
    for slot in find_slots(
        rules, duration=duration, first_day=local_day, last_day=local_day, now=now
    ):
        if slot.starts_at == starts_at:
            return slot
    return None
