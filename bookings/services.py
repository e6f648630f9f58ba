"""Writes to bookings: make, move, cancel and review appointments; edit availability.

Every booking write locks the practitioner row first, so concurrent bookings of one
practitioner queue up and each re-checks the slot against what the others committed.
The exclusion constraint `booking_no_overlap` is the last line if anything slips by.
The lock order is practitioner, booking, then the booking's checkouts and ledger
rows (payments takes the first two through lock_for_payments before its own).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import timezone

from core.db import constraint_name
from core.formatting import format_when
from directory.models import Location, Practitioner
from payments import services as payments
from payments.money import pence
from payments.providers import ProviderError
from payments.registry import Refused
from users.models import User

from . import billing, emails, next_free, waitlist
from .availability import load_rules, policy_for
from .models import (
    ERASED_CLIENT_EMAIL,
    Booking,
    BookingPolicy,
    CalendarFeed,
    DateOverride,
    HealthIntake,
    Service,
    TimeOff,
    Weekday,
    WeeklyHours,
    new_token,
)
from .slots import Slot, is_bookable

OVERLAP_CONSTRAINT = "booking_no_overlap"


class BookingError(Exception):
    """A change we refuse, with a message for the person who asked."""


class SlotTaken(BookingError):
    """Someone else holds (part of) that time."""

    def __init__(self, message: str = "Sorry, that time was just taken."):
        super().__init__(message)


# --- reads the services and the pages share -----------------------------------


def client_change_deadline(booking: Booking) -> datetime:
    """Until when the client may cancel or move the booking online."""
    policy = policy_for(booking.practitioner)
    return booking.starts_at - timedelta(hours=policy.cancellation_cutoff_hours)


def can_be_cancelled(booking: Booking) -> bool:
    """Still pending or confirmed: the practitioner and staff may cancel it at any
    time, the client until the cut-off (client_can_change)."""
    return booking.status in Booking.CHANGEABLE_STATUSES


def client_can_change(booking: Booking, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return can_be_cancelled(booking) and now <= client_change_deadline(booking)


def client_can_cancel(booking: Booking, *, now: datetime | None = None) -> bool:
    """Like client_can_change; a booking paid online may also be cancelled after
    the cut-off, until it starts, keeping the deposit (billing.refund_on_cancel)."""
    now = now or timezone.now()
    if client_can_change(booking, now=now):
        return True
    return (
        can_be_cancelled(booking)
        and booking.online_amount_pence > 0
        and now < booking.starts_at
        and billing.paid(booking) > 0
    )


def approval_problem(booking: Booking, *, now: datetime | None = None) -> str | None:
    """Why the practitioner cannot approve `booking` now, or None. The agenda offers
    approve and decline together, while this is None."""
    if booking.status != Booking.Status.PENDING:
        return "Only a booking waiting for review can be approved."
    if booking.starts_at <= (now or timezone.now()):
        return "This appointment time has passed."
    return None


def decline_problem(booking: Booking) -> str | None:
    """Why the practitioner cannot decline `booking`, or None."""
    if booking.status != Booking.Status.PENDING:
        return "Only a booking waiting for review can be declined."
    return None


# The statuses attendance is recorded from: one recorded can still be corrected.
ATTENDANCE_STATUSES = [
    Booking.Status.CONFIRMED,
    Booking.Status.COMPLETED,
    Booking.Status.NO_SHOW,
]


def attendance_problem(booking: Booking, *, now: datetime | None = None) -> str | None:
    """Why the practitioner cannot record whether the client came, or None."""
    if booking.status not in ATTENDANCE_STATUSES:
        return "Only a confirmed appointment can be marked this way."
    if booking.starts_at > (now or timezone.now()):
        return "This appointment has not started yet."
    return None


def is_new_client(*, practitioner: Practitioner, user: User | None = None) -> bool:
    """True unless a signed-in client had a confirmed or completed appointment here.

    A guest is always new: anyone can type a regular's email address, only the
    account shows who is booking.
    """
    if user is None or not user.is_authenticated:
        return True
    return not (
        Booking.objects.filter(practitioner=practitioner, client=user)
        .filter(status__in=[Booking.Status.CONFIRMED, Booking.Status.COMPLETED])
        .exists()
    )


def check_start_time(
    *,
    service: Service,
    starts_at: datetime,
    now: datetime | None = None,
    exclude_booking_id: int | None = None,
) -> Slot:
    """The slot of `service` starting at `starts_at`, or a BookingError saying why not.

    Re-checks on the server everything the slot picker showed: notice, window,
    working hours, time off, the start-time grid and other bookings.
    """
    now = now or timezone.now()
    if starts_at.tzinfo is None:
        raise BookingError("That time is not valid. Please choose one of the times.")
    practitioner = service.practitioner
    policy = policy_for(practitioner)
    if starts_at <= now:
        raise BookingError("That time has already passed. Please choose another.")
    if starts_at < now + timedelta(hours=policy.min_notice_hours):
        raise BookingError(
            f"{practitioner.display_name} needs at least "
            f"{policy.min_notice_hours} hours' notice for online bookings. "
            "Please choose a later time."
        )
    if starts_at > now + timedelta(days=policy.max_advance_days):
        raise BookingError(
            f"{practitioner.display_name} takes online bookings up to "
            f"{policy.max_advance_days} days ahead. Please choose an earlier date."
        )
    day = starts_at.astimezone(practitioner.zone).date()
    rules = load_rules(
        service=service,
        first_day=day,
        last_day=day,
        exclude_booking_id=exclude_booking_id,
    )
    duration = service.duration
    slot = is_bookable(rules, duration=duration, starts_at=starts_at, now=now)
    if slot is not None:
        return slot
    if is_bookable(
        replace(rules, busy=()), duration=duration, starts_at=starts_at, now=now
    ):
        raise SlotTaken()
    raise BookingError(
        f"{practitioner.display_name} does not offer that time for this service. "
        "Please choose one of the times shown."
    )


def _lock_practitioner(practitioner_id: int) -> Practitioner:
    # Concurrent bookings of one practitioner queue here, one at a time.
    return Practitioner.objects.select_for_update().get(pk=practitioner_id)


def _lock_practitioner_of(booking_pk: int) -> None:
    """Lock the booking's practitioner before the booking itself. Every change to a
    calendar takes the practitioner's row first and the booking's second (and
    next_free.refresh takes the practitioner's again), so two changes to one
    booking, say a payment arriving as its hold is released, queue instead of
    deadlocking. A booking's practitioner never changes, so it is read unlocked."""
    practitioner_id = (
        Booking.objects.filter(pk=booking_pk)
        .values_list("practitioner_id", flat=True)
        .first()
    )
    if practitioner_id is not None:
        _lock_practitioner(practitioner_id)


def lock_for_payments(*, booking_pk: int) -> None:
    """Lock the booking's practitioner, then the booking, for the rest of the
    transaction. Payments calls this (through BookingPayments.lock) before it
    locks the booking's checkout or ledger rows, so a payment or an expiry
    arriving from the card provider takes the calendar's order, practitioner,
    booking, checkout, as releasing a hold and cancelling do."""
    _lock_practitioner_of(booking_pk)
    Booking.objects.select_for_update().filter(pk=booking_pk).values_list(
        "pk", flat=True
    ).first()


def _save_holding_time(booking: Booking) -> None:
    """Save, turning a lost race caught by the exclusion constraint into SlotTaken."""
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as error:
        if constraint_name(error) == OVERLAP_CONSTRAINT:
            raise SlotTaken() from error
        raise


def _stamp_status(booking: Booking, status: str, now: datetime) -> None:
    booking.status = status
    booking.status_changed_at = now


# --- booking, by clients --------------------------------------------------------


@transaction.atomic
def book_appointment(
    *,
    service: Service,
    starts_at: datetime,
    name: str,
    email: str,
    phone: str,
    intake: Mapping[str, object],
    consent: bool,
    user: User | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book a slot. Confirmed at once, or pending review when the health answers
    flag a contraindication or the practitioner approves new clients first."""
    if not consent:
        raise BookingError("Please confirm your consent to book.")
    now = now or timezone.now()
    practitioner = _lock_practitioner(service.practitioner_id)
    service = (
        Service.objects.select_related("practitioner__booking_policy")
        .filter(pk=service.pk, practitioner=practitioner)
        .first()
    )
    if service is None or not service.is_active or not practitioner.is_listed:
        raise BookingError("This service cannot be booked online at the moment.")
    slot = check_start_time(service=service, starts_at=starts_at, now=now)

    answers = {
        field: bool(intake.get(field, False)) for field, _ in HealthIntake.QUESTIONS
    }
    details = str(intake.get("details", "") or "").strip()
    flagged = any(answers.values())
    policy = policy_for(service.practitioner)
    needs_review = flagged or (
        policy.new_clients_need_approval
        and is_new_client(practitioner=practitioner, user=user)
    )
    money = billing.terms(service)
    if money.pays_online:
        # Held for the client while they pay; the emails wait for the payment.
        status = Booking.Status.AWAITING_PAYMENT
    elif needs_review:
        status = Booking.Status.PENDING
    else:
        status = Booking.Status.CONFIRMED
    booking = Booking(
        practitioner=practitioner,
        service=service,
        location_id=slot.location_id,
        client=user if user is not None and user.is_authenticated else None,
        client_name=name.strip(),
        client_email=email.strip(),
        client_phone=phone.strip(),
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        blocked_starts_at=slot.starts_at - policy.buffer_before,
        blocked_ends_at=slot.ends_at + policy.buffer_after,
        status=status,
        status_changed_at=now,
        online_amount_pence=money.online,
        deposit_pence=money.deposit,
        needs_review=needs_review,
        hold_expires_at=(
            now + timedelta(minutes=settings.BOOKINGS_PAYMENT_HOLD_MINUTES)
            if money.pays_online
            else None
        ),
    )
    _save_holding_time(booking)
    HealthIntake.objects.create(
        booking=booking, **answers, details=details, consent_given_at=now
    )
    if status == Booking.Status.PENDING:
        emails.booking_requested(booking)
    elif status == Booking.Status.CONFIRMED:
        emails.booking_confirmed(booking)
    waitlist.end_for_booking(service=service, email=booking.client_email, now=now)
    next_free.refresh(practitioner, now=now)
    return booking


# --- paying online ----------------------------------------------------------------


def start_payment(*, booking: Booking, now: datetime | None = None) -> str:
    """The address where the client pays for a booking held for payment. Raises
    BookingError when there is nothing to pay now, or the card provider cannot be
    reached (the hold stays until it lapses)."""
    now = now or timezone.now()
    if booking.status != Booking.Status.AWAITING_PAYMENT:
        raise BookingError("There is nothing to pay for this appointment now.")
    if booking.hold_expires_at <= now:
        raise BookingError(
            "The time was held for you for "
            f"{settings.BOOKINGS_PAYMENT_HOLD_MINUTES} minutes and that has passed. "
            "Please choose a time again."
        )
    service = booking.service
    page = billing.client_page(booking)
    confirmation = reverse(
        "bookings:confirmation", kwargs={"token": booking.manage_token}
    )
    kind = "deposit" if booking.online_amount_pence < pence(service.price) else "full"
    try:
        checkout = payments.start_checkout(
            reference=billing.reference(booking),
            purpose=kind,
            description=f"{service.name} with {booking.practitioner.display_name}, "
            f"{format_when(booking.starts_at, booking.practitioner.zone)}"
            + (" (deposit)" if kind == "deposit" else ""),
            amount_pence=booking.online_amount_pence,
            success_url=confirmation,
            cancel_url=confirmation if booking.client_id is None else page,
            hold_until=booking.hold_expires_at,
            payer=booking.client,
            payer_email=booking.client_email,
            now=now,
        )
    except ProviderError as error:
        raise BookingError(str(error)) from error
    return checkout.url


@transaction.atomic
def take_payment(*, booking_pk: int, now: datetime) -> Refused | None:
    """Money for a booking arrived (payments calls this in the transaction that
    records it). A held booking becomes confirmed, or waits for review. When the
    hold had lapsed the time is taken again if it is still free; if someone else
    has it, or the booking was cancelled, the payment is refused and refunded."""
    booking = Booking.objects.filter(pk=booking_pk).first()
    if booking is None:
        return Refused("We could not find the appointment this payment was for.")
    _lock_practitioner(booking.practitioner_id)
    locked = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("service", "practitioner__booking_policy")
        .get(pk=booking_pk)
    )
    when = format_when(locked.starts_at, locked.practitioner.zone)
    if locked.status in {Booking.Status.CANCELLED, Booking.Status.DECLINED}:
        return Refused(
            f"Your payment arrived after your appointment ({when}) was "
            f"{locked.get_status_display().lower()}."
        )
    if locked.status == Booking.Status.UNPAID:
        if locked.starts_at <= now:
            return Refused(f"Your payment arrived after the time of {when} had passed.")
        locked.status = Booking.Status.AWAITING_PAYMENT
        try:
            _save_holding_time(locked)
        except SlotTaken:
            return Refused(
                f"The time you chose, {when}, was held for you while you paid, but "
                "the hold ran out before your payment arrived and someone else has "
                "booked it since."
            )
    if locked.status != Booking.Status.AWAITING_PAYMENT:
        return None  # already paid for: a further payment is simply recorded
    status = Booking.Status.PENDING if locked.needs_review else Booking.Status.CONFIRMED
    _stamp_status(locked, status, now)
    locked.hold_expires_at = None
    locked.save(
        update_fields=["status", "status_changed_at", "hold_expires_at", "updated_at"]
    )
    if status == Booking.Status.PENDING:
        emails.booking_requested(locked)
    else:
        emails.booking_confirmed(locked)
    # A lapsed hold paid for late takes its time again.
    next_free.refresh(locked.practitioner_id, now=now)
    return None


def release_unpaid_holds(*, now: datetime | None = None) -> int:
    """Free the times held for payments that did not come. Each in its own
    transaction, re-checked under its lock: a second run, or a payment arriving
    at that moment, changes a booking once. Returns how many were released."""
    now = now or timezone.now()
    due = Booking.objects.filter(
        status=Booking.Status.AWAITING_PAYMENT, hold_expires_at__lte=now
    ).values_list("pk", flat=True)
    return sum(release_hold(booking_pk=pk, now=now, only_due=True) for pk in list(due))


@transaction.atomic
def release_hold(*, booking_pk: int, now: datetime, only_due: bool = False) -> int:
    """The client gave up paying (or ran out of time): the held time is free
    again and any checkout still open is closed."""
    _lock_practitioner_of(booking_pk)
    locked = (
        Booking.objects.select_for_update(skip_locked=True)
        .filter(pk=booking_pk, status=Booking.Status.AWAITING_PAYMENT)
        .first()
    )
    if locked is None or (only_due and locked.hold_expires_at > now):
        return 0
    watch = waitlist.watch_booking_time(locked, now=now)
    _stamp_status(locked, Booking.Status.UNPAID, now)
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    payments.expire_checkouts(reference=billing.reference(locked), now=now)
    watch.notify(occasion=f"booking:{locked.pk}:unpaid")
    next_free.refresh(locked.practitioner_id, now=now)
    return 1


def _refund(booking: Booking, *, amount: int, reason: str, now: datetime) -> int:
    """Inside the change's transaction: close any open checkout and refund. A card
    provider that cannot be reached undoes the change (BookingError)."""
    try:
        payments.expire_checkouts(reference=billing.reference(booking), now=now)
        payments.refund_reference(
            reference=billing.reference(booking),
            amount_pence=amount,
            reason=reason,
            now=now,
        )
    except (ProviderError, payments.PaymentError) as error:
        raise BookingError(
            "We could not refund the payment just now, so nothing was changed. "
            "Please try again in a few minutes."
        ) from error
    return amount


@transaction.atomic
def reschedule_booking(
    *, booking: Booking, starts_at: datetime, now: datetime | None = None
) -> Booking:
    """Move a booking to another free slot of the same service, inside the policy."""
    now = now or timezone.now()
    _lock_practitioner(booking.practitioner_id)
    locked = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("service__practitioner__booking_policy", "practitioner")
        .get(pk=booking.pk)
    )
    if not client_can_change(locked, now=now):
        raise BookingError(too_late_message(locked, now=now))
    if starts_at == locked.starts_at:
        raise BookingError("That is already the time of your appointment.")
    slot = check_start_time(
        service=locked.service,
        starts_at=starts_at,
        now=now,
        exclude_booking_id=locked.pk,
    )
    policy = policy_for(locked.practitioner)
    watch = waitlist.watch_booking_time(locked, now=now)
    previous_starts_at = locked.starts_at
    locked.starts_at = slot.starts_at
    locked.ends_at = slot.ends_at
    locked.blocked_starts_at = slot.starts_at - policy.buffer_before
    locked.blocked_ends_at = slot.ends_at + policy.buffer_after
    locked.location_id = slot.location_id
    # The client's calendar entry changes: its next .ics replaces the old one.
    locked.calendar_sequence += 1
    _save_holding_time(locked)
    emails.booking_rescheduled(locked, previous_starts_at=previous_starts_at)
    watch.notify(occasion=f"booking:{locked.pk}:moved:{locked.calendar_sequence}")
    next_free.refresh(locked.practitioner_id, now=now)
    return locked


# --- the guest's manage link ---------------------------------------------------------


def manage_link_expires_at(booking: Booking) -> datetime:
    """BOOKING_MANAGE_LINK_DAYS after the appointment ends, or after the link was
    last issued if that is later (a new link asked for by email)."""
    start = max(booking.ends_at, booking.manage_token_issued_at)
    return start + timedelta(days=settings.BOOKING_MANAGE_LINK_DAYS)


def manage_link_expired(booking: Booking, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= manage_link_expires_at(booking)


def manage_link_shows_health(booking: Booking, *, now: datetime | None = None) -> bool:
    """Health answers are on the manage link only until the appointment is over;
    the signed-in client still sees them in their account and data download."""
    if booking.status in (Booking.Status.COMPLETED, Booking.Status.NO_SHOW):
        return False
    return (now or timezone.now()) < booking.ends_at


@transaction.atomic
def send_new_manage_link(*, booking: Booking, now: datetime | None = None) -> bool:
    """Replace an expired manage link and email the new one to the address the
    booking was made with. Returns False (and changes nothing) while the current
    link still works, or for a client who deleted their account."""
    now = now or timezone.now()
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if not manage_link_expired(locked, now=now) or not locked.client_email:
        return False
    if locked.client_email == ERASED_CLIENT_EMAIL:
        return False
    locked.manage_token = new_token()
    locked.manage_token_issued_at = now
    locked.save(update_fields=["manage_token", "manage_token_issued_at", "updated_at"])
    emails.new_manage_link(locked)
    booking.manage_token = locked.manage_token
    booking.manage_token_issued_at = now
    return True


def too_late_message(booking: Booking, *, now: datetime | None = None) -> str:
    if booking.status not in Booking.CHANGEABLE_STATUSES:
        return f"This appointment is {booking.get_status_display().lower()}."
    if booking.starts_at <= (now or timezone.now()):
        when = "The time of this appointment has passed, so it can no longer"
    else:
        when = "It is too close to the appointment, so it can no longer"
    return (
        f"{when} be changed online. Please contact "
        f"{booking.practitioner.display_name} directly."
    )


@transaction.atomic
def cancel_booking(
    *,
    booking: Booking,
    cancelled_by: str,
    reason: str = "",
    now: datetime | None = None,
) -> Booking:
    """Cancel. Clients only before the cut-off (or, for a booking paid online, until
    it starts, keeping the deposit); practitioners always, with a reason. What
    was paid online is refunded as billing.refund_on_cancel says."""
    now = now or timezone.now()
    if cancelled_by not in Booking.CancelledBy.values:
        raise BookingError("Unknown canceller.")
    _lock_practitioner_of(booking.pk)
    locked = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("practitioner__booking_policy", "service")
        .get(pk=booking.pk)
    )
    if not can_be_cancelled(locked):
        raise BookingError(too_late_message(locked))
    reason = reason.strip()
    if cancelled_by == Booking.CancelledBy.CLIENT:
        if not client_can_cancel(locked, now=now):
            raise BookingError(too_late_message(locked, now=now))
    elif not reason:
        raise BookingError("Please tell the client why you are cancelling.")
    refund = billing.refund_on_cancel(locked, cancelled_by=cancelled_by, now=now)
    watch = waitlist.watch_booking_time(locked, now=now)
    _refund(
        locked,
        amount=refund,
        reason={
            Booking.CancelledBy.CLIENT: "You cancelled the appointment.",
            Booking.CancelledBy.PRACTITIONER: f"{locked.practitioner.display_name} "
            "cancelled the appointment.",
            Booking.CancelledBy.STAFF: "We cancelled the appointment.",
        }[cancelled_by],
        now=now,
    )
    _stamp_status(locked, Booking.Status.CANCELLED, now)
    locked.cancelled_by = cancelled_by
    locked.status_reason = reason
    locked.calendar_sequence += 1  # the cancellation's .ics removes the entry
    locked.save(
        update_fields=[
            "status",
            "status_changed_at",
            "cancelled_by",
            "status_reason",
            "calendar_sequence",
            "updated_at",
        ]
    )
    emails.booking_cancelled(locked, cancelled_by=cancelled_by, reason=reason)
    watch.notify(occasion=f"booking:{locked.pk}:cancelled")
    next_free.refresh(locked.practitioner_id, now=now)
    return locked


# --- reviewing, by practitioners -----------------------------------------------


def _lock_booking(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("practitioner", "service")
        .get(pk=booking.pk)
    )


@transaction.atomic
def approve_booking(*, booking: Booking, now: datetime | None = None) -> Booking:
    now = now or timezone.now()
    locked = _lock_booking(booking)
    if problem := approval_problem(locked, now=now):
        raise BookingError(problem)
    _stamp_status(locked, Booking.Status.CONFIRMED, now)
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    emails.booking_confirmed(locked)
    return locked


@transaction.atomic
def decline_booking(
    *, booking: Booking, reason: str = "", now: datetime | None = None
) -> Booking:
    now = now or timezone.now()
    _lock_practitioner_of(booking.pk)
    locked = _lock_booking(booking)
    if problem := decline_problem(locked):
        raise BookingError(problem)
    watch = waitlist.watch_booking_time(locked, now=now)
    _refund(
        locked,
        amount=billing.paid(locked),
        reason=f"{locked.practitioner.display_name} could not accept the booking.",
        now=now,
    )
    _stamp_status(locked, Booking.Status.DECLINED, now)
    locked.status_reason = reason.strip()
    locked.save(
        update_fields=["status", "status_changed_at", "status_reason", "updated_at"]
    )
    emails.booking_declined(locked, reason=locked.status_reason)
    watch.notify(occasion=f"booking:{locked.pk}:declined")
    next_free.refresh(locked.practitioner_id, now=now)
    return locked


@transaction.atomic
def record_attendance(
    *, booking: Booking, status: str, now: datetime | None = None
) -> Booking:
    """Mark a confirmed appointment that has started as completed or a no-show."""
    now = now or timezone.now()
    if status not in (Booking.Status.COMPLETED, Booking.Status.NO_SHOW):
        raise BookingError("Choose completed or no-show.")
    locked = _lock_booking(booking)
    if problem := attendance_problem(locked, now=now):
        raise BookingError(problem)
    if locked.status != status:
        _stamp_status(locked, status, now)
        locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    return locked


def save_private_note(*, booking: Booking, note: str) -> Booking:
    booking.practitioner_note = note.strip()
    booking.save(update_fields=["practitioner_note", "updated_at"])
    return booking


# --- availability, by practitioners ----------------------------------------------


def refresh_online_booking(*, practitioner: Practitioner) -> bool:
    """Keep Practitioner.offers_online_booking true exactly when clients can book:
    at least one active service and some weekly hours. The prices the directory
    shows follow the active services too (refresh_prices)."""
    has_services = refresh_prices(practitioner=practitioner)
    offers = (
        has_services and WeeklyHours.objects.filter(practitioner=practitioner).exists()
    )
    if practitioner.offers_online_booking != offers:
        Practitioner.objects.filter(pk=practitioner.pk).update(
            offers_online_booking=offers
        )
        practitioner.offers_online_booking = offers
    return offers


def refresh_prices(*, practitioner: Practitioner) -> bool:
    """The profile's and the card's "from £x to £y", derived from the active
    services so they never contradict the services listed on the same page.
    Without active services the practitioner's own figures stay, and are theirs to
    edit again. True when the practitioner has active services."""
    prices = Service.objects.filter(
        practitioner=practitioner, is_active=True
    ).aggregate(low=Min("price"), high=Max("price"))
    low, high = prices["low"], prices["high"]
    if low is None:
        fields = {"prices_from_services": False}
    else:
        fields = {
            "price_from": low,
            "price_to": high if high > low else None,
            "prices_from_services": True,
        }
    if any(getattr(practitioner, name) != value for name, value in fields.items()):
        Practitioner.objects.filter(pk=practitioner.pk).update(**fields)
        for name, value in fields.items():
            setattr(practitioner, name, value)
    return low is not None


@transaction.atomic
def save_service(
    *, service: Service, locations: Iterable[Location] | None = None
) -> Service:
    if locations is not None:
        foreign = [
            loc for loc in locations if loc.practitioner_id != service.practitioner_id
        ]
        if foreign:
            raise BookingError("Choose only your own locations.")
    # Switched back on, shorter, offered at more places: times may open.
    _lock_practitioner(service.practitioner_id)
    watch = waitlist.Watch(service.practitioner)
    service.save()
    if locations is not None:
        service.locations.set(locations)
    refresh_online_booking(practitioner=service.practitioner)
    watch.notify(occasion=f"service:{service.pk}:{timezone.now():%Y%m%dT%H%M%S%f}")
    next_free.refresh(service.practitioner_id)
    return service


def _check_own_location(practitioner: Practitioner, location: Location | None) -> None:
    if location is not None and location.practitioner_id != practitioner.pk:
        raise BookingError("Choose one of your own locations.")


def _check_range(start_time: time, end_time: time) -> None:
    if start_time >= end_time:
        raise BookingError("The end time must be after the start time.")


def overlapping_ranges(ranges, start_time: time, end_time: time) -> list:
    """Ranges (with start_time/end_time) that overlap [start_time, end_time)."""
    return [r for r in ranges if r.start_time < end_time and start_time < r.end_time]


@transaction.atomic
def add_weekly_hours(
    *,
    practitioner: Practitioner,
    weekday: int,
    start_time: time,
    end_time: time,
    location: Location | None = None,
) -> WeeklyHours:
    _check_range(start_time, end_time)
    _check_own_location(practitioner, location)
    _lock_practitioner(practitioner.pk)
    same_day = WeeklyHours.objects.filter(practitioner=practitioner, weekday=weekday)
    if clash := overlapping_ranges(same_day, start_time, end_time):
        raise BookingError(f"That overlaps your hours {clash[0]}.")
    watch = waitlist.Watch(practitioner)
    hours = WeeklyHours.objects.create(
        practitioner=practitioner,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        location=location,
    )
    refresh_online_booking(practitioner=practitioner)
    watch.notify(occasion=f"hours:{hours.pk}:added")
    next_free.refresh(practitioner)
    return hours


@transaction.atomic
def change_weekly_hours(
    *,
    hours: WeeklyHours,
    start_time: time,
    end_time: time,
    location: Location | None = None,
) -> WeeklyHours:
    """Change one range in place; it may not overlap the day's other ranges."""
    _check_range(start_time, end_time)
    _check_own_location(hours.practitioner, location)
    practitioner = _lock_practitioner(hours.practitioner_id)
    others = WeeklyHours.objects.filter(
        practitioner=practitioner, weekday=hours.weekday
    ).exclude(pk=hours.pk)
    if clash := overlapping_ranges(others, start_time, end_time):
        raise BookingError(f"That overlaps your hours {clash[0]}.")
    watch = waitlist.Watch(practitioner)
    hours.start_time, hours.end_time, hours.location = start_time, end_time, location
    hours.save(update_fields=["start_time", "end_time", "location"])
    watch.notify(occasion=f"hours:{hours.pk}:changed:{start_time:%H%M}-{end_time:%H%M}")
    next_free.refresh(practitioner)
    return hours


@dataclass(frozen=True)
class DayChange:
    """What copying hours does to one day: its ranges before and after."""

    weekday: int
    label: str
    before: list[str]
    after: list[str]


def _ranges_by_day(practitioner: Practitioner) -> dict[int, list[WeeklyHours]]:
    days: dict[int, list[WeeklyHours]] = {value: [] for value, _ in Weekday.choices}
    for hours in WeeklyHours.objects.filter(practitioner=practitioner).select_related(
        "location"
    ):
        days[hours.weekday].append(hours)
    for ranges in days.values():
        ranges.sort(key=lambda r: r.start_time)
    return days


def _range_label(hours: WeeklyHours) -> str:
    where = f" at {hours.location.name}" if hours.location else ""
    return f"{hours.start_time:%H:%M}–{hours.end_time:%H:%M}{where}"


def copy_problem(*, practitioner: Practitioner, from_weekday: int) -> str | None:
    """Why the hours of `from_weekday` cannot be copied, or None."""
    if not WeeklyHours.objects.filter(
        practitioner=practitioner, weekday=from_weekday
    ).exists():
        day = Weekday(from_weekday).label
        return (
            f"You have no hours on {day} to copy. Add them first, or remove the "
            "hours of the days you want closed."
        )
    return None


def hours_copy_changes(
    *, practitioner: Practitioner, from_weekday: int, to_weekdays: Iterable[int]
) -> list[DayChange]:
    """What copying would change, day by day, for the confirmation page."""
    days = _ranges_by_day(practitioner)
    after = [_range_label(h) for h in days[from_weekday]]
    return [
        DayChange(
            weekday=day,
            label=Weekday(day).label,
            before=[_range_label(h) for h in days[day]],
            after=after,
        )
        for day in sorted(set(to_weekdays))
        if day != from_weekday
    ]


@transaction.atomic
def copy_weekly_hours(
    *, practitioner: Practitioner, from_weekday: int, to_weekdays: Iterable[int]
) -> list[WeeklyHours]:
    """Give other days the same hours as `from_weekday`, replacing theirs."""
    targets = sorted({day for day in to_weekdays if day != from_weekday})
    if not targets:
        raise BookingError("Choose at least one other day to copy the hours to.")
    _lock_practitioner(practitioner.pk)
    if problem := copy_problem(practitioner=practitioner, from_weekday=from_weekday):
        raise BookingError(problem)
    watch = waitlist.Watch(practitioner)
    source = list(
        WeeklyHours.objects.filter(practitioner=practitioner, weekday=from_weekday)
    )
    WeeklyHours.objects.filter(practitioner=practitioner, weekday__in=targets).delete()
    copies = WeeklyHours.objects.bulk_create(
        WeeklyHours(
            practitioner=practitioner,
            weekday=day,
            start_time=hours.start_time,
            end_time=hours.end_time,
            location_id=hours.location_id,
        )
        for day in targets
        for hours in source
    )
    refresh_online_booking(practitioner=practitioner)
    days = "".join(str(day) for day in targets)
    watch.notify(occasion=f"hours:copied:{from_weekday}:{days}:{copies[0].pk}")
    next_free.refresh(practitioner)
    return copies


def appointments_outside_hours(
    *,
    practitioner: Practitioner,
    weekdays: Iterable[int],
    now: datetime | None = None,
) -> list[Booking]:
    """Appointments still to keep, on these weekdays, that the weekly hours no
    longer cover: changing hours leaves them booked, so the practitioner is told
    which they are. A date with its own hours is judged by those, not here."""
    now = now or timezone.now()
    zone = practitioner.zone
    weekdays = set(weekdays)
    days = _ranges_by_day(practitioner)
    today = now.astimezone(zone).date()
    own_dates = set(
        DateOverride.objects.filter(
            practitioner=practitioner, date__gte=today
        ).values_list("date", flat=True)
    )
    outside = []
    for booking in (
        Booking.objects.for_practitioner(practitioner)
        .filter(status__in=Booking.CHANGEABLE_STATUSES, ends_at__gt=now)
        .select_related("service")
        .order_by("starts_at")
    ):
        start = booking.starts_at.astimezone(zone)
        end = booking.ends_at.astimezone(zone)
        if start.weekday() not in weekdays or start.date() in own_dates:
            continue
        covered = end.date() == start.date() and any(
            r.start_time <= start.time() and end.time() <= r.end_time
            for r in days[start.weekday()]
        )
        if not covered:
            outside.append(booking)
    return outside


@transaction.atomic
def remove_weekly_hours(*, hours: WeeklyHours) -> None:
    practitioner = hours.practitioner
    hours.delete()
    refresh_online_booking(practitioner=practitioner)
    next_free.refresh(practitioner)


@transaction.atomic
def add_date_override(
    *,
    practitioner: Practitioner,
    date: date,
    start_time: time,
    end_time: time,
    location: Location | None = None,
) -> DateOverride:
    _check_range(start_time, end_time)
    _check_own_location(practitioner, location)
    _lock_practitioner(practitioner.pk)
    same_date = DateOverride.objects.filter(practitioner=practitioner, date=date)
    if clash := overlapping_ranges(same_date, start_time, end_time):
        raise BookingError(f"That overlaps your hours on {clash[0]}.")
    watch = waitlist.Watch(practitioner, date, date)
    override = DateOverride.objects.create(
        practitioner=practitioner,
        date=date,
        start_time=start_time,
        end_time=end_time,
        location=location,
    )
    watch.notify(occasion=f"override:{override.pk}:added")
    next_free.refresh(practitioner)
    return override


@transaction.atomic
def remove_date_override(*, override: DateOverride) -> None:
    # The practitioner first, so the slots the watch reads cannot change under it.
    _lock_practitioner(override.practitioner_id)
    watch = waitlist.Watch(override.practitioner, override.date, override.date)
    pk = override.pk
    override.delete()
    watch.notify(occasion=f"override:{pk}:removed")
    next_free.refresh(override.practitioner_id)


@transaction.atomic
def add_time_off(
    *,
    practitioner: Practitioner,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
) -> TimeOff:
    """Block time. Bookings already inside it stay; the agenda shows them."""
    if starts_at >= ends_at:
        raise BookingError("The time off must end after it starts.")
    time_off = TimeOff.objects.create(
        practitioner=practitioner,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
    )
    next_free.refresh(practitioner)
    return time_off


def appointments_during(
    *, practitioner: Practitioner, starts_at: datetime, ends_at: datetime
) -> list[Booking]:
    """The appointments still to keep (pending or confirmed) that overlap this
    time: adding time off leaves them booked, so the practitioner is shown them."""
    return list(
        Booking.objects.for_practitioner(practitioner)
        .filter(status__in=Booking.CHANGEABLE_STATUSES)
        .filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
        .select_related("service")
        .order_by("starts_at")
    )


@transaction.atomic
def remove_time_off(*, time_off: TimeOff) -> None:
    _lock_practitioner(time_off.practitioner_id)
    watch = waitlist.watch_span(
        time_off.practitioner, time_off.starts_at, time_off.ends_at
    )
    pk = time_off.pk
    time_off.delete()
    watch.notify(occasion=f"time-off:{pk}:removed")
    next_free.refresh(time_off.practitioner_id)


@transaction.atomic
def update_policy(*, practitioner: Practitioner, **fields) -> BookingPolicy:
    """Change the policy. Existing bookings keep the buffers they were made with."""
    _lock_practitioner(practitioner.pk)
    policy, _ = BookingPolicy.objects.get_or_create(practitioner=practitioner)
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.full_clean()
    watch = waitlist.Watch(practitioner)
    policy.save()
    practitioner.booking_policy = policy
    watch.notify(occasion=f"policy:{policy.pk}:{timezone.now():%Y%m%dT%H%M%S%f}")
    next_free.refresh(practitioner)
    return policy


@transaction.atomic
def reset_calendar_feed(*, practitioner: Practitioner) -> CalendarFeed:
    """A new secret feed address; the old one stops working at once."""
    CalendarFeed.objects.filter(practitioner=practitioner).delete()
    return CalendarFeed.objects.create(practitioner=practitioner)


def revoke_calendar_feed(*, practitioner: Practitioner) -> None:
    CalendarFeed.objects.filter(practitioner=practitioner).delete()


# --- requests nobody reviewed ----------------------------------------------------

LAPSED_REASON = "The request was not reviewed in time."


def lapse_unreviewed_requests(*, now: datetime | None = None) -> int:
    """Decline the requests still waiting for review once their minimum notice has
    begun (starts_at - the practitioner's min_notice_hours; with no notice, at the
    start). The client hears while there is still time to book elsewhere, and the
    time is free again. Returns how many lapsed.

    The beat job runs it every few minutes. Each booking lapses in its own
    transaction under its row lock and is re-checked there, so a second run, or a
    practitioner approving at the same moment, changes each booking once.
    """
    now = now or timezone.now()
    # Only requests waiting for review: a handful, so the notice is compared here.
    waiting = Booking.objects.filter(status=Booking.Status.PENDING).select_related(
        "practitioner__booking_policy"
    )
    due = [booking.pk for booking in waiting if request_lapses_at(booking) <= now]
    return sum(_lapse_request(pk=pk, now=now) for pk in due)


def request_lapses_at(booking: Booking) -> datetime:
    """When a request still waiting for review lapses."""
    notice = policy_for(booking.practitioner).min_notice_hours
    return booking.starts_at - timedelta(hours=notice)


@transaction.atomic
def _lapse_request(*, pk: int, now: datetime) -> int:
    _lock_practitioner_of(pk)
    locked = (
        Booking.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("practitioner__booking_policy", "service")
        .filter(pk=pk, status=Booking.Status.PENDING)
        .first()
    )
    # Reviewed, cancelled or moved later meanwhile, or another run holds it.
    if locked is None or request_lapses_at(locked) > now:
        return 0
    watch = waitlist.watch_booking_time(locked, now=now)
    _refund(
        locked,
        amount=billing.paid(locked),
        reason="The booking request was not reviewed in time.",
        now=now,
    )
    _stamp_status(locked, Booking.Status.DECLINED, now)
    locked.status_reason = LAPSED_REASON
    locked.save(
        update_fields=["status", "status_changed_at", "status_reason", "updated_at"]
    )
    emails.booking_request_lapsed(locked)
    watch.notify(occasion=f"booking:{locked.pk}:lapsed")
    next_free.refresh(locked.practitioner_id, now=now)
    return 1
