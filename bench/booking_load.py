"""Real bookings under load: the last POST of the booking flow, on distinct slots.

The flow keeps what a client typed in their session (name, email, phone, the
chosen time) and books when they POST the health questions. Each prepared POST has
a session of its own holding such a draft, written the way the details step
writes it, a CSRF cookie and token, and a free slot no other prepared POST
overlaps: every one that arrives books through `book_appointment` (practitioner
lock, re-check, booking, intake, outbox rows, the kick to the broker).

Everything a run writes is marked (client emails @LOAD_DOMAIN, session keys
starting with LOAD_SESSION_PREFIX) and removed afterwards, so the scale data stays
as generated.
"""

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from bookings.availability import compute_slots, local_today, policy_for
from bookings.forms import format_start
from bookings.models import Booking, HealthIntake, Service
from bookings.views import DRAFT_KEY
from directory.models import Practitioner
from notifications.models import OutboundEmail
from users.models import Session

from .scale import BUSY_SLUG

LOAD_DOMAIN = "load.bench.example"
LOAD_SESSION_PREFIX = "benchload"
FORM = "application/x-www-form-urlencoded"
# After the fortnight the slot benchmarks time, and inside the 60 days ahead a
# practitioner takes bookings by default.
FIRST_DAY, LAST_DAY = 15, 58


@dataclass(frozen=True)
class BookingPost:
    slug: str
    service_id: int
    starts_at: datetime
    path: str
    cookie: str
    body: str


def _services(practitioners: int) -> list[Service]:
    services = (
        Service.objects.filter(
            is_active=True, practitioner__in=Practitioner.objects.listed()
        )
        .exclude(practitioner__slug=BUSY_SLUG)
        .select_related("practitioner__booking_policy")
        .order_by("practitioner__slug", "pk")
    )
    first = {}
    for service in services:
        first.setdefault(service.practitioner_id, service)
        if len(first) == practitioners:
            break
    return list(first.values())


def _apart(service: Service, count: int) -> list:
    """Up to `count` free slots of the service, none overlapping another (buffers
    included), so that every one of them can be booked."""
    practitioner = service.practitioner
    policy = policy_for(practitioner)
    today = local_today(practitioner)
    chosen, blocked_until = [], None
    for slot in compute_slots(
        service=service,
        first_day=today + timedelta(days=FIRST_DAY),
        last_day=today + timedelta(days=LAST_DAY),
    ):
        if blocked_until is None or slot.starts_at - policy.buffer_before >= (
            blocked_until
        ):
            chosen.append(slot)
            blocked_until = slot.ends_at + policy.buffer_after
            if len(chosen) == count:
                break
    return chosen


def prepare(count: int, practitioners: int = 100) -> list[BookingPost]:
    """`count` booking POSTs (fewer if the slots run out), spread over the first
    `practitioners` listed ones in turn, so some land on a practitioner another
    request has just locked."""
    services = _services(practitioners)
    per_service = -(-count // max(1, len(services)))
    slots = {service: _apart(service, per_service) for service in services}
    turns = itertools.zip_longest(*(slots[s] for s in services))
    chosen = [
        (service, slot)
        for turn in turns
        for service, slot in zip(services, turn, strict=True)
        if slot is not None
    ][:count]

    request = HttpRequest()
    token = get_token(request)
    csrf_cookie = f"{settings.CSRF_COOKIE_NAME}={request.META['CSRF_COOKIE']}"
    body = urlencode(
        {
            "csrfmiddlewaretoken": token,
            **{field: "no" for field, _ in HealthIntake.QUESTIONS},
            "details": "",
            "consent": "on",
        }
    )
    store = Session.get_session_store_class()()
    expires = timezone.now() + timedelta(days=1)
    sessions, posts = [], []
    for n, (service, slot) in enumerate(chosen):
        key = LOAD_SESSION_PREFIX + get_random_string(
            32 - len(LOAD_SESSION_PREFIX), "abcdefghijklmnopqrstuvwxyz0123456789"
        )
        draft = {
            "service": service.pk,
            "start": format_start(slot.starts_at),
            "name": f"Load Client {n}",
            "email": f"client{n}@{LOAD_DOMAIN}",
            "phone": "07700 900000",
        }
        sessions.append(
            Session(
                session_key=key,
                session_data=store.encode({DRAFT_KEY: draft}),
                expire_date=expires,
            )
        )
        slug = service.practitioner.slug
        posts.append(
            BookingPost(
                slug=slug,
                service_id=service.pk,
                starts_at=slot.starts_at,
                path=reverse(
                    "bookings:health", kwargs={"slug": slug, "service_id": service.pk}
                ),
                cookie=f"{settings.SESSION_COOKIE_NAME}={key}; {csrf_cookie}",
                body=body,
            )
        )
    Session.objects.bulk_create(sessions, batch_size=1000)
    return posts


def post_and_undo(posts: list[BookingPost]):
    """The booking POST through the test client (CSRF checked), rolled back each
    time so the slot and the session's draft are there for the next run."""
    client = Client(enforce_csrf_checks=True)

    def post(i: int):
        entry = posts[i % len(posts)]
        with transaction.atomic():
            response = client.post(
                entry.path, entry.body, content_type=FORM, HTTP_COOKIE=entry.cookie
            )
            transaction.set_rollback(True)
        location = response.get("Location", "")
        if response.status_code != 302 or "/book/done/" not in location:
            raise RuntimeError(
                f"The booking POST to {entry.path} answered "
                f"{response.status_code} {location}"
            )

    return post


def booked() -> int:
    return Booking.objects.filter(client_email__endswith=f"@{LOAD_DOMAIN}").count()


def remove() -> int:
    """Delete what booking runs wrote: bookings, their intake and outbox rows, and
    the prepared sessions. Returns the number of bookings removed."""
    bookings = Booking.objects.filter(client_email__endswith=f"@{LOAD_DOMAIN}")
    ids = list(bookings.values_list("pk", flat=True))
    with transaction.atomic():
        OutboundEmail.objects.filter(
            related_key__in=[f"booking:{pk}" for pk in ids]
        ).delete()
        HealthIntake.objects.filter(booking_id__in=ids).delete()
        Booking.objects.filter(pk__in=ids).delete()
        Session.objects.filter(session_key__startswith=LOAD_SESSION_PREFIX).delete()
    return len(ids)


def purge_broker_queue() -> int | None:
    """Drop the delivery tasks the bookings queued: the bench settings send them to
    a queue of their own that no worker reads. None if the broker did not answer."""
    from config.celery import app

    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", None)
    if queue is None:
        return None  # a queue workers read: never emptied from here
    try:
        with app.connection_for_write() as connection:
            return connection.default_channel.queue_purge(queue) or 0
    except Exception:  # whatever the broker client raises: nothing to clean then
        return None
