"""services.save_course_date: what staff's edits of a course date lead to."""

import pytest

from courses import services
from courses.models import CourseDate, Enrolment, WaitingListEntry
from tests.courses.factories import (
    CourseDateFactory,
    EnrolmentFactory,
    WaitingListEntryFactory,
    full_course_date,
)

pytestmark = pytest.mark.django_db

Saved = services.CourseDateSaved


def edit(course_date: CourseDate, **changes) -> Saved:
    """As the admin saves its form: the instance carries the edits."""
    for name, value in changes.items():
        setattr(course_date, name, value)
    return services.save_course_date(course_date=course_date, changed=list(changes))


def test_only_the_changed_fields_are_written():
    course_date = CourseDateFactory(places=5)
    stale = CourseDate.objects.get(pk=course_date.pk)
    EnrolmentFactory(course_date=course_date)  # after the page was loaded
    assert edit(stale, schedule="Five weekends") == Saved()
    course_date.refresh_from_db()
    assert course_date.schedule == "Five weekends"
    assert course_date.places_taken == 1


def test_cancelling_a_date_cancels_its_enrolments_and_says_how_many():
    course_date = CourseDateFactory()
    enrolments = [EnrolmentFactory(course_date=course_date) for _ in range(2)]
    waiting = WaitingListEntryFactory(course_date=course_date)
    saved = edit(course_date, status=CourseDate.Status.CANCELLED, schedule="None")
    assert saved == Saved(enrolments_cancelled=2)
    course_date.refresh_from_db()
    assert course_date.status == CourseDate.Status.CANCELLED
    assert course_date.schedule == "None"
    assert course_date.places_taken == 0
    for enrolment in enrolments:
        enrolment.refresh_from_db()
        assert enrolment.cancel_reason == Enrolment.CancelReason.DATE_CANCELLED
    waiting.refresh_from_db()
    assert waiting.status == WaitingListEntry.Status.CLOSED


def test_more_places_go_to_the_waiting_list():
    course_date = full_course_date(places=1)
    first, second = (WaitingListEntryFactory(course_date=course_date) for _ in "12")
    assert edit(course_date, places=2) == Saved(places_offered=1)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitingListEntry.Status.OFFERED
    assert second.status == WaitingListEntry.Status.WAITING


def test_opening_a_closed_date_again_offers_its_free_places():
    course_date = CourseDateFactory(places=1, status=CourseDate.Status.CLOSED)
    entry = WaitingListEntryFactory(course_date=course_date)
    assert edit(course_date, status=CourseDate.Status.OPEN) == Saved(places_offered=1)
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED


def test_closing_a_date_keeps_the_offers_already_made_and_makes_no_more():
    course_date = CourseDateFactory(places=2)
    offer = WaitingListEntryFactory(
        course_date=course_date, status=WaitingListEntry.Status.OFFERED
    )
    waiting = WaitingListEntryFactory(course_date=course_date)
    assert edit(course_date, status=CourseDate.Status.CLOSED) == Saved(
        offers_left_open=1
    )
    offer.refresh_from_db()
    waiting.refresh_from_db()
    assert offer.status == WaitingListEntry.Status.OFFERED
    assert waiting.status == WaitingListEntry.Status.WAITING
