"""Enrolments, attendance, certificates and waiting lists in a person's data
download, and their erasure.

See `users.privacy` for how these are called. Places are given up through the
services, so each freed place goes to the next person waiting. An enrolment on
which money changed hands, or that was completed, is kept for the accounts and the
certificates, without anything the student told us; the rest are deleted. A
certificate stays in the register with the name printed on it, so that whoever
was shown it can still check it; it no longer links from a profile.
"""

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from core.links import absolute_url
from users.models import User
from users.privacy import DeletionRefused, isoformat

from . import services
from .models import Attendance, Certificate, Enrolment, WaitingListEntry

DELETED_NAME = "Deleted student"
DELETED_PHONE = "00000 000000"
DELETED_TEXT = "(deleted)"


# --- export ------------------------------------------------------------------------


def export(user: User) -> dict:
    enrolments = (
        Enrolment.objects.for_student(user)
        .select_related("course_date__course", "certificate")
        .prefetch_related(
            Prefetch(
                "attendance",
                queryset=Attendance.objects.select_related("teaching_day").order_by(
                    "teaching_day__day"
                ),
            ),
            "certificate__techniques",
        )
        .order_by("created_at", "pk")
    )
    entries = (
        WaitingListEntry.objects.for_student(user)
        .select_related("course_date__course")
        .order_by("created_at", "pk")
    )
    return {
        "course_enrolments": [_enrolment(enrolment) for enrolment in enrolments],
        "course_waiting_lists": [_waiting(entry) for entry in entries],
    }


def _course(course_date) -> dict:
    return {
        "course": course_date.course.title,
        "venue": course_date.venue_display,
        "starts_on": course_date.starts_on.isoformat(),
        "ends_on": course_date.ends_on.isoformat(),
    }


def _enrolment(enrolment: Enrolment) -> dict:
    return {
        "reference": enrolment.reference,
        **_course(enrolment.course_date),
        "status": enrolment.get_status_display(),
        "name_given": enrolment.full_name,
        "phone_given": enrolment.phone,
        "questionnaire": {
            "massage_experience": enrolment.get_experience_display(),
            "why_you_want_to_take_this_course": enrolment.motivation,
            "how_you_heard_about_us": enrolment.get_heard_about_display(),
            "access_or_learning_needs": enrolment.access_needs,
        },
        "price": str(enrolment.price),
        "deposit": str(enrolment.deposit),
        "deposit_paid": isoformat(enrolment.deposit_paid_at),
        "payment_reference": enrolment.payment_reference,
        "enrolled": isoformat(enrolment.created_at),
        "reserved_until": isoformat(enrolment.reserved_until),
        "confirmed": isoformat(enrolment.confirmed_at),
        "completed": isoformat(enrolment.completed_at),
        "cancelled": isoformat(enrolment.cancelled_at),
        "cancellation": enrolment.get_cancel_reason_display() or None,
        "attendance": [
            {
                "day": mark.teaching_day.day.isoformat(),
                "present": mark.present,
            }
            for mark in enrolment.attendance.all()
        ],
        "certificate": _certificate(getattr(enrolment, "certificate", None)),
    }


def _certificate(certificate: Certificate | None) -> dict | None:
    if certificate is None:
        return None
    return {
        "number": certificate.number,
        "name_on_it": certificate.full_name,
        "course": certificate.course_title,
        "techniques": [t.name for t in certificate.techniques.all()],
        "issued": isoformat(certificate.issued_at),
        "public_page": absolute_url(certificate.get_absolute_url()),
        "your_profile_links_to_it": certificate.linked_from_profile,
        "revoked": isoformat(certificate.revoked_at),
        "revocation_reason": certificate.revoked_reason or None,
    }


def _waiting(entry: WaitingListEntry) -> dict:
    return {
        **_course(entry.course_date),
        "status": entry.get_status_display(),
        "joined": isoformat(entry.created_at),
        "offered": isoformat(entry.offered_at),
        "offer_held_until": isoformat(entry.offer_expires_at),
        "left": isoformat(entry.closed_at),
    }


# --- deletion ----------------------------------------------------------------------


def _contact() -> str:
    return f"contact us at {settings.CONTACT_EMAIL} or on {settings.CONTACT_PHONE}"


def can_erase(user: User) -> str | None:
    today = timezone.localdate()
    unfinished = Enrolment.objects.for_student(user).filter(
        course_date__ends_on__gte=today
    )
    paid = (
        unfinished.filter(deposit_paid_at__isnull=False)
        .select_related("course_date__course")
        .first()
    )
    if paid is not None:
        return (
            f"You have paid a deposit for {paid.course_date} ({paid.reference}). "
            f"Please {_contact()} so we can settle your place and deposit; then we "
            "can delete your account."
        )
    under_way = (
        unfinished.filter(
            status=Enrolment.Status.RESERVED, course_date__starts_on__lte=today
        )
        .select_related("course_date__course")
        .first()
    )
    if under_way is not None:
        return (
            f"You hold a place on {under_way.course_date} ({under_way.reference}), "
            f"which has started. Please {_contact()} to give it up; then we can "
            "delete your account."
        )
    return None


def erase(user: User) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    # can_erase allowed only reservations (no deposit) on dates not yet started.
    reserved = Enrolment.objects.for_student(user).filter(
        status=Enrolment.Status.RESERVED, course_date__starts_on__gt=today
    )
    try:
        for enrolment in reserved.select_related("course_date"):
            services.cancel_enrolment(enrolment=enrolment, by=user, now=now)
        for entry in WaitingListEntry.objects.for_student(user).active():
            services.leave_waiting_list(entry=entry, now=now)
    except services.EnrolmentError as error:
        raise DeletionRefused(f"{error} Please {_contact()}.") from error
    # Staff may have recorded a deposit since can_erase looked.
    if reason := can_erase(user):
        raise DeletionRefused(reason)

    WaitingListEntry.objects.for_student(user).delete()
    Enrolment.objects.for_student(user).filter(
        status=Enrolment.Status.CANCELLED, deposit_paid_at__isnull=True
    ).delete()
    Certificate.objects.for_student(user).update(linked_from_profile=False)
    Enrolment.objects.for_student(user).update(
        full_name=DELETED_NAME,
        phone=DELETED_PHONE,
        motivation=DELETED_TEXT,
        heard_about="",
        access_needs="",
        updated_at=now,
    )
