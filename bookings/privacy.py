"""Appointments and health answers in a person's data download, and their erasure.

See `users.privacy` for how these are called. Only bookings made while signed in
(`Booking.client`) belong to an account; a guest booking is managed through the
link in its emails.
"""

from django.db.models import Q
from django.utils import timezone

from directory.models import Practitioner
from notifications import outbox
from users.models import User
from users.privacy import DeletionRefused, isoformat

from . import next_free, services
from .models import (
    ERASED_CLIENT_EMAIL,
    ERASED_CLIENT_NAME,
    ERASED_CLIENT_PHONE,
    Booking,
    DateOverride,
    ExternalCalendar,
    HealthIntake,
    Service,
    TimeOff,
    WaitlistRequest,
    WeeklyHours,
    new_token,
)

DELETED_NAME = ERASED_CLIENT_NAME
DELETED_EMAIL = ERASED_CLIENT_EMAIL
DELETED_PHONE = ERASED_CLIENT_PHONE
CANCEL_REASON = "The client deleted their account."


# --- export ------------------------------------------------------------------------


def export(user: User) -> dict:
    bookings = (
        Booking.objects.filter(client=user)
        .select_related("practitioner", "service", "location", "intake")
        .order_by("starts_at", "pk")
    )
    data = {"appointments": [_appointment(booking) for booking in bookings]}
    data["waiting_list"] = [
        {
            "practitioner": wait.practitioner.display_name,
            "treatment": wait.service.name,
            "from": wait.first_day.isoformat(),
            "until": wait.last_day.isoformat(),
            "name_given": wait.name,
            "email_given": wait.email,
            "asked": isoformat(wait.created_at),
            "emails_about_openings": wait.notified_count,
            "stopped": isoformat(wait.ended_at) if wait.ended_at else None,
        }
        for wait in _waiting(user).select_related("practitioner", "service")
    ]
    data.update(_practitioner_settings(user))
    return data


def _waiting(user: User):
    """Waiting-list requests made while signed in, or with the account's address."""
    return WaitlistRequest.objects.filter(
        Q(client=user) | Q(email__iexact=user.email)
    ).order_by("created_at", "pk")


def _appointment(booking: Booking) -> dict:
    zone = booking.practitioner.zone
    intake = getattr(booking, "intake", None)
    return {
        "practitioner": booking.practitioner.display_name,
        "treatment": booking.service.name,
        "where": str(booking.location) if booking.location else None,
        "starts": isoformat(booking.starts_at, zone),
        "ends": isoformat(booking.ends_at, zone),
        "status": booking.get_status_display(),
        "cancelled_by": booking.get_cancelled_by_display() or None,
        "reason": booking.status_reason or None,
        "name_given": booking.client_name,
        "email_given": booking.client_email,
        "phone_given": booking.client_phone,
        "booked": isoformat(booking.created_at),
        "health_answers": _health_answers(intake) if intake else None,
    }


def _health_answers(intake: HealthIntake) -> dict:
    return {
        "answered": isoformat(intake.consent_given_at),
        "questions": [
            {"question": question, "answer": "yes" if answer else "no"}
            for question, answer in intake.answers
        ],
        "anything_else": intake.details,
    }


def _practitioner_settings(user: User) -> dict:
    """A practitioner's services, hours and time off (not their clients' bookings)."""
    if not Practitioner.objects.filter(user=user).exists():
        return {}
    mine = {"practitioner__user": user}
    return {
        "your_services": [
            {
                "name": service.name,
                "minutes": service.duration_minutes,
                "price": str(service.price),
                "description": service.description,
                "active": service.is_active,
            }
            for service in Service.objects.filter(**mine)
        ],
        "your_weekly_hours": [
            {
                "day": hours.get_weekday_display(),
                "from": hours.start_time.isoformat("minutes"),
                "until": hours.end_time.isoformat("minutes"),
            }
            for hours in WeeklyHours.objects.filter(**mine)
        ],
        "your_date_overrides": [
            {
                "date": override.date.isoformat(),
                "from": override.start_time.isoformat("minutes"),
                "until": override.end_time.isoformat("minutes"),
            }
            for override in DateOverride.objects.filter(**mine)
        ],
        "your_time_off": [
            {
                "from": isoformat(time_off.starts_at),
                "until": isoformat(time_off.ends_at),
                "reason": time_off.reason,
            }
            for time_off in TimeOff.objects.filter(**mine)
        ],
        "your_other_calendars": [
            {
                "name": calendar.name,
                "address": calendar.url,
                "busy_times_kept": calendar.busy_count,
                "last_read": (
                    isoformat(calendar.last_success_at)
                    if calendar.last_success_at
                    else None
                ),
            }
            for calendar in ExternalCalendar.objects.filter(**mine)
        ],
    }


# --- deletion ----------------------------------------------------------------------


def _upcoming(now):
    return Booking.objects.filter(
        status__in=Booking.CHANGEABLE_STATUSES, starts_at__gt=now
    )


def can_erase(user: User) -> str | None:
    now = timezone.now()
    if _upcoming(now).filter(practitioner__user=user).exists():
        return (
            "You have upcoming appointments with clients. Cancel them from your "
            "agenda (your clients are told) or contact us, then delete your account."
        )
    for booking in (
        _upcoming(now)
        .filter(client=user)
        .select_related("practitioner__booking_policy")
    ):
        if not services.client_can_change(booking, now=now):
            return _too_late(booking)
    return None


def _too_late(booking: Booking) -> str:
    name = booking.practitioner.display_name
    when = booking.local_starts_at
    return (
        f"Your appointment with {name} at {when:%H:%M} on {when:%A} {when.day} "
        f"{when:%B} is too close to cancel online. Please contact {name} about it; "
        "you can delete your account once it has passed."
    )


def erase(user: User) -> None:
    now = timezone.now()
    upcoming = list(_upcoming(now).filter(client=user).select_related("practitioner"))
    bookings = list(Booking.objects.filter(client=user))
    waits = list(_waiting(user))
    keys = [f"booking:{booking.pk}" for booking in bookings]
    keys += [f"waitlist:{wait.pk}" for wait in waits]
    # The addresses they typed when booking or joining a waiting list, which
    # need not be their account's.
    typed = {booking.client_email for booking in bookings}
    typed |= {wait.email for wait in waits}
    # Reminders and any other unsent email about them, to either side.
    for key in keys:
        outbox.cancel(related_key=key)

    HealthIntake.objects.filter(booking__client=user).delete()
    # Before the cancellations below: their own freed times tell no one of theirs.
    _waiting(user).delete()
    for booking in bookings:
        booking.client = None
        booking.client_name = DELETED_NAME
        booking.client_email = DELETED_EMAIL
        booking.client_phone = DELETED_PHONE
        # The old manage link (in their emails) stops working.
        booking.manage_token = new_token()
        # The client's own words go; the practitioner keeps the reason given now.
        if (
            booking.cancelled_by == Booking.CancelledBy.CLIENT
            and booking.status_reason != CANCEL_REASON
        ):
            booking.status_reason = ""
        booking.updated_at = now
    Booking.objects.bulk_update(
        bookings,
        [
            "client",
            "client_name",
            "client_email",
            "client_phone",
            "manage_token",
            "status_reason",
            "updated_at",
        ],
    )
    # Cancelled once anonymised: the practitioner is told the time is free, by an
    # email that no longer names them.
    for booking in upcoming:
        try:
            services.cancel_booking(
                booking=booking,
                cancelled_by=Booking.CancelledBy.CLIENT,
                reason=CANCEL_REASON,
                now=now,
            )
        except services.BookingError as error:
            # can_erase said yes a moment ago: the cut-off has just passed.
            raise DeletionRefused(_too_late(booking)) from error
    # What went out about them keeps only the fact that it was sent.
    outbox.scrub(related_keys=keys, addresses=typed)
    _close_practice(user)


def _close_practice(user: User) -> None:
    """A practitioner whose profile had to stay (past appointments point at it):
    nothing can be booked any more and the private calendar feed stops."""
    practitioner = Practitioner.objects.filter(user=user).first()
    if practitioner is None:
        return
    Service.objects.filter(practitioner=practitioner).update(is_active=False)
    WeeklyHours.objects.filter(practitioner=practitioner).delete()
    DateOverride.objects.filter(practitioner=practitioner).delete()
    TimeOff.objects.filter(practitioner=practitioner).delete()
    services.revoke_calendar_feed(practitioner=practitioner)
    ExternalCalendar.objects.filter(practitioner=practitioner).delete()
    WaitlistRequest.objects.filter(practitioner=practitioner).delete()
    services.refresh_online_booking(practitioner=practitioner)
    next_free.refresh(practitioner)
