"""A practitioner's other calendars: add, remove and refresh them, and keep their
busy times (models.BusyTime) for the slot engine.

Each calendar is fetched safely (`safe_fetch`), parsed (`calendar_import`) and its
busy times for the booking window (plus a week, so that conditional requests
suffice for a while) replace the ones stored, in one transaction. A calendar that
fails keeps its last good busy times; after BOOKINGS_CALENDAR_FAILURES_TO_ALERT
failures in a row it shows as failing on the practitioner's calendar page and
agenda, and they get one email for that run of failures. Retries back off
(the refresh interval doubled per failure, at most BACKOFF_CAP).

The network is never used inside a transaction: fetch first, then lock the
practitioner's row and the calendar's (in that order, as every change to a
calendar does), re-read it and write. A read that changes the busy times, and a
removal, tell waiting clients of the times that opened (`waitlist`) and work out
the practitioner's next free time again (`next_free`) in the same transaction.
The beat job (`refresh_due_calendars`) only picks the calendars that are due and
queues one task for each, so one slow server delays nobody else.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from directory.models import Practitioner

from . import emails, next_free, waitlist
from .availability import policy_for
from .calendar_import import CalendarUnreadable, busy_intervals
from .models import BusyTime, ExternalCalendar
from .safe_fetch import FetchError, fetch, normalise_url

logger = logging.getLogger(__name__)

REFRESH_TASK = "bookings.tasks.refresh_external_calendar"
# Fetched beyond the booking window, so a week of 304 Not Modified answers keeps
# the window covered before a full fetch is needed again.
EXTRA_DAYS = 7
BACKOFF_CAP = timedelta(hours=6)
# A hand refresh this soon after the last check answers from what we have.
MANUAL_PAUSE = timedelta(seconds=30)


class CalendarError(Exception):
    """A change we refuse, with a message for the practitioner."""


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    changed: bool = False


def _refresh_every() -> timedelta:
    return timedelta(minutes=settings.BOOKINGS_CALENDAR_REFRESH_MINUTES)


def window(practitioner: Practitioner, now: datetime) -> tuple[datetime, datetime]:
    """The span whose busy times are kept: now to the end of the booking window
    and a week more."""
    days = policy_for(practitioner).max_advance_days + 1 + EXTRA_DAYS
    return now - timedelta(hours=1), now + timedelta(days=days)


def _needs_full_fetch(calendar: ExternalCalendar, now: datetime) -> bool:
    """Stored busy times no longer reach the end of the booking window (it moves
    on every day), so a 304 would not be enough."""
    if calendar.covered_until is None:
        return True
    days = policy_for(calendar.practitioner).max_advance_days + 1
    return calendar.covered_until < now + timedelta(days=days)


def _read(
    calendar: ExternalCalendar, *, url: str, now: datetime, conditional: bool
) -> tuple[bool, list[tuple[datetime, datetime]], str, str, datetime]:
    """Fetch and parse (no database). Returns (changed, busy, etag,
    last_modified, covered_until). Raises FetchError or CalendarUnreadable."""
    fetched = fetch(
        url,
        etag=calendar.etag if conditional else "",
        last_modified=calendar.last_modified if conditional else "",
    )
    start, end = window(calendar.practitioner, now)
    if not fetched.changed:
        return False, [], fetched.etag, fetched.last_modified, calendar.covered_until
    busy = busy_intervals(
        fetched.body,
        zone=calendar.practitioner.zone,
        start=start,
        end=end,
        limit=settings.BOOKINGS_CALENDAR_MAX_EVENTS,
    )
    return True, busy, fetched.etag, fetched.last_modified, end


# --- adding and removing ------------------------------------------------------------


def add_calendar(
    *,
    practitioner: Practitioner,
    name: str,
    url: str,
    now: datetime | None = None,
) -> ExternalCalendar:
    """Add a calendar, reading it at once: one that cannot be read is refused
    with the reason, and nothing is saved."""
    now = now or timezone.now()
    name = name.strip()
    try:
        url = normalise_url(url)
    except FetchError as error:
        raise CalendarError(str(error)) from error
    calendars = ExternalCalendar.objects.filter(practitioner=practitioner)
    limit = settings.BOOKINGS_CALENDARS_PER_PRACTITIONER
    if calendars.count() >= limit:
        raise CalendarError(
            f"You can connect up to {limit} calendars. Remove one to add another."
        )
    if calendars.filter(url=url).exists():
        raise CalendarError("You have already added this calendar.")
    calendar = ExternalCalendar(practitioner=practitioner, name=name, url=url)
    try:
        changed, busy, etag, last_modified, covered = _read(
            calendar, url=url, now=now, conditional=False
        )
    except (FetchError, CalendarUnreadable) as error:
        raise CalendarError(f"We could not read that calendar. {error}") from error
    with transaction.atomic():
        Practitioner.objects.select_for_update().get(pk=practitioner.pk)
        if ExternalCalendar.objects.filter(practitioner=practitioner).count() >= limit:
            raise CalendarError(
                f"You can connect up to {limit} calendars. Remove one to add another."
            )
        if ExternalCalendar.objects.filter(practitioner=practitioner, url=url).exists():
            raise CalendarError("You have already added this calendar.")
        calendar.save()
        _store_success(
            calendar,
            busy=busy,
            changed=changed,
            etag=etag,
            last_modified=last_modified,
            covered_until=covered,
            now=now,
        )
        next_free.refresh(practitioner, now=now)
    logger.info("calendar %s: added, %s busy times", calendar.pk, len(busy))
    return calendar


@transaction.atomic
def remove_calendar(*, calendar: ExternalCalendar, now: datetime | None = None) -> None:
    """Remove a calendar and its busy times; times they blocked open again."""
    now = now or timezone.now()
    Practitioner.objects.select_for_update().get(pk=calendar.practitioner_id)
    start, end = window(calendar.practitioner, now)
    watch = waitlist.watch_span(calendar.practitioner, start, end, now=now)
    pk = calendar.pk
    calendar.delete()
    watch.notify(occasion=f"calendar:{pk}:removed")
    next_free.refresh(calendar.practitioner_id, now=now)
    logger.info("calendar %s: removed", pk)


# --- refreshing ---------------------------------------------------------------------


def refresh_calendar(
    *, calendar_id: int, now: datetime | None = None, manual: bool = False
) -> Outcome:
    """Read one calendar again. Never raises for the calendar's own faults: a
    failure is recorded (and, after a few in a row, shown and emailed once)."""
    now = now or timezone.now()
    calendar = (
        ExternalCalendar.objects.select_related(
            "practitioner__booking_policy", "practitioner__user"
        )
        .filter(pk=calendar_id)
        .first()
    )
    if calendar is None:
        return Outcome(ok=False, message="That calendar has been removed.")
    if (
        manual
        and calendar.last_checked_at
        and now - calendar.last_checked_at < MANUAL_PAUSE
        and calendar.failures == 0
    ):
        return Outcome(ok=True, message=f"“{calendar.name}” was read moments ago.")
    conditional = not _needs_full_fetch(calendar, now)
    try:
        changed, busy, etag, last_modified, covered = _read(
            calendar, url=calendar.url, now=now, conditional=conditional
        )
    except (FetchError, CalendarUnreadable) as error:
        _store_failure(calendar_id, message=str(error), now=now)
        logger.info("calendar %s: could not be read", calendar_id)
        return Outcome(
            ok=False, message=f"We could not read “{calendar.name}”. {error}"
        )
    with transaction.atomic():
        # The practitioner first, then the calendar: the order of every change.
        Practitioner.objects.select_for_update().filter(
            pk=calendar.practitioner_id
        ).first()
        locked = (
            ExternalCalendar.objects.select_for_update(of=("self",))
            .select_related("practitioner__booking_policy", "practitioner__user")
            .filter(pk=calendar_id, url=calendar.url)
            .first()
        )
        if locked is None:
            return Outcome(ok=False, message="That calendar has been removed.")
        _store_success(
            locked,
            busy=busy,
            changed=changed,
            etag=etag,
            last_modified=last_modified,
            covered_until=covered,
            now=now,
        )
        if changed:
            next_free.refresh(locked.practitioner_id, now=now)
    if not changed:
        return Outcome(ok=True, message=f"“{calendar.name}” has not changed.")
    return Outcome(
        ok=True,
        changed=True,
        message=f"Read “{calendar.name}”: {len(busy)} busy "
        f"time{'' if len(busy) == 1 else 's'} in your booking window.",
    )


def _store_success(
    calendar: ExternalCalendar,
    *,
    busy: list[tuple[datetime, datetime]],
    changed: bool,
    etag: str,
    last_modified: str,
    covered_until: datetime | None,
    now: datetime,
) -> None:
    """Inside a transaction, with the practitioner's row locked and the
    calendar's saved or locked."""
    if changed:
        practitioner = calendar.practitioner
        start, end = window(practitioner, now)
        watch = waitlist.watch_span(practitioner, start, end, now=now)
        BusyTime.objects.filter(calendar=calendar).delete()
        BusyTime.objects.bulk_create(
            BusyTime(
                calendar=calendar,
                practitioner_id=calendar.practitioner_id,
                starts_at=starts_at,
                ends_at=ends_at,
            )
            for starts_at, ends_at in busy
        )
        calendar.busy_count = len(busy)
        calendar.covered_until = covered_until
        calendar.etag = etag
        calendar.last_modified = last_modified
        watch.notify(occasion=f"calendar:{calendar.pk}:{now:%Y%m%dT%H%M%S}")
    calendar.state = ExternalCalendar.State.OK
    calendar.last_checked_at = now
    calendar.last_success_at = now
    calendar.next_check_at = now + _refresh_every()
    calendar.failures = 0
    calendar.last_error = ""
    calendar.failing_since = None
    calendar.failure_emailed_at = None
    calendar.save()


@transaction.atomic
def _store_failure(calendar_id: int, *, message: str, now: datetime) -> None:
    calendar = (
        ExternalCalendar.objects.select_for_update(of=("self",))
        .select_related("practitioner__user")
        .filter(pk=calendar_id)
        .first()
    )
    if calendar is None:
        return
    calendar.failures += 1
    calendar.last_error = message[:300]
    calendar.failing_since = calendar.failing_since or now
    calendar.last_checked_at = now
    backoff = _refresh_every() * 2 ** min(calendar.failures - 1, 10)
    calendar.next_check_at = now + min(backoff, BACKOFF_CAP)
    if calendar.failures >= settings.BOOKINGS_CALENDAR_FAILURES_TO_ALERT:
        calendar.state = ExternalCalendar.State.FAILING
        if calendar.failure_emailed_at is None:
            emails.calendar_failing(calendar)
            calendar.failure_emailed_at = now
    calendar.save()


def refresh_due_calendars(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue a refresh for each calendar that is due (the beat job). Each is
    claimed by moving its next check on first, so overlapping runs queue it
    once; a lost task is simply due again one interval later."""
    now = now or timezone.now()
    due = list(
        ExternalCalendar.objects.filter(next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for pk in due:
        claimed = ExternalCalendar.objects.filter(pk=pk, next_check_at__lte=now).update(
            next_check_at=now + _refresh_every()
        )
        if claimed:
            queue_refresh(pk)
            queued += 1
    return queued


def queue_refresh(calendar_id: int) -> None:
    """Hand one calendar to a worker (by task name: tasks import this module)."""
    current_app.send_task(
        REFRESH_TASK,
        args=[calendar_id],
        expires=_refresh_every().total_seconds(),
        retry_policy={"max_retries": 0},
    )


def failing_calendars(practitioner: Practitioner) -> list[ExternalCalendar]:
    return list(
        ExternalCalendar.objects.filter(
            practitioner=practitioner, state=ExternalCalendar.State.FAILING
        )
    )
