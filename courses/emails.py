"""The emails courses send: one function per event, written to the outbox.

Services call these inside the same transaction as the change they announce, so an
email exists exactly when its change was committed (notifications.outbox). Each has a
deduplication key, so a service or job that runs twice never queues a second copy.
Questionnaire answers never appear in an email.
"""

from datetime import datetime
from enum import StrEnum

from django.conf import settings

from core.formatting import format_day, format_deadline, format_money
from core.links import absolute_url
from notifications import outbox
from payments.money import format_pence

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
    """The deposit is paid (online, or recorded by staff): the place is confirmed."""
    from .billing import balance_due_on

    if enrolment.deposit:
        opening = "We have received your deposit, so your place is confirmed:"
    else:
        opening = "Your place is confirmed (no deposit is needed for this course):"
    if enrolment.balance:
        balance = (
            f"The balance of {format_money(enrolment.balance)} is due by "
            f"{format_day(balance_due_on(enrolment))}. Pay it online with the Pay "
            "the balance button on your enrolment page; we will remind you before."
        )
    else:
        balance = "Nothing more is due: the course is paid."
    _enrolment_email(
        enrolment,
        "confirmed",
        f"Your place is confirmed: {enrolment.course_date.course.title}",
        [
            opening,
            _course_facts(enrolment),
            *_joining(enrolment),
            f"{balance} Your enrolment page has the timetable, which you can add "
            "to your calendar.",
        ],
    )


def _balance_email(enrolment: Enrolment, event: str, subject: str, lead: str) -> int:
    written = outbox.enqueue(
        to=enrolment.student.email,
        subject=subject,
        template="message",
        context={
            "greeting": f"Dear {enrolment.full_name},",
            "paragraphs": [lead, _course_facts(enrolment)],
            "action_url": absolute_url(enrolment.get_absolute_url()),
            "action_label": "Pay the balance",
        },
        dedup_key=f"enrolment:{enrolment.pk}:{event}",
        kind=f"course.{event}",
        related_key=f"enrolment:{enrolment.pk}",
        send_before=enrolment.course_date.starts_at,
    )
    return 1 if written is not None else 0


def balance_reminder(enrolment: Enrolment, *, money, due_on) -> int:
    """The balance falls due soon. Returns 1 when queued, 0 if sent before."""
    return _balance_email(
        enrolment,
        "balance-reminder",
        f"Balance due on {format_day(due_on)}: {enrolment.course_date.course.title}",
        f"A reminder that the balance of your course fee, "
        f"{format_pence(money.balance_left)}, is due by {format_day(due_on)}. You can "
        "pay it online from your enrolment page.",
    )


def balance_due(enrolment: Enrolment, *, money, due_on) -> int:
    """The balance is due (or overdue). Returns 1 when queued, 0 if sent before."""
    return _balance_email(
        enrolment,
        "balance-due",
        f"Your balance is due: {enrolment.course_date.course.title}",
        f"The balance of your course fee, {format_pence(money.balance_left)}, was "
        f"due by {format_day(due_on)}. Please pay it online from your enrolment "
        "page, or contact us if you need more time.",
    )


def enrolment_cancelled(
    enrolment: Enrolment, *, refunded_pence: int = 0, kept_pence: int = 0
) -> None:
    """The enrolment is cancelled, with the reason and what happens to the money."""
    reasons = {
        Enrolment.CancelReason.STUDENT: "You cancelled this enrolment.",
        Enrolment.CancelReason.STAFF: "Our staff cancelled this enrolment.",
        Enrolment.CancelReason.EXPIRED: "The deposit was not paid in time, so the "
        "reserved place has been released.",
        Enrolment.CancelReason.DATE_CANCELLED: "We are sorry: this course date has "
        "been cancelled. We will be in touch about other dates.",
    }
    money = []
    if refunded_pence:
        money.append(
            f"We have refunded {format_pence(refunded_pence)}; you will get a refund "
            "receipt separately."
        )
    if kept_pence:
        money.append(
            f"As the course's cancellation policy says, {format_pence(kept_pence)} "
            "is not refunded."
        )
    _enrolment_email(
        enrolment,
        "cancelled",
        f"Enrolment cancelled: {enrolment.course_date.course.title}",
        [
            reasons.get(enrolment.cancel_reason, "This enrolment is cancelled."),
            *money,
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
            _still_due(enrolment),
        ],
        # Held up past the start (mail server down), a reminder is pointless.
        send_before=enrolment.course_date.starts_at,
    )


def _still_due(enrolment: Enrolment) -> str:
    from .billing import account

    left = account(enrolment).balance_left
    if not left:
        return "Your course fee is paid in full."
    return (
        f"Still to pay: {format_pence(left)}. You can pay it from your enrolment page."
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
