"""Courses emails go through the outbox, once each, without questionnaire answers."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from courses import services
from notifications import outbox
from notifications.models import OutboundEmail
from tests.courses.support import ENROLMENT_DETAILS
from tests.factories import (
    CourseDateFactory,
    EnrolmentFactory,
    StaffFactory,
    UserFactory,
    london,
)

pytestmark = pytest.mark.django_db


def enrol(course_date, student=None, **overrides):
    return services.enrol_student(
        course_date=course_date,
        student=student or UserFactory(),
        **(ENROLMENT_DETAILS | overrides),
    )


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
    assert kinds == ["course.received", "course.confirmed", "course.cancelled"]
    assert (
        "Our staff cancelled" in OutboundEmail.objects.order_by("pk").last().text_body
    )


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
