from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from courses.demo import STUDENT_EMAIL, STUDENT_PASSWORD
from courses.models import (
    Certificate,
    Course,
    CourseDate,
    Enrolment,
    WaitingListEntry,
)

# The demo is loaded once for the module (tests/conftest.py: demo_data).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_data")]


def snapshot():
    return (
        sorted(Course.objects.values_list("slug", "is_published", "price")),
        sorted(
            CourseDate.objects.values_list(
                "course__slug", "venue_town", "starts_on", "places", "places_taken"
            )
        ),
        sorted(
            Enrolment.objects.values_list("student__email", "course_date", "status")
        ),
        sorted(
            WaitingListEntry.objects.values_list(
                "student__email", "course_date", "position", "status"
            )
        ),
        sorted(Certificate.objects.values_list("number", "linked_from_profile")),
        sorted(CourseDate.objects.values_list("pk", "days__day", "venue_latitude")),
    )


def test_the_demo_has_brighton_and_bath_dates_one_almost_full_one_full(client):
    diploma = CourseDate.objects.filter(course__slug="holistic-massage-diploma")
    brighton = diploma.get(venue_town="Brighton")
    bath = diploma.get(venue_town="Bath")
    assert 0 < brighton.places_left <= 3
    assert bath.is_full
    assert bath.waiting_list.active().count() == 2
    assert bath.waiting_list.in_line().first().student.email == STUDENT_EMAIL
    for course_date in CourseDate.objects.all():
        assert course_date.places_taken == (
            course_date.enrolments.holding_place().count()
        )
        if not course_date.has_started():
            assert course_date.is_open_for_enrolment() == (
                course_date.course.is_published
            )
    assert not Course.objects.get(slug="hot-stone-massage").is_published
    assert client.login(email=STUDENT_EMAIL, password=STUDENT_PASSWORD)
    assert Enrolment.objects.filter(student__email=STUDENT_EMAIL).exists()


def test_seeding_the_demo_twice_changes_nothing():
    first = snapshot()  # seeded once by demo_data
    call_command("seed_demo")
    assert snapshot() == first


def test_the_demo_has_course_pages_timetables_and_a_graduate_to_check(client):
    diploma = Course.objects.get(slug="holistic-massage-diploma")
    assert diploma.syllabus and diploma.entry_requirements and diploma.assessment
    assert diploma.tutors.exists() and diploma.faqs.exists()
    for course_date in CourseDate.objects.all():
        assert course_date.days.exists(), course_date
        assert course_date.venue_latitude is not None, course_date
        assert course_date.joining_instructions
    certificate = Certificate.objects.get(
        enrolment__student__email="practitioner@demo.example"
    )
    assert certificate.is_valid and certificate.linked_from_profile
    page = client.get(certificate.get_absolute_url())
    assert "This certificate is valid" in page.content.decode()
    profile = certificate.enrolment.student.practitioner.get_absolute_url()
    assert certificate.get_absolute_url() in client.get(profile).content.decode()


NUMBERS = {"One": 1, "Two": 2, "Three": 3, "Four": 4, "Five": 5, "Six": 6}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
WEEKDAYS += ["Sunday"]


def test_demo_dates_fall_on_the_weekdays_their_schedule_names():
    for course_date in CourseDate.objects.prefetch_related("days"):
        schedule = course_date.schedule
        named = {n for n, name in enumerate(WEEKDAYS) if name in schedule}
        days = sorted(day.day for day in course_date.days.all())
        assert named and days, schedule
        assert {day.weekday() for day in days} <= named, (schedule, days)
        assert (days[0], days[-1]) == (course_date.starts_on, course_date.ends_on)
        count = NUMBERS[schedule.split()[0]]
        if "weekend" in schedule:
            weekends = {day.isocalendar()[:2] for day in days}
            assert len(weekends) == count, (schedule, days)
            assert len(days) == count * len(named), (schedule, days)
        else:
            assert len(days) == count, (schedule, days)


def test_the_demo_diploma_intakes_are_brighton_in_april_and_bath_in_october():
    today = timezone.localdate()
    diploma = CourseDate.objects.filter(course__slug="holistic-massage-diploma")
    for town, month in [("Brighton", 4), ("Bath", 10)]:
        intake = diploma.get(venue_town=town)
        assert intake.starts_on.month == month
        # The next one after today: within the coming year, still open to enrol.
        assert today < intake.enrolment_deadline
        assert intake.starts_on - today <= timedelta(days=366 + 7)
