"""Real threads racing on one course date: the row lock and the check constraint
keep the places exact. transaction=True so each thread sees the others' commits."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses import services
from courses.models import Enrolment
from tests.courses.factories import (
    ENROLMENT_DETAILS,
    CourseDateFactory,
    EnrolmentFactory,
)
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_five_students_racing_for_the_last_three_places_get_exactly_three(
    run_together,
):
    course_date = CourseDateFactory(places=10)
    for _ in range(7):
        EnrolmentFactory(course_date=course_date)
    students = [UserFactory() for _ in range(25)]

    results = run_together(
        *[
            lambda student=student: services.enrol_student(
                course_date=course_date, student=student, **ENROLMENT_DETAILS
            )
            for student in students
        ]
    )

    enrolled = [r for r in results if isinstance(r, Enrolment)]
    refused = [r for r in results if isinstance(r, services.EnrolmentError)]
    assert len(enrolled) == 3
    assert len(refused) == 22, [r for r in results if r not in enrolled + refused]
    assert all("full" in str(error) for error in refused)
    course_date.refresh_from_db()
    assert course_date.places_taken == 10
    assert (
        Enrolment.objects.holding_place().filter(course_date=course_date).count() == 10
    )


def test_one_student_submitting_twice_at_once_gets_one_enrolment(run_together):
    course_date = CourseDateFactory(places=5)
    student = UserFactory()

    results = run_together(
        *[
            lambda: services.enrol_student(
                course_date=course_date, student=student, **ENROLMENT_DETAILS
            )
        ]
        * 20
    )

    assert sum(isinstance(r, Enrolment) for r in results) == 1
    assert all(
        isinstance(r, Enrolment) or "already enrolled" in str(r) for r in results
    )
    course_date.refresh_from_db()
    assert course_date.places_taken == 1


def test_two_expiry_jobs_at_once_expire_each_reservation_once(run_together):
    course_date = CourseDateFactory(places=5)
    for _ in range(4):
        EnrolmentFactory(
            course_date=course_date, reserved_until=timezone.now() - timedelta(hours=1)
        )

    results = run_together(*[services.expire_unpaid_reservations] * 4)

    assert sum(results) == 4
    course_date.refresh_from_db()
    assert course_date.places_taken == 0
