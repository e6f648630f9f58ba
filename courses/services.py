"""Writes for courses: enrolment, deposits, cancellation, the waiting list, graduation.

Every change to who holds a place locks the CourseDate row first, then the enrolment or
waiting-list row, re-checks, then writes; the enrolment's checkouts and ledger rows
come after those (payments takes the first two through lock_for_payments).
`CourseDate.places_taken` counts reserved, confirmed and completed enrolments plus open
waiting-list offers; only this module changes it, under that lock, and a check
constraint refuses any value above `places`.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from core.formatting import format_day, format_deadline
from directory.models import Practitioner, Qualification
from directory.services import (
    grant_verified_technique,
    set_certificate_link,
    withdraw_certificate_techniques,
)
from payments import services as payments
from payments.money import format_pence
from payments.providers import ProviderError
from payments.registry import Refused
from users.models import User

from . import billing, certificates, emails
from .models import (
    Attendance,
    Certificate,
    CourseDate,
    Enrolment,
    TeachingDay,
    WaitingListEntry,
)


class EnrolmentError(Exception):
    """A change courses refuses, with a message for the person."""


def _hold_until(course_date: CourseDate, *, now: datetime, hours: int) -> datetime:
    """A reservation or an offer holds a place for `hours`, but never past the start
    of the course: nobody can take a place after that, so nothing is left to hold."""
    return min(now + timedelta(hours=hours), course_date.starts_at)


def _lock_date(course_date: CourseDate) -> CourseDate:
    # Concurrent enrolments, cancellations and offers for one date queue here.
    return (
        CourseDate.objects.select_for_update(of=("self",))
        .select_related("course")
        .get(pk=course_date.pk)
    )


def lock_for_payments(*, enrolment_pk: int) -> None:
    """Lock the enrolment's course date, then the enrolment, for the rest of the
    transaction. Payments calls this (through EnrolmentPayments.lock) before it
    locks the enrolment's checkout or ledger rows, so a payment arriving from the
    card provider takes the order date, enrolment, checkout, as a reservation
    lapsing and a cancellation do. An enrolment's date never changes, so it is
    read unlocked."""
    course_date_id = (
        Enrolment.objects.filter(pk=enrolment_pk)
        .values_list("course_date_id", flat=True)
        .first()
    )
    if course_date_id is None:
        return
    CourseDate.objects.select_for_update().filter(pk=course_date_id).values_list(
        "pk", flat=True
    ).first()
    Enrolment.objects.select_for_update().filter(pk=enrolment_pk).values_list(
        "pk", flat=True
    ).first()


def _adjust_places(course_date: CourseDate, delta: int) -> None:
    """Under the date lock. Relative to the stored value (not this instance's), so
    even a path that forgot the lock could not lose an update: the check constraint
    would refuse the overselling write instead."""
    CourseDate.objects.filter(pk=course_date.pk).update(
        places_taken=F("places_taken") + delta
    )
    course_date.places_taken += delta


# --- checks shared by pages and services -----------------------------------------


def _date_problem(course_date: CourseDate, today: date, *, started: str) -> str | None:
    """Why nobody can take a place on `course_date` any more: the course is not
    published, the date is cancelled or it has started (`started` says so)."""
    if not course_date.course.is_published:
        return "This course is not open for enrolment."
    if course_date.status == CourseDate.Status.CANCELLED:
        return "This course date has been cancelled."
    if course_date.has_started(today):
        return started
    return None


def _enrolment_closed_problem(course_date: CourseDate, today: date) -> str | None:
    """Why the date takes no new students: staff closed it or its deadline passed.
    (Someone holding an open waiting-list offer may still enrol.)"""
    if course_date.status == CourseDate.Status.CLOSED:
        return "Enrolment for this course date is closed."
    if course_date.enrolment_deadline < today:
        return (
            "Enrolment for this date closed on "
            f"{format_day(course_date.enrolment_deadline)}."
        )
    return None


def enrolment_problem(
    *, course_date: CourseDate, student: User | None, now: datetime | None = None
) -> str | None:
    """Why `student` cannot enrol on `course_date` now, or None when they can.

    Pages call it to decide what to show; `enrol_student` calls it again under the
    lock. A student holding an open waiting-list offer may enrol on a full date,
    after the deadline and after staff closed enrolment (until the offer expires or
    the course starts): the place was promised to them and is held for them.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if problem := _date_problem(
        course_date,
        today,
        started="This course date has already started, so it is too late to enrol.",
    ):
        return problem
    if student is not None and student.is_authenticated:
        if (
            Enrolment.objects.holding_place()
            .filter(course_date=course_date, student=student)
            .exists()
        ):
            return "You are already enrolled on this course date."
        offer = WaitingListEntry.objects.filter(
            course_date=course_date,
            student=student,
            status=WaitingListEntry.Status.OFFERED,
        ).first()
        if offer is not None:
            if offer.offer_is_open(now):
                return None
            return (
                f"The place we offered you was held until "
                f"{format_deadline(offer.offer_expires_at)}, and that time has passed."
            )
    if problem := _enrolment_closed_problem(course_date, today):
        return problem
    if course_date.is_full:
        lapsed = (
            WaitingListEntry.objects.filter(
                course_date=course_date,
                student=student,
                status=WaitingListEntry.Status.EXPIRED,
            )
            .order_by("-closed_at")
            .first()
            if student is not None and student.is_authenticated
            else None
        )
        if lapsed is not None:
            return (
                f"The place we offered you was held until "
                f"{format_deadline(lapsed.offer_expires_at)} and was not taken in "
                "time. The date is full: you can join the waiting list again."
            )
        return (
            "This course date is full. Join the waiting list and we will email you "
            "if a place comes up."
        )
    return None


def waiting_list_problem(
    *, course_date: CourseDate, student: User, now: datetime | None = None
) -> str | None:
    """Why `student` cannot join the waiting list for `course_date`, or None."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if problem := _date_problem(
        course_date, today, started="This course date has already started."
    ) or _enrolment_closed_problem(course_date, today):
        return problem
    if (
        Enrolment.objects.holding_place()
        .filter(course_date=course_date, student=student)
        .exists()
    ):
        return "You are already enrolled on this course date."
    if (
        WaitingListEntry.objects.active()
        .filter(course_date=course_date, student=student)
        .exists()
    ):
        return "You are already on the waiting list for this course date."
    if not course_date.is_full:
        return "There are still places on this course date: you can enrol now."
    return None


# --- enrolment ---------------------------------------------------------------------


@transaction.atomic
def enrol_student(
    *,
    course_date: CourseDate,
    student: User,
    full_name: str,
    phone: str,
    experience: str,
    motivation: str,
    heard_about: str = "",
    access_needs: str = "",
    now: datetime | None = None,
) -> Enrolment:
    """Reserve a place for `student`; the deposit is due within the reservation time."""
    now = now or timezone.now()
    locked = _lock_date(course_date)
    problem = enrolment_problem(course_date=locked, student=student, now=now)
    if problem:
        raise EnrolmentError(problem)

    offer = (
        WaitingListEntry.objects.select_for_update()
        .filter(
            course_date=locked, student=student, status=WaitingListEntry.Status.OFFERED
        )
        .first()
    )
    if offer is None:
        _adjust_places(locked, +1)
    # else: the offer already holds the place; it becomes this enrolment's.
    WaitingListEntry.objects.active().filter(
        course_date=locked, student=student
    ).update(status=WaitingListEntry.Status.ENROLLED, closed_at=now)

    enrolment = Enrolment.objects.create(
        course_date=locked,
        student=student,
        status=Enrolment.Status.RESERVED,
        full_name=full_name.strip(),
        phone=phone.strip(),
        experience=experience,
        motivation=motivation.strip(),
        heard_about=heard_about,
        access_needs=access_needs.strip(),
        price=locked.price,
        deposit=locked.deposit,
        reserved_until=_hold_until(
            locked, now=now, hours=settings.COURSES_RESERVATION_HOURS
        ),
    )
    if enrolment.deposit == 0:
        # Nothing to pay to hold the place: confirmed at once, no checkout.
        _confirm(enrolment, now=now)
    else:
        emails.enrolment_received(enrolment)
    return enrolment


def _confirm(enrolment: Enrolment, *, now: datetime, reference: str = "") -> None:
    """Under the enrolment's lock: the deposit is paid, the place confirmed."""
    enrolment.status = Enrolment.Status.CONFIRMED
    enrolment.deposit_paid_at = now
    enrolment.confirmed_at = now
    if reference:
        enrolment.payment_reference = reference[:100]
    enrolment.save(
        update_fields=[
            "status",
            "deposit_paid_at",
            "confirmed_at",
            "payment_reference",
            "updated_at",
        ]
    )
    emails.enrolment_confirmed(enrolment)


# --- paying -------------------------------------------------------------------------


def start_payment(
    *, enrolment: Enrolment, payer: User, now: datetime | None = None
) -> str:
    """The address where the student pays what is due now (the deposit, or the
    balance). Raises EnrolmentError when nothing can be paid, or the card
    provider cannot be reached (nothing changes)."""
    now = now or timezone.now()
    due = billing.payment_due(enrolment, now=now)
    if due is None:
        raise EnrolmentError("There is nothing to pay for this enrolment now.")
    course_date = enrolment.course_date
    page = enrolment.get_absolute_url()
    try:
        checkout = payments.start_checkout(
            reference=billing.reference(enrolment),
            purpose=due.purpose,
            description=f"{course_date.course.title}, {course_date.venue_town} "
            f"{course_date.dates_display}: {due.purpose} ({enrolment.reference})",
            amount_pence=due.amount,
            success_url=f"{page}?paid={due.purpose}",
            cancel_url=page,
            hold_until=due.hold_until,
            payer=payer,
            payer_email=enrolment.student.email,
            now=now,
        )
    except ProviderError as error:
        raise EnrolmentError(str(error)) from error
    return checkout.url


@transaction.atomic
def take_payment(*, enrolment_pk: int, now: datetime) -> Refused | None:
    """Money for an enrolment arrived (payments calls this in the transaction that
    records it). Paying the deposit confirms a reservation. A payment for a place
    that is no longer held is refused, and payments refunds it, unless the place
    can still be had: a reservation that lapsed while nobody wanted its place is
    taken up again."""
    enrolment = Enrolment.objects.filter(pk=enrolment_pk).first()
    if enrolment is None:
        return Refused("We could not find the enrolment this payment was for.")
    course_date = _lock_date(enrolment.course_date)
    locked = Enrolment.objects.select_for_update().get(pk=enrolment_pk)
    locked.course_date = course_date
    money = billing.account(locked)
    if locked.status == Enrolment.Status.CANCELLED:
        problem = _reinstate_problem(locked, course_date, now=now)
        if problem is None and money.deposit_left:
            problem = f"Your payment did not cover the deposit of {locked.reference}."
        if problem:
            return Refused(problem)
        locked.status = Enrolment.Status.RESERVED
        locked.cancel_reason = ""
        locked.cancelled_at = None
        locked.save(update_fields=["status", "cancel_reason", "cancelled_at"])
        _adjust_places(course_date, +1)
    if locked.status == Enrolment.Status.RESERVED and money.deposit_left == 0:
        _confirm(locked, now=now)
    return None


def _reinstate_problem(
    enrolment: Enrolment, course_date: CourseDate, *, now: datetime
) -> str | None:
    """Under the date's lock: why a cancelled enrolment cannot have its place
    back for a payment that arrived late, or None."""
    place = (
        f"your place on {course_date.course.title} in {course_date.venue_town} "
        f"({enrolment.reference})"
    )
    if enrolment.cancel_reason != Enrolment.CancelReason.EXPIRED:
        return f"Your payment arrived after {place} was cancelled."
    taken = (
        course_date.is_full
        or course_date.waiting_list.filter(
            status=WaitingListEntry.Status.WAITING
        ).exists()
        or not course_date.is_open_for_enrolment(timezone.localdate(now))
        or Enrolment.objects.holding_place()
        .filter(course_date=course_date, student_id=enrolment.student_id)
        .exists()
    )
    if taken:
        return (
            f"Your payment arrived after the hold on {place} had lapsed, and the "
            "place has gone to someone else."
        )
    return None


@transaction.atomic
def record_deposit(
    *,
    enrolment: Enrolment,
    reference: str = "",
    recorded_by: User | None = None,
    method: str = "bank_transfer",
    now: datetime | None = None,
) -> Enrolment:
    """Staff received the deposit outside the site (bank transfer, cash): it goes
    on the ledger as a payment they recorded, which confirms the reservation."""
    now = now or timezone.now()
    _lock_date(enrolment.course_date)
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if locked.status in {Enrolment.Status.CONFIRMED, Enrolment.Status.COMPLETED}:
        raise EnrolmentError(f"The deposit for {locked.reference} is already recorded.")
    if locked.status == Enrolment.Status.CANCELLED:
        raise EnrolmentError(
            f"{locked.reference} was cancelled ({locked.get_cancel_reason_display()}"
            "), so its place may have gone: ask the student to enrol again."
        )
    due = billing.account(locked).deposit_left
    if due == 0:
        _confirm(locked, now=now, reference=reference.strip())
        return locked
    record_payment_by_hand(
        enrolment=locked,
        amount_pence=due,
        method=method,
        bank_reference=reference,
        recorded_by=recorded_by,
        purpose="deposit",
        now=now,
    )
    locked.refresh_from_db()
    if reference.strip() and locked.payment_reference != reference.strip()[:100]:
        locked.payment_reference = reference.strip()[:100]
        locked.save(update_fields=["payment_reference", "updated_at"])
    return locked


@transaction.atomic
def record_payment_by_hand(
    *,
    enrolment: Enrolment,
    amount_pence: int,
    method: str,
    recorded_by: User | None,
    bank_reference: str = "",
    purpose: str = "",
    now: datetime | None = None,
) -> None:
    """A payment staff received (bank transfer, cash), on the ledger under their
    name. A deposit confirms the reservation, as a card payment would."""
    if enrolment.status == Enrolment.Status.CANCELLED:
        raise EnrolmentError(
            f"{enrolment.reference} is cancelled: refund or ask the student to "
            "enrol again instead."
        )
    money = billing.account(enrolment)
    if amount_pence > money.balance_left:
        raise EnrolmentError(
            f"{enrolment.reference} owes {format_pence(money.balance_left)}; "
            f"{format_pence(amount_pence)} is more than that."
        )
    course_date = enrolment.course_date
    try:
        payments.record_manual_payment(
            reference=billing.reference(enrolment),
            purpose=purpose or ("deposit" if money.deposit_left else "balance"),
            description=f"{course_date.course.title}, {course_date.venue_town} "
            f"{course_date.dates_display} ({enrolment.reference})",
            amount_pence=amount_pence,
            method=method,
            bank_reference=bank_reference,
            recorded_by=recorded_by,
            payer=enrolment.student,
            payer_name=enrolment.full_name,
            payer_email=enrolment.student.email,
            now=now,
        )
    except payments.PaymentError as error:
        raise EnrolmentError(str(error)) from error


@transaction.atomic
def cancel_enrolment(
    *, enrolment: Enrolment, by: User, now: datetime | None = None
) -> Enrolment:
    """Cancel a reserved or confirmed enrolment and free its place.

    Students may cancel their own until the course starts; staff at any time.
    """
    now = now or timezone.now()
    locked_date = _lock_date(enrolment.course_date)
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    by_staff = by.is_staff and by.pk != locked.student_id
    if not by_staff and by.pk != locked.student_id:
        raise EnrolmentError("This enrolment is not yours to cancel.")
    if locked.status == Enrolment.Status.CANCELLED:
        raise EnrolmentError(f"{locked.reference} is already cancelled.")
    if locked.status == Enrolment.Status.COMPLETED:
        raise EnrolmentError(
            f"{locked.reference} is completed and cannot be cancelled."
        )
    if not by_staff and locked_date.has_started(timezone.localdate(now)):
        raise EnrolmentError(
            "The course has started, so it cannot be cancelled online. Please contact "
            "us."
        )
    reason = (
        Enrolment.CancelReason.STAFF if by_staff else Enrolment.CancelReason.STUDENT
    )
    _cancel(locked, locked_date, reason=reason, now=now)
    return locked


def _cancel(
    enrolment: Enrolment, course_date: CourseDate, *, reason: str, now: datetime
) -> None:
    """Under the date and enrolment locks: cancel, refund what the course's policy
    says, and free the place."""
    refund = billing.refund_on_cancel(enrolment, reason=reason, now=now)
    kept = billing.account(enrolment).paid - refund
    enrolment.status = Enrolment.Status.CANCELLED
    enrolment.cancel_reason = reason
    enrolment.cancelled_at = now
    enrolment.save(
        update_fields=["status", "cancel_reason", "cancelled_at", "updated_at"]
    )
    _settle_cancelled(enrolment, refund=refund, now=now)
    emails.enrolment_cancelled(enrolment, refunded_pence=refund, kept_pence=kept)
    _release_place(course_date, now=now)


def _settle_cancelled(enrolment: Enrolment, *, refund: int, now: datetime) -> None:
    """Close any checkout still open and refund `refund` pence. A provider that
    cannot be reached rolls the whole cancellation back: nothing changes."""
    reason = {
        Enrolment.CancelReason.STUDENT: "You cancelled your enrolment.",
        Enrolment.CancelReason.STAFF: "We cancelled your enrolment.",
        Enrolment.CancelReason.EXPIRED: "Your reservation lapsed.",
        Enrolment.CancelReason.DATE_CANCELLED: "We cancelled the course date.",
    }.get(enrolment.cancel_reason, "")
    try:
        payments.expire_checkouts(reference=billing.reference(enrolment), now=now)
        payments.refund_reference(
            reference=billing.reference(enrolment),
            amount_pence=refund,
            reason=reason,
            now=now,
        )
    except (ProviderError, payments.PaymentError) as error:
        raise EnrolmentError(
            f"We could not refund the payment for {enrolment.reference} just now, so "
            "nothing was cancelled. Please try again in a few minutes."
        ) from error


def expire_unpaid_reservations(*, now: datetime | None = None) -> int:
    """Cancel reservations whose deposit did not arrive in time; return how many."""
    now = now or timezone.now()
    due = Enrolment.objects.filter(
        status=Enrolment.Status.RESERVED, reserved_until__lte=now
    ).values_list("pk", "course_date_id")
    # One transaction each: one stuck date does not hold up the others.
    return sum(_expire_reservation(pk, date_id, now=now) for pk, date_id in list(due))


@transaction.atomic
def _expire_reservation(pk: int, course_date_id: int, *, now: datetime) -> bool:
    course_date = _lock_date(CourseDate(pk=course_date_id))
    enrolment = Enrolment.objects.select_for_update().get(pk=pk)
    # Paid, cancelled or already expired by another run since we looked.
    if enrolment.status != Enrolment.Status.RESERVED or enrolment.reserved_until > now:
        return False
    _cancel(enrolment, course_date, reason=Enrolment.CancelReason.EXPIRED, now=now)
    return True


@transaction.atomic
def complete_enrolment(
    *, enrolment: Enrolment, now: datetime | None = None
) -> list[Qualification]:
    """Staff mark a confirmed enrolment completed: it gets its certificate (emailed
    to the graduate), and the course's techniques become verified techniques on
    the student's practitioner profile, if they have one.

    Returns the qualifications granted (none when the student has no profile).
    """
    now = now or timezone.now()
    locked = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("course_date__course", "student")
        .get(pk=enrolment.pk)
    )
    if locked.status == Enrolment.Status.COMPLETED:
        raise EnrolmentError(f"{locked.reference} is already completed.")
    if locked.status != Enrolment.Status.CONFIRMED:
        raise EnrolmentError(
            f"Only confirmed enrolments can be completed; {locked.reference} is "
            f"{locked.get_status_display().lower()}."
        )
    course_date = locked.course_date
    if course_date.ends_on > timezone.localdate(now):
        raise EnrolmentError(
            f"{locked.reference} cannot be completed before the course ends on "
            f"{format_day(course_date.ends_on)}."
        )
    locked.status = Enrolment.Status.COMPLETED
    locked.completed_at = now
    locked.save(update_fields=["status", "completed_at", "updated_at"])
    certificate = _issue_certificate(locked, now=now)
    emails.certificate_issued(certificate)
    return grant_course_techniques(enrolment=locked)


def _issue_certificate(enrolment: Enrolment, *, now: datetime) -> Certificate:
    """Under the enrolment's lock. The certificate records what it says as printed."""
    course_date = enrolment.course_date
    course = course_date.course
    year = timezone.localdate(now).year
    number = certificates.new_number(year)
    while Certificate.objects.filter(number=number).exists():  # 1 in 34 billion
        number = certificates.new_number(year)
    certificate = Certificate.objects.create(
        enrolment=enrolment,
        number=number,
        full_name=enrolment.full_name,
        course_title=course.title,
        venue_town=course_date.venue_town,
        starts_on=course_date.starts_on,
        ends_on=course_date.ends_on,
        hours=course.total_hours,
        issued_at=now,
    )
    certificate.techniques.set(course.techniques.all())
    return certificate


def grant_course_techniques(*, enrolment: Enrolment) -> list[Qualification]:
    """Verified techniques for a completed enrolment (idempotent). Also usable when a
    graduate creates their practitioner profile after finishing the course.
    Each carries its certificate's number, so that revoking the certificate
    withdraws them; a revoked certificate grants nothing."""
    if enrolment.status != Enrolment.Status.COMPLETED:
        raise EnrolmentError(f"{enrolment.reference} is not completed.")
    certificate = Certificate.objects.filter(enrolment=enrolment).first()
    if certificate is not None and not certificate.is_valid:
        return []
    practitioner = Practitioner.objects.filter(user_id=enrolment.student_id).first()
    if practitioner is None:
        return []
    course_date = enrolment.course_date
    reference = (
        f"{course_date.course.title}, {course_date.venue_town} "
        f"{course_date.dates_display}"
    )[:200]
    techniques = (
        certificate.techniques.all()
        if certificate is not None
        else course_date.course.techniques.all()
    )
    return [
        grant_verified_technique(
            practitioner=practitioner,
            technique=technique,
            source=Qualification.Source.COURSE,
            reference=reference,
            certificate_number=certificate.number if certificate else "",
            verification_url=_profile_link(certificate),
        )
        for technique in techniques
    ]


def _profile_link(certificate: Certificate | None) -> str:
    if certificate is None or not certificate.linked_from_profile:
        return ""
    return certificate.get_absolute_url()


# --- attendance and certificates ----------------------------------------------------


def register_enrolments(course_date: CourseDate):
    """Who is on a date's register: everyone holding a place, by name."""
    return (
        Enrolment.objects.holding_place()
        .filter(course_date=course_date)
        .order_by("full_name", "pk")
    )


@transaction.atomic
def record_attendance(
    *,
    course_date: CourseDate,
    present: Collection[tuple[int, int]],
    by: User | None = None,
    now: datetime | None = None,
) -> int:
    """Save the register: for every student holding a place and every teaching day
    that has begun, present when (enrolment id, day id) is in `present`, else
    absent. Days still to come are left as they are. Returns the marks saved."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    days = list(course_date.days.filter(day__lte=today))
    if not days:
        raise EnrolmentError(
            "No teaching day of this date has begun yet, so there is no attendance "
            "to record."
        )
    enrolments = list(register_enrolments(course_date).values_list("pk", flat=True))
    marks = [
        Attendance(
            enrolment_id=enrolment_id,
            teaching_day=day,
            present=(enrolment_id, day.pk) in present,
            recorded_at=now,
            recorded_by=by,
        )
        for enrolment_id in enrolments
        for day in days
    ]
    Attendance.objects.bulk_create(
        marks,
        update_conflicts=True,
        unique_fields=["enrolment", "teaching_day"],
        update_fields=["present", "recorded_at", "recorded_by"],
    )
    return len(marks)


def attendance_gaps(enrolment: Enrolment, days: list[TeachingDay]) -> str | None:
    """Why the register does not show `enrolment` at every one of `days`, or None.
    Reads `enrolment.marks` ({day id: present}) when the page loaded them."""
    marks = getattr(enrolment, "marks", None)
    if marks is None:
        marks = dict(enrolment.attendance.values_list("teaching_day_id", "present"))
    missed = sum(1 for day in days if marks.get(day.pk) is False)
    unrecorded = sum(1 for day in days if day.pk not in marks)
    if missed:
        return f"missed {missed} day{'s' if missed != 1 else ''}"
    if unrecorded:
        return (
            f"attendance not recorded for {unrecorded} "
            f"day{'s' if unrecorded != 1 else ''}"
        )
    return None


@dataclass(frozen=True)
class DateCompletion:
    completed: list[Enrolment]
    skipped: list[tuple[Enrolment, str]]  # and why


def complete_course_date(
    *, course_date: CourseDate, now: datetime | None = None
) -> DateCompletion:
    """Complete every confirmed enrolment of a finished date whose register shows
    them at every teaching day; each gets its certificate. The others are left
    for staff to decide one by one, with the reason. Safe to run again."""
    now = now or timezone.now()
    if course_date.ends_on > timezone.localdate(now):
        raise EnrolmentError(
            "This date cannot be completed before the course ends on "
            f"{format_day(course_date.ends_on)}."
        )
    days = list(course_date.days.all())
    completed, skipped = [], []
    confirmed = register_enrolments(course_date).filter(
        status=Enrolment.Status.CONFIRMED
    )
    for enrolment in confirmed:
        if reason := attendance_gaps(enrolment, days):
            skipped.append((enrolment, reason))
            continue
        try:
            complete_enrolment(enrolment=enrolment, now=now)
        except EnrolmentError as error:  # completed meanwhile by someone else
            skipped.append((enrolment, str(error)))
        else:
            completed.append(enrolment)
    return DateCompletion(completed=completed, skipped=skipped)


@transaction.atomic
def revoke_certificate(
    *,
    certificate: Certificate,
    reason: str,
    by: User | None = None,
    now: datetime | None = None,
) -> Certificate:
    """Withdraw a certificate, with a reason the graduate is told (the public only
    sees that it was revoked, and when). The verified techniques it gave go with
    it, unless another valid certificate of theirs covers the same technique."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise EnrolmentError("Give a reason for revoking the certificate.")
    locked = (
        Certificate.objects.select_for_update()
        .select_related("enrolment__student")
        .get(pk=certificate.pk)
    )
    if not locked.is_valid:
        raise EnrolmentError(f"Certificate {locked.number} is already revoked.")
    locked.revoked_at = now
    locked.revoked_reason = reason
    locked.revoked_by = by
    locked.linked_from_profile = False
    locked.save(
        update_fields=[
            "revoked_at",
            "revoked_reason",
            "revoked_by",
            "linked_from_profile",
            "updated_at",
        ]
    )
    withdraw_certificate_techniques(certificate_number=locked.number)
    # Another certificate of theirs may vouch for some of the same techniques.
    for other in (
        Enrolment.objects.filter(
            student_id=locked.enrolment.student_id,
            status=Enrolment.Status.COMPLETED,
            certificate__revoked_at__isnull=True,
        )
        .exclude(pk=locked.enrolment_id)
        .select_related("course_date__course")
    ):
        grant_course_techniques(enrolment=other)
    emails.certificate_revoked(locked)
    return locked


@transaction.atomic
def link_certificate_from_profile(
    *, certificate: Certificate, linked: bool
) -> Certificate:
    """The graduate's choice: may their profile's verified techniques link to this
    certificate's public page (which shows their name and the course)?"""
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not locked.is_valid:
        raise EnrolmentError(
            "This certificate has been revoked, so your profile cannot link to it."
        )
    locked.linked_from_profile = linked
    locked.save(update_fields=["linked_from_profile", "updated_at"])
    set_certificate_link(
        certificate_number=locked.number,
        verification_url=locked.get_absolute_url() if linked else "",
    )
    return locked


# --- the waiting list ------------------------------------------------------------


def _offers_allowed(course_date: CourseDate, now: datetime) -> bool:
    return (
        course_date.course.is_published
        and course_date.status == CourseDate.Status.OPEN
        and not course_date.has_started(timezone.localdate(now))
    )


def _offer_to_next_in_line(
    course_date: CourseDate, *, now: datetime
) -> WaitingListEntry | None:
    """Under the date lock: hold one place for the first person waiting."""
    if not _offers_allowed(course_date, now):
        return None
    entry = (
        WaitingListEntry.objects.select_for_update()
        .filter(course_date=course_date)
        .in_line()
        .first()
    )
    if entry is None:
        return None
    entry.status = WaitingListEntry.Status.OFFERED
    entry.offered_at = now
    entry.offer_expires_at = _hold_until(
        course_date, now=now, hours=settings.COURSES_OFFER_HOURS
    )
    entry.save(update_fields=["status", "offered_at", "offer_expires_at"])
    emails.waiting_list_offer(entry)
    return entry


def _release_place(course_date: CourseDate, *, now: datetime) -> bool:
    """Under the date lock: a held place was given up. The first in line is offered
    it; with nobody waiting it goes back to the pool. True when it was offered on."""
    if _offer_to_next_in_line(course_date, now=now) is None:
        _adjust_places(course_date, -1)
        return False
    return True


@transaction.atomic
def join_waiting_list(
    *, course_date: CourseDate, student: User, now: datetime | None = None
) -> WaitingListEntry:
    """Put `student` at the end of the line for a full date."""
    now = now or timezone.now()
    locked = _lock_date(course_date)
    problem = waiting_list_problem(course_date=locked, student=student, now=now)
    if problem:
        raise EnrolmentError(problem)
    last = WaitingListEntry.objects.filter(course_date=locked).aggregate(
        last=Max("position")
    )["last"]
    return WaitingListEntry.objects.create(
        course_date=locked, student=student, position=(last or 0) + 1
    )


@transaction.atomic
def leave_waiting_list(
    *, entry: WaitingListEntry, now: datetime | None = None
) -> WaitingListEntry:
    """Leave the line, or decline an offer (its place goes to the next person)."""
    now = now or timezone.now()
    course_date = _lock_date(entry.course_date)
    locked = WaitingListEntry.objects.select_for_update().get(pk=entry.pk)
    if not locked.is_active:
        raise EnrolmentError("You are no longer on the waiting list for this date.")
    held_a_place = locked.status == WaitingListEntry.Status.OFFERED
    locked.status = WaitingListEntry.Status.LEFT
    locked.closed_at = now
    locked.save(update_fields=["status", "closed_at"])
    if held_a_place:
        _release_place(course_date, now=now)
    return locked


@transaction.atomic
def offer_free_places(
    *, course_date: CourseDate, now: datetime | None = None
) -> list[WaitingListEntry]:
    """Offer any free places to the people waiting, e.g. after staff add places."""
    now = now or timezone.now()
    locked = _lock_date(course_date)
    offered = []
    while locked.places_left > 0:
        entry = _offer_to_next_in_line(locked, now=now)
        if entry is None:
            break
        _adjust_places(locked, +1)
        offered.append(entry)
    return offered


def expire_waiting_list_offers(*, now: datetime | None = None) -> int:
    """Skip people whose offer lapsed and offer the place to the next in line;
    then offer any free places to people waiting. Returns the offers expired."""
    now = now or timezone.now()
    due = WaitingListEntry.objects.filter(
        status=WaitingListEntry.Status.OFFERED, offer_expires_at__lte=now
    ).values_list("pk", "course_date_id")
    expired = sum(_expire_offer(pk, date_id, now=now) for pk, date_id in list(due))

    with_free_places = (
        CourseDate.objects.filter(
            status=CourseDate.Status.OPEN,
            starts_on__gt=timezone.localdate(now),
            places_taken__lt=F("places"),
            waiting_list__status=WaitingListEntry.Status.WAITING,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    for date_id in list(with_free_places):
        offer_free_places(course_date=CourseDate(pk=date_id), now=now)
    return expired


@transaction.atomic
def _expire_offer(pk: int, course_date_id: int, *, now: datetime) -> bool:
    course_date = _lock_date(CourseDate(pk=course_date_id))
    entry = WaitingListEntry.objects.select_for_update().get(pk=pk)
    # Taken, declined or expired by another run since we looked.
    if entry.status != WaitingListEntry.Status.OFFERED or entry.offer_expires_at > now:
        return False
    entry.status = WaitingListEntry.Status.EXPIRED
    entry.closed_at = now
    entry.save(update_fields=["status", "closed_at"])
    # Release first, so the email can say where the place went.
    if _release_place(course_date, now=now):
        outcome = emails.OfferOutcome.PASSED_ON
    elif course_date.is_open_for_enrolment(timezone.localdate(now)):
        outcome = emails.OfferOutcome.OPEN_AGAIN
    else:
        outcome = emails.OfferOutcome.RELEASED
    entry.course_date = course_date
    emails.waiting_list_offer_expired(entry, outcome=outcome)
    return True


# --- staff -------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseDateSaved:
    """What saving staff's edits of a course date led to."""

    enrolments_cancelled: int | None = None  # the date was cancelled: how many
    places_offered: int = 0  # to the waiting list
    offers_left_open: int = 0  # made before enrolment was closed


@transaction.atomic
def save_course_date(
    *, course_date: CourseDate, changed: Collection[str], now: datetime | None = None
) -> CourseDateSaved:
    """Save the fields staff changed on an existing date, then follow them through.

    Only the changed fields: enrolments may have changed places_taken since the
    admin page was loaded, and that number belongs to this module. A date set to
    cancelled is cancelled with its enrolments (cancel_course_date); more places,
    or a date opened again, offers the free places to the waiting list. Closing
    enrolment leaves the offers already made open until they expire.
    """
    changed = list(changed)
    cancelling = (
        "status" in changed and course_date.status == CourseDate.Status.CANCELLED
    )
    fields = [name for name in changed if not (cancelling and name == "status")]
    if fields:
        _lock_date(course_date)
        course_date.save(update_fields=[*fields, "updated_at"])
    if cancelling:
        cancelled = cancel_course_date(course_date=course_date, now=now)
        return CourseDateSaved(enrolments_cancelled=cancelled)
    offered = []
    if {"places", "status"} & set(changed):
        offered = offer_free_places(course_date=course_date, now=now)
    left_open = 0
    if "status" in changed and course_date.status == CourseDate.Status.CLOSED:
        left_open = course_date.waiting_list.filter(
            status=WaitingListEntry.Status.OFFERED
        ).count()
    return CourseDateSaved(places_offered=len(offered), offers_left_open=left_open)


@transaction.atomic
def cancel_course_date(*, course_date: CourseDate, now: datetime | None = None) -> int:
    """Cancel a date: every reserved or confirmed enrolment is cancelled (and told),
    the waiting list is closed. Safe to repeat. Returns the enrolments cancelled."""
    now = now or timezone.now()
    locked = _lock_date(course_date)
    if locked.status != CourseDate.Status.CANCELLED:
        locked.status = CourseDate.Status.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
    enrolments = list(
        Enrolment.objects.select_for_update().filter(
            course_date=locked,
            status__in=[Enrolment.Status.RESERVED, Enrolment.Status.CONFIRMED],
        )
    )
    for enrolment in enrolments:
        refund = billing.account(enrolment).paid
        enrolment.status = Enrolment.Status.CANCELLED
        enrolment.cancel_reason = Enrolment.CancelReason.DATE_CANCELLED
        enrolment.cancelled_at = now
        enrolment.save(
            update_fields=["status", "cancel_reason", "cancelled_at", "updated_at"]
        )
        _settle_cancelled(enrolment, refund=refund, now=now)
        emails.enrolment_cancelled(enrolment, refunded_pence=refund, kept_pence=0)
    offers_closed = WaitingListEntry.objects.filter(
        course_date=locked, status=WaitingListEntry.Status.OFFERED
    ).update(status=WaitingListEntry.Status.CLOSED, closed_at=now)
    WaitingListEntry.objects.filter(
        course_date=locked, status=WaitingListEntry.Status.WAITING
    ).update(status=WaitingListEntry.Status.CLOSED, closed_at=now)
    freed = len(enrolments) + offers_closed
    if freed:
        _adjust_places(locked, -freed)
    return len(enrolments)


def queue_course_reminders(*, now: datetime | None = None) -> int:
    """Queue the "starts soon" email for confirmed students whose course starts within
    COURSES_REMINDER_DAYS. Each enrolment gets one, however often this runs."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        due = list(
            Enrolment.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=Enrolment.Status.CONFIRMED,
                reminder_queued_at__isnull=True,
                course_date__starts_on__gt=today,
                course_date__starts_on__lte=today
                + timedelta(days=settings.COURSES_REMINDER_DAYS),
            )
            .exclude(course_date__status=CourseDate.Status.CANCELLED)
        )
        for enrolment in due:
            enrolment.reminder_queued_at = now
            enrolment.save(update_fields=["reminder_queued_at"])
            emails.course_starts_soon(enrolment)
    return len(due)


def queue_balance_reminders(*, now: datetime | None = None) -> int:
    """Remind confirmed students who still owe part of the fee:
    COURSES_BALANCE_REMINDER_DAYS before the balance is due, and on the day it is
    due. Each reminder goes once per enrolment (the outbox's deduplication key),
    however often this runs. Returns how many were queued."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = today + timedelta(
        days=settings.COURSES_BALANCE_DUE_DAYS + settings.COURSES_BALANCE_REMINDER_DAYS
    )
    candidates = list(
        billing.with_paid(Enrolment.objects)
        .filter(
            status=Enrolment.Status.CONFIRMED,
            course_date__starts_on__gt=today,
            course_date__starts_on__lte=horizon,
        )
        .exclude(course_date__status=CourseDate.Status.CANCELLED)
        .select_related("course_date__course", "student")
    )
    accounts = billing.accounts(candidates)
    queued = 0
    for enrolment in candidates:
        money = accounts[enrolment.pk]
        if money.paid_in_full:
            continue
        due_on = billing.balance_due_on(enrolment)
        if today >= due_on:
            queued += emails.balance_due(enrolment, money=money, due_on=due_on)
        elif today >= due_on - timedelta(days=settings.COURSES_BALANCE_REMINDER_DAYS):
            queued += emails.balance_reminder(enrolment, money=money, due_on=due_on)
    return queued
