from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from courses import tasks
from courses.models import Enrolment, WaitingListEntry
from tests.courses.factories import (
    CourseDateFactory,
    EnrolmentFactory,
    WaitingListEntryFactory,
)

pytestmark = pytest.mark.django_db


def test_the_periodic_jobs_are_scheduled():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        tasks.expire_unpaid_reservations.name,
        tasks.expire_waiting_list_offers.name,
        tasks.queue_course_reminders.name,
    } <= scheduled


def test_expire_unpaid_reservations_task_run_twice(sent):
    enrolment = EnrolmentFactory(reserved_until=timezone.now() - timedelta(hours=1))
    assert tasks.expire_unpaid_reservations.apply().get() == 1
    assert tasks.expire_unpaid_reservations.apply().get() == 0
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CANCELLED
    assert sent == [("enrolment_cancelled", enrolment.pk)]


def test_expire_waiting_list_offers_task_run_twice(sent):
    course_date = CourseDateFactory(places=1)
    lapsed = WaitingListEntryFactory(
        course_date=course_date,
        status=WaitingListEntry.Status.OFFERED,
        offer_expires_at=timezone.now() - timedelta(minutes=5),
    )
    following = WaitingListEntryFactory(course_date=course_date)
    assert tasks.expire_waiting_list_offers.apply().get() == 1
    assert tasks.expire_waiting_list_offers.apply().get() == 0
    following.refresh_from_db()
    assert following.status == WaitingListEntry.Status.OFFERED
    assert sent == [
        ("waiting_list_offer", following.pk),
        ("waiting_list_offer_expired", lapsed.pk),
    ]


def test_queue_course_reminders_task_run_twice(sent):
    enrolment = EnrolmentFactory(
        course_date=CourseDateFactory(
            starts_on=timezone.localdate() + timedelta(days=7),
            enrolment_deadline=timezone.localdate(),
        ),
        status=Enrolment.Status.CONFIRMED,
    )
    assert tasks.queue_course_reminders.apply().get() == 1
    assert tasks.queue_course_reminders.apply().get() == 0
    assert sent == [("course_starts_soon", enrolment.pk)]
