"""The emails courses send: one function per event, written to the outbox.

Services call these inside the same transaction as the change they announce, so an
email exists exactly when its change was committed (notifications.outbox). Each has a
deduplication key, so a service or job that runs twice never queues a second copy.
Questionnaire answers never appear in an email.
"""

from datetime import datetime
from enum import StrEnum

from django.conf import settings

from core.formatting import format_deadline, format_money
from core.links import absolute_url
from notifications import outbox

from .models import Certificate, Enrolment, WaitingListEntry


def _when(value) -> str:
    return f"{format_deadline(value)} (UK time)"


def _course_facts(enrolment: Enrolment) -> str:
    course_date = enrolment.course_date
    return (
        f"{course_date.course.title}\n"
        f"Dates: {course_date.dates_display}"
        + (f" ({course_date.schedule})" if course_date.schedule else "")
        + f"\nVenue: {course_date.venue_display}"
    )


def _send(
    *,
    to: str,
    subject: str,
    greeting: str,
    paragraphs: list[str],
    action_url: str,
    action_label: str,
    key: str,
    kind: str,
    related: str,
    send_before: datetime | None = None,
) -> None:
    outbox.enqueue(
        to=to,
        subject=subject,
        template="message",
        context={
            "greeting": greeting,
            "paragraphs": paragraphs,
            "action_url": action_url,
            "action_label": action_label,
        },
        dedup_key=key,
        kind=kind,
        related_key=related,
        send_before=send_before,
    )


def _enrolment_email(
    enrolment: Enrolment,
    event: str,
    subject: str,
    paragraphs: list[str],
    send_before: datetime | None = None,
) -> None:
    _send(
        to=enrolment.student.email,
        subject=subject,
        greeting=f"Dear {enrolment.full_name},",
        paragraphs=paragraphs,
        action_url=absolute_url(enrolment.get_absolute_url()),
        action_label="See your enrolment",
        key=f"enrolment:{enrolment.pk}:{event}",
        kind=f"course.{event}",
        related=f"enrolment:{enrolment.pk}",
        send_before=send_before,
    )


def enrolment_received(enrolment: Enrolment) -> None:
    """A place is reserved: what happens next and how to pay the deposit."""
    _enrolment_email(
        enrolment,
        "received",
        f"Your place is reserved: {enrolment.course_date.course.title} "
        f"({enrolment.reference})",
        [
            "Thank you for enrolling. We have reserved your place on:",
            _course_facts(enrolment),
            enrolment.deposit_instructions,
            f"Course fee {format_money(enrolment.price)}, deposit "
            f"{format_money(enrolment.deposit)}, balance "
            f"{format_money(enrolment.balance)} due before the course starts.",
        ],
    )


def _joining(enrolment: Enrolment) -> list[str]:
    """The date's joining instructions, as staff wrote them, when there are some."""
    text = enrolment.course_date.joining_instructions.strip()
    return [f"Joining instructions:\n{text}"] if text else []


def enrolment_confirmed(enrolment: Enrolment) -> None:
    """Staff recorded the deposit: the place is confirmed."""
    _enrolment_email(
        enrolment,
        "confirmed",
        f"Your place is confirmed: {enrolment.course_date.course.title}",
        [
            "We have received your deposit, so your place is confirmed:",
            _course_facts(enrolment),
            *_joining(enrolment),
            f"The balance of {format_money(enrolment.balance)} is due before the "
            "course starts. We will send a reminder a week before. Your enrolment "
            "page has the timetable, which you can add to your calendar.",
        ],
    )


def enrolment_cancelled(enrolment: Enrolment) -> None:
    """The enrolment is cancelled, with the reason."""
    reasons = {
        Enrolment.CancelReason.STUDENT: "You cancelled this enrolment.",
        Enrolment.CancelReason.STAFF: "Our staff cancelled this enrolment.",
        Enrolment.CancelReason.EXPIRED: "The deposit was not paid in time, so the "
        "reserved place has been released.",
        Enrolment.CancelReason.DATE_CANCELLED: "We are sorry: this course date has "
        "been cancelled. We will be in touch about other dates and any refund.",
    }
    _enrolment_email(
        enrolment,
        "cancelled",
        f"Enrolment cancelled: {enrolment.course_date.course.title}",
        [
            reasons.get(enrolment.cancel_reason, "This enrolment is cancelled."),
            _course_facts(enrolment),
            f"Questions? Email {settings.CONTACT_EMAIL} or call "
            f"{settings.CONTACT_PHONE}.",
        ],
    )


def course_starts_soon(enrolment: Enrolment) -> None:
    """A reminder about a week before the start."""
    _enrolment_email(
        enrolment,
        "starts-soon",
        f"Your course starts soon: {enrolment.course_date.course.title}",
        [
            "Your course starts soon. Here are the details:",
            _course_facts(enrolment),
            *(
                _joining(enrolment)
                or [
                    "Bring comfortable clothes, a notebook and a water bottle. "
                    "Towels and oils are provided."
                ]
            ),
            f"Balance due: {format_money(enrolment.balance)}.",
        ],
        # Held up past the start (mail server down), a reminder is pointless.
        send_before=enrolment.course_date.starts_at,
    )


def certificate_issued(certificate: Certificate) -> None:
    """The course is completed: the certificate is ready to download."""
    enrolment = certificate.enrolment
    _enrolment_email(
        enrolment,
        "certificate",
        f"Your certificate: {certificate.course_title}",
        [
            f"Congratulations on completing {certificate.course_title}. Your "
            f"certificate is ready: download it from your enrolment page.",
            f"Its number is {certificate.number}. Anyone you show it to (a client, "
            "an insurer, an employer) can check it at "
            f"{absolute_url(certificate.get_absolute_url())}, or by scanning the "
            "QR code printed on it.",
            "If you have a practitioner profile with us, the course's techniques "
            "now show on it as verified.",
        ],
    )


def certificate_revoked(certificate: Certificate) -> None:
    """Staff revoked the certificate: say why."""
    enrolment = certificate.enrolment
    _enrolment_email(
        enrolment,
        "certificate-revoked",
        f"Your certificate has been withdrawn: {certificate.course_title}",
        [
            f"We have withdrawn certificate {certificate.number} for "
            f"{certificate.course_title}. Anyone checking it will now see that it "
            "is no longer valid, and the techniques it verified no longer show as "
            "verified on a practitioner profile.",
            f"The reason: {certificate.revoked_reason}",
            f"If you think this is a mistake, email {settings.CONTACT_EMAIL} or "
            f"call {settings.CONTACT_PHONE}.",
        ],
    )


def _entry_email(
    entry: WaitingListEntry,
    event: str,
    subject: str,
    paragraphs: list[str],
    occasion: str,
) -> None:
    course_date = entry.course_date
    _send(
        to=entry.student.email,
        subject=subject,
        greeting=f"Dear {entry.student.get_full_name()},",
        paragraphs=paragraphs,
        action_url=absolute_url(course_date.get_absolute_url()),
        action_label="See the course date",
        key=f"waiting:{entry.pk}:{event}:{occasion}",
        kind=f"course.waiting-list-{event}",
        related=f"waiting:{entry.pk}",
    )


def waiting_list_offer(entry: WaitingListEntry) -> None:
    """A place came up and is held for this student until the offer expires."""
    course_date = entry.course_date
    _entry_email(
        entry,
        "offer",
        f"A place is free for you: {course_date.course.title}",
        [
            "Good news: a place has come up on the course you are waiting for:",
            f"{course_date.course.title}, {course_date.dates_display}, "
            f"{course_date.venue_display}",
            f"We are holding it for you until {_when(entry.offer_expires_at)}. "
            "If you have not enrolled by then, the offer lapses and we release "
            "the place.",
        ],
        occasion=entry.offered_at.isoformat() if entry.offered_at else "",
    )


class OfferOutcome(StrEnum):
    """Where the place went when an offer lapsed."""

    PASSED_ON = "passed-on"  # offered to the next person in line
    OPEN_AGAIN = "open-again"  # nobody waiting: anyone may enrol on it
    RELEASED = "released"  # enrolment is over (closed, deadline, started)


def waiting_list_offer_expired(
    entry: WaitingListEntry, *, outcome: OfferOutcome
) -> None:
    """The offer lapsed; say what became of the place."""
    course_date = entry.course_date
    held = (
        f"The place we held for you until {_when(entry.offer_expires_at)} was not "
        "taken in time"
    )
    paragraphs = {
        OfferOutcome.PASSED_ON: [
            f"{held}, so we have offered it to the next person on the waiting list.",
            "You can join the waiting list again, or choose another date.",
        ],
        OfferOutcome.OPEN_AGAIN: [
            f"{held}. Nobody else is waiting for it, so it is open for enrolment "
            "again: if you still want it, enrol soon, before someone else does.",
        ],
        OfferOutcome.RELEASED: [
            f"{held}, and enrolment for this date has closed, so the place has been "
            "released.",
            "You are welcome to choose another date for this course.",
        ],
    }[outcome]
    _entry_email(
        entry,
        "offer-expired",
        f"Your offer has expired: {course_date.course.title}",
        paragraphs,
        occasion=entry.offered_at.isoformat() if entry.offered_at else "",
    )
