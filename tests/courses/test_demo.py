import pytest
from django.core.management import call_command

from courses.demo import STUDENT_EMAIL, STUDENT_PASSWORD
from courses.models import (
    Certificate,
    Course,
    CourseDate,
    Enrolment,
    WaitingListEntry,
)

pytestmark = pytest.mark.django_db


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
    call_command("seed_demo")
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
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first


def test_the_demo_has_course_pages_timetables_and_a_graduate_to_check(client):
    call_command("seed_demo")
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
