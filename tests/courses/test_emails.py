"""Courses emails go through the outbox, once each, without questionnaire answers."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from courses import services
from courses.models import CourseDate, WaitingListEntry
from notifications import outbox
from notifications.models import OutboundEmail
from tests.clock import london
from tests.courses.factories import (
    CourseDateFactory,
    EnrolmentFactory,
    WaitingListEntryFactory,
    enrol,
)
from tests.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_enrolling_queues_one_email_with_deposit_instructions(mailoutbox):
    student = UserFactory(email="rosa@example.com")
    enrolment = enrol(
        CourseDateFactory(),
        student=student,
        motivation="A private reason about my health",
        access_needs="Wheelchair user",
    )
    email = OutboundEmail.objects.get()
    assert email.kind == "course.received"
    assert email.to == "rosa@example.com"
    assert enrolment.reference in email.subject
    assert "deposit" in email.text_body.lower()
    outbox.deliver_due()
    assert len(mailoutbox) == 1
    for private in ["A private reason", "Wheelchair user", "07700 900123"]:
        assert private not in mailoutbox[0].body
        assert private not in mailoutbox[0].alternatives[0][0]


def test_confirming_and_cancelling_each_email_once():
    enrolment = enrol(CourseDateFactory())
    services.record_deposit(enrolment=enrolment, reference="BANK-1")
    enrolment.refresh_from_db()
    services.cancel_enrolment(enrolment=enrolment, by=StaffFactory())
    kinds = list(OutboundEmail.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [
        "course.received",
        "course.confirmed",
        "payment.receipt",
        "payment.refund",
        "course.cancelled",
    ]
    cancelled = OutboundEmail.objects.order_by("pk").last().text_body
    assert "Our staff cancelled" in cancelled
    assert "We have refunded £300" in cancelled


def test_the_week_before_reminder_is_queued_once():
    soon = CourseDateFactory(
        starts_on=timezone.localdate() + timedelta(days=5),
        ends_on=timezone.localdate() + timedelta(days=6),
        enrolment_deadline=timezone.localdate() + timedelta(days=4),
    )
    enrolment = enrol(soon)
    services.record_deposit(enrolment=enrolment)
    assert services.queue_course_reminders() == 1
    assert services.queue_course_reminders() == 0
    assert OutboundEmail.objects.filter(kind="course.starts-soon").count() == 1
    reminder = OutboundEmail.objects.get(kind="course.starts-soon")
    assert reminder.send_before == soon.starts_at


def test_a_waiting_list_offer_and_its_expiry_are_emailed():
    course_date = CourseDateFactory(places=1)
    first = enrol(course_date)
    waiting = UserFactory()
    services.join_waiting_list(course_date=course_date, student=waiting)
    services.cancel_enrolment(enrolment=first, by=first.student)
    offer = OutboundEmail.objects.get(kind="course.waiting-list-offer")
    assert offer.to == waiting.email
    assert "holding it for you until" in offer.text_body
    later = timezone.now() + timedelta(hours=49)
    services.expire_waiting_list_offers(now=later)
    services.expire_waiting_list_offers(now=later)
    assert (
        OutboundEmail.objects.filter(kind="course.waiting-list-offer-expired").count()
        == 1
    )


def test_a_late_offer_email_says_it_is_held_until_the_day_before_the_start():
    course_date = CourseDateFactory(
        places=1, starts_on=date(2030, 4, 1), enrolment_deadline=date(2030, 4, 1)
    )
    enrolment = EnrolmentFactory(course_date=course_date)
    services.join_waiting_list(
        course_date=course_date,
        student=UserFactory(),
        now=london(2030, 3, 29, 10, 0),
    )
    services.cancel_enrolment(
        enrolment=enrolment, by=enrolment.student, now=london(2030, 3, 30, 12, 0)
    )
    offer = OutboundEmail.objects.get(kind="course.waiting-list-offer")
    assert (
        "holding it for you until the end of Sunday 31 March 2030 (UK time)"
        in offer.text_body
    )
    assert "00:00" not in offer.text_body
    # Nobody else is waiting, and the course starts then: no "next person".
    assert "next person" not in offer.text_body


def expired_offer_email(*, waiting_after: bool, **date_changes) -> str:
    """Let an offer lapse; return the text of the email that says so."""
    course_date = CourseDateFactory(places=1)
    WaitingListEntryFactory(
        course_date=course_date,
        status=WaitingListEntry.Status.OFFERED,
        offer_expires_at=timezone.now() - timedelta(minutes=1),
        position=1,
    )
    if waiting_after:
        WaitingListEntryFactory(course_date=course_date, position=2)
    CourseDate.objects.filter(pk=course_date.pk).update(**date_changes)
    services.expire_waiting_list_offers()
    return OutboundEmail.objects.get(kind="course.waiting-list-offer-expired").text_body


def test_an_expired_offer_passed_on_says_it_went_to_the_next_person():
    text = expired_offer_email(waiting_after=True)
    assert "offered it to the next person on the waiting list" in text


def test_an_expired_offer_with_nobody_waiting_says_the_place_is_open_again():
    text = expired_offer_email(waiting_after=False)
    assert "next person" not in text
    assert "Nobody else is waiting for it, so it is open for enrolment again" in text


@pytest.mark.parametrize(
    ("date_changes", "waiting_after"),
    [
        ({"status": CourseDate.Status.CLOSED}, False),
        # Staff closed the date: the people still waiting are not offered it.
        ({"status": CourseDate.Status.CLOSED}, True),
        # After the deadline nobody new may enrol (the waiting list still may).
        ({"enrolment_deadline": timezone.localdate() - timedelta(days=1)}, False),
    ],
    ids=["closed", "closed-others-waiting", "deadline"],
)
def test_an_expired_offer_after_enrolment_closed_says_the_place_was_released(
    date_changes, waiting_after
):
    text = expired_offer_email(waiting_after=waiting_after, **date_changes)
    assert "next person" not in text
    assert "open for enrolment again" not in text
    assert "enrolment for this date has closed, so the place has been released" in (
        text
    )
