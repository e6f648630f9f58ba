"""The waiting list for an earlier time: a client asks to be told when a time opens
with a practitioner, for a service, between two dates; when one does, the requests
are emailed in the order they were made, each once per opening, with a link
straight to that time. The first to book it gets it.

What counts as an opening is measured, not guessed: every change that can free
time (a booking cancelled, declined, lapsed, moved or left unpaid when its payment
hold is released; time off removed; hours added or changed; the booking policy; a
service saved; another calendar's busy time gone; staff edits of those in the
admin) takes a `Watch` before it writes and calls `Watch.notify()` after, inside
its transaction, with the practitioner's row locked first. The watch computes the
slots of the services people wait for before and after the change, with the slot
engine; the slots that exist only after are the opening. So a change that frees
nothing (a cancelled booking whose time is inside time off anyway) emails nobody,
and a request hears only of times that are free now. A practitioner nobody waits
for costs one query.

Requests end at their last day, when the client stops them (the link in every
email), or when they book that service; `forget_ended_requests` deletes them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from directory.models import Practitioner
from users.models import User

from . import emails
from .availability import bookable_days, compute_slots, local_today
from .models import Service, WaitlistRequest
from .slots import Slot

logger = logging.getLogger(__name__)


class WaitlistError(Exception):
    """A request we refuse, with a message for the person who asked."""


def _active(practitioner_id: int, today: date):
    return WaitlistRequest.objects.active(today).filter(practitioner_id=practitioner_id)


class Watch:
    """Slots before a change, to compare with the slots after it."""

    def __init__(
        self,
        practitioner: Practitioner,
        first_day: date | None = None,
        last_day: date | None = None,
        now: datetime | None = None,
    ):
        self.practitioner = practitioner
        self.now = now or timezone.now()
        today = local_today(practitioner, self.now)
        requests = _active(practitioner.pk, today)
        if first_day is not None:
            requests = requests.filter(last_day__gte=first_day)
        if last_day is not None:
            requests = requests.filter(first_day__lte=last_day)
        self.requests = list(requests.order_by("created_at", "pk"))
        self.before: dict[int, set[datetime]] = {}
        if not self.requests:
            return
        self.first_day = max(
            first_day or today, min(r.first_day for r in self.requests), today
        )
        self.last_day = max(r.last_day for r in self.requests)
        if last_day is not None:
            self.last_day = min(self.last_day, last_day)
        self.before = {
            service.pk: {slot.starts_at for slot in self._slots(service)}
            for service in self._services()
        }

    def _services(self) -> list[Service]:
        # Loaded afresh each time: a policy change shows only in the rows.
        ids = {request.service_id for request in self.requests}
        return list(Service.objects.bookable().filter(pk__in=ids))

    def _slots(self, service: Service) -> list[Slot]:
        return compute_slots(
            service=service,
            first_day=self.first_day,
            last_day=self.last_day,
            now=self.now,
        )

    def notify(self, *, occasion: str) -> int:
        """Email each request that an opening suits, in the order they were made.
        `occasion` names the change (e.g. `booking:42:cancelled`): a request gets
        one email per occasion. Returns how many were emailed."""
        if not self.requests:
            return 0
        openings: dict[int, list[Slot]] = {}
        for service in self._services():
            before = self.before.get(service.pk, set())
            openings[service.pk] = [
                slot for slot in self._slots(service) if slot.starts_at not in before
            ]
        zone = self.practitioner.zone
        told = 0
        for request in self.requests:
            suitable = [
                slot
                for slot in openings.get(request.service_id, [])
                if request.first_day
                <= slot.starts_at.astimezone(zone).date()
                <= request.last_day
            ]
            if not suitable:
                continue
            if emails.waitlist_opening(request, slot=suitable[0], occasion=occasion):
                told += 1
                WaitlistRequest.objects.filter(pk=request.pk).update(
                    notified_count=request.notified_count + 1,
                    last_notified_at=self.now,
                )
        if told:
            logger.info(
                "practitioner %s: %s waiting-list requests told of an opening (%s)",
                self.practitioner.pk,
                told,
                occasion,
            )
        return told


def watch_booking_time(booking, now: datetime | None = None) -> Watch:
    """A watch over the days a booking's (buffered) time touches."""
    practitioner = booking.practitioner
    zone = practitioner.zone
    return Watch(
        practitioner,
        booking.blocked_starts_at.astimezone(zone).date(),
        booking.blocked_ends_at.astimezone(zone).date(),
        now=now,
    )


def watch_span(
    practitioner: Practitioner,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime | None = None,
) -> Watch:
    zone = practitioner.zone
    return Watch(
        practitioner,
        starts_at.astimezone(zone).date(),
        ends_at.astimezone(zone).date(),
        now=now,
    )


# --- joining and leaving ------------------------------------------------------------


def active_count(email: str, *, today: date | None = None) -> int:
    today = today or timezone.localdate()
    return (
        WaitlistRequest.objects.filter(email__iexact=email.strip())
        .filter(ended_at__isnull=True, last_day__gte=today - timedelta(days=1))
        .count()
    )


@transaction.atomic
def join_waitlist(
    *,
    service: Service,
    name: str,
    email: str,
    first_day: date,
    last_day: date,
    user: User | None = None,
    now: datetime | None = None,
) -> WaitlistRequest:
    """Ask to be told when a time opens between two dates. One request per
    address and service: asking again changes its dates. Raises WaitlistError."""
    now = now or timezone.now()
    practitioner = service.practitioner
    today = local_today(practitioner, now)
    if first_day > last_day:
        raise WaitlistError("The last day must not be before the first day.")
    if last_day < today:
        raise WaitlistError("Those days have passed. Please choose days to come.")
    # The last bookable day: today + the booking window, on the practitioner's clock.
    _, horizon = bookable_days(service, today, date.max, now)
    if first_day > horizon:
        raise WaitlistError(
            f"{practitioner.display_name} takes online bookings up to "
            f"{horizon:%-d %B %Y}. Please choose days until then."
        )
    first_day, last_day = max(first_day, today), min(last_day, horizon)
    email = email.strip()
    existing = (
        WaitlistRequest.objects.select_for_update()
        .filter(service=service, email__iexact=email, ended_at__isnull=True)
        .filter(last_day__gte=today)
        .first()
    )
    if existing is None:
        limit = settings.BOOKINGS_WAITLIST_MAX_ACTIVE
        if active_count(email, today=today) >= limit:
            raise WaitlistError(
                f"This email address is already waiting for {limit} times, the "
                "most we keep. Stop one with the link in its emails, then ask again."
            )
        request = WaitlistRequest(service=service, practitioner=practitioner)
    else:
        request = existing
    request.name = name.strip()
    request.email = email
    request.first_day = first_day
    request.last_day = last_day
    if user is not None and user.is_authenticated:
        request.client = user
    request.save()
    emails.waitlist_joined(request, renewed=existing is not None)
    return request


def leave_waitlist(*, request: WaitlistRequest, now: datetime | None = None) -> bool:
    """Stop a request (the link in its emails). False if it had already ended."""
    return bool(
        WaitlistRequest.objects.filter(pk=request.pk, ended_at__isnull=True).update(
            ended_at=now or timezone.now()
        )
    )


def end_for_booking(*, service: Service, email: str, now: datetime) -> int:
    """The client booked this service: their wait for it is over."""
    return WaitlistRequest.objects.filter(
        service=service, email__iexact=email.strip(), ended_at__isnull=True
    ).update(ended_at=now)


def forget_ended_requests(*, now: datetime | None = None) -> int:
    """Delete requests whose last day has passed or that were stopped a while
    ago (the daily job): an email address is kept only while it is needed."""
    now = now or timezone.now()
    # A day's margin: the last day is a local date, and zones run ahead of UTC.
    yesterday = now.date() - timedelta(days=1)
    keep_stopped = now - timedelta(days=settings.BOOKINGS_WAITLIST_KEEP_DAYS)
    deleted, _ = WaitlistRequest.objects.filter(
        Q(last_day__lt=yesterday) | Q(ended_at__lt=keep_stopped)
    ).delete()
    return deleted


def waiting_by_service(practitioner: Practitioner, today: date) -> dict[int, int]:
    """How many requests wait for each of a practitioner's services."""
    counts: dict[int, int] = defaultdict(int)
    for service_id in _active(practitioner.pk, today).values_list(
        "service_id", flat=True
    ):
        counts[service_id] += 1
    return dict(counts)
