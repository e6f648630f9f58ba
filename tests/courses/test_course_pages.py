"""Course pages people can decide on, and what enrolled students get: joining
instructions and their teaching days for their calendar."""

import json
import re
from datetime import time, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from courses.models import CourseQuestion, Enrolment, TeachingDay, Tutor
from tests.courses.factories import CourseDateFactory, CourseFactory, EnrolmentFactory
from tests.directory.factories import PlaceFactory
from tests.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    course = CourseFactory(
        title="Holistic Massage Diploma",
        syllabus="- Anatomy\n- **Holistic** routine",
        entry_requirements="No experience needed.",
        included="- Couches and oils",
        assessment="A practical exam.",
    )
    helen = Tutor.objects.create(
        name="Helen Carter", role="Lead tutor", bio="Twenty years of practice."
    )
    course.tutors.add(helen)
    CourseQuestion.objects.create(
        course=course, question="Can I pay in instalments?", answer="Yes, *three*."
    )
    return course


@pytest.fixture
def course_date(course):
    course_date = CourseDateFactory(
        course=course,
        venue_name="The Old Library",
        venue_address="12 North Road",
        venue_postcode="BN1 1YA",
        venue_latitude=50.8262,
        venue_longitude=-0.1392,
        venue_directions="Ten minutes from the station.",
        joining_instructions="Arrive by **9:15**.",
    )
    for n, (start, end) in enumerate([(time(9, 30), time(17)), (time(10), time(16))]):
        TeachingDay.objects.create(
            course_date=course_date,
            day=course_date.starts_on + timedelta(days=n),
            starts_at=start,
            ends_at=end,
            note="Practical assessment" if n else "",
        )
    return course_date


def test_the_course_page_has_what_people_need_to_decide(client, course, course_date):
    html = client.get(course.get_absolute_url()).content.decode()
    for heading in ["What you will learn", "Entry requirements", "What is included",
                    "Assessment and certificate", "Your tutor", "Dates",
                    "Questions people ask"]:  # fmt: skip
        assert f">{heading}" in html, heading
    assert "<strong>Holistic</strong> routine" in html
    assert "Helen Carter" in html and "Twenty years of practice." in html
    assert "<summary" in html and "Can I pay in instalments?" in html
    assert "<em>three</em>" in html
    assert "deposit £300" in html
    assert "2 teaching days" in html
    assert "https://www.openstreetmap.org/?mlat=50.82620&amp;mlon=-0.13920" in html


def test_the_course_page_takes_a_fixed_number_of_queries(
    client, course, course_date, django_assert_max_num_queries
):
    for _ in range(4):
        other = CourseDateFactory(course=course)
        TeachingDay.objects.create(
            course_date=other, day=other.starts_on, starts_at=time(9), ends_at=time(17)
        )
        course.tutors.add(Tutor.objects.create(name="Tutor", bio="Bio."))
    with django_assert_max_num_queries(12):
        assert client.get(course.get_absolute_url()).status_code == 200


def test_a_course_without_the_new_sections_still_reads_well(client):
    course = CourseFactory()
    html = client.get(course.get_absolute_url()).content.decode()
    assert "What you will learn" not in html and "Your tutor" not in html
    assert "Questions people ask" not in html


def test_the_course_json_ld_names_the_tutors_and_requirements(
    client, course, course_date
):
    html = client.get(course.get_absolute_url()).content.decode()
    data = json.loads(
        re.search(
            r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S
        ).group(1)  # fmt: skip
    )
    assert data["coursePrerequisites"] == "No experience needed."
    assert data["hasCourseInstance"][0]["instructor"] == [
        {"@type": "Person", "name": "Helen Carter"}
    ]


def test_the_date_page_shows_the_venue_with_directions_and_the_timetable(
    client, course_date
):
    html = client.get(course_date.get_absolute_url()).content.decode()
    assert (
        "https://www.openstreetmap.org/directions?route=%3B50.82620%2C-0.13920" in html
    )
    assert "Ten minutes from the station." in html
    assert ">Timetable</h2>" in html
    first = course_date.starts_on
    assert f"{first:%A} {first.day} {first:%B %Y}" in html
    assert "09:30–17:00" in html and "10:00–16:00" in html
    assert "Practical assessment" in html
    assert "places left" in html
    assert "£300" in html  # the deposit
    # Joining instructions are for enrolled students only.
    assert "Arrive by" not in html


def test_a_venue_without_coordinates_links_to_a_map_search():
    course_date = CourseDateFactory.build(
        venue_address="1 North Street", venue_postcode="BN1 1AA"
    )
    assert course_date.map_url == (
        "https://www.openstreetmap.org/search?query=1+North+Street%2C+BN1+1AA"
    )
    assert course_date.directions_url == course_date.map_url


def test_the_admin_finds_the_venue_from_its_postcode(client):
    PlaceFactory(kind="postcode", name="BN1 1YA", key="BN1 1YA", latitude=50.8262,
                 longitude=-0.1392)  # fmt: skip
    course_date = CourseDateFactory(venue_postcode="BN1 1YA")
    from tests.courses.test_admin import course_date_form

    client.force_login(StaffFactory())
    response = client.post(
        reverse("admin:courses_coursedate_change", args=[course_date.pk]),
        course_date_form(course_date, venue_latitude="", venue_longitude="",
                         venue_directions="", joining_instructions=""),
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    course_date.refresh_from_db()
    assert (course_date.venue_latitude, course_date.venue_longitude) == (
        50.8262,
        -0.1392,
    )


def test_a_teaching_day_must_fall_within_the_date(course_date):
    from django.core.exceptions import ValidationError

    day = TeachingDay(
        course_date=course_date,
        day=course_date.ends_on + timedelta(days=1),
        starts_at=time(9),
        ends_at=time(17),
    )
    with pytest.raises(ValidationError, match="must fall between"):
        day.full_clean()
    backwards = TeachingDay(
        course_date=course_date, day=course_date.ends_on, starts_at=time(17),
        ends_at=time(9),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="must end after it starts"):
        backwards.full_clean()


def enrolled(course_date, **kwargs) -> Enrolment:
    return EnrolmentFactory(course_date=course_date, student=UserFactory(), **kwargs)


def test_after_enrolling_the_student_sees_joining_instructions_and_calendar_links(
    client, course_date
):
    enrolment = enrolled(course_date)
    client.force_login(enrolment.student)
    html = client.get(enrolment.get_absolute_url()).content.decode()
    assert "Arrive by <strong>9:15</strong>." in html
    assert "Ten minutes from the station." in html
    assert reverse("courses:calendar", args=[enrolment.pk]) in html
    assert "Add all 2 teaching days to your calendar" in html
    for day in course_date.days.all():
        assert reverse("courses:calendar-day", args=[enrolment.pk, day.pk]) in html


def test_a_cancelled_enrolment_has_no_joining_instructions(client, course_date):
    enrolment = enrolled(
        course_date, status=Enrolment.Status.CANCELLED, reserved_until=None
    )
    client.force_login(enrolment.student)
    html = client.get(enrolment.get_absolute_url()).content.decode()
    assert "Joining instructions" not in html
    calendar = reverse("courses:calendar", args=[enrolment.pk])
    assert client.get(calendar).status_code == 404


def test_the_calendar_file_has_every_teaching_day_in_uk_time(client, course_date):
    enrolment = enrolled(course_date)
    client.force_login(enrolment.student)
    response = client.get(reverse("courses:calendar", args=[enrolment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    first, second = events
    assert first.decoded("dtstart").hour == 9 and first.decoded("dtstart").minute == 30
    assert str(first.decoded("dtstart").tzinfo) == "Europe/London"
    assert second.decoded("dtend").hour == 16
    assert str(first["summary"]) == (
        f"Holistic Massage Diploma, {course_date.venue_town} (day 1 of 2)"
    )
    assert "The Old Library" in str(first["location"])
    assert "Practical assessment" in str(second["description"])
    assert len({str(event["uid"]) for event in events}) == 2


def test_one_day_can_be_added_on_its_own(client, course_date):
    enrolment = enrolled(course_date)
    second = course_date.days.order_by("day").last()
    client.force_login(enrolment.student)
    response = client.get(
        reverse("courses:calendar-day", args=[enrolment.pk, second.pk])
    )
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["summary"]).endswith("(day 2 of 2)") for e in events] == [True]
    other_day = TeachingDay.objects.create(
        course_date=CourseDateFactory(), day=second.day, starts_at=time(9),
        ends_at=time(10),
    )  # fmt: skip
    assert (
        client.get(
            reverse("courses:calendar-day", args=[enrolment.pk, other_day.pk])
        ).status_code
        == 404
    )


def test_someone_else_s_calendar_is_a_404(client, course_date):
    enrolment = enrolled(course_date)
    client.force_login(UserFactory())
    assert (
        client.get(reverse("courses:calendar", args=[enrolment.pk])).status_code == 404
    )


def test_the_confirmation_and_reminder_emails_carry_the_joining_instructions(
    course_date,
):
    from courses import services
    from notifications.models import OutboundEmail

    enrolment = enrolled(course_date)
    services.record_deposit(enrolment=enrolment)
    email = OutboundEmail.objects.get(kind="course.confirmed")
    assert "Arrive by **9:15**." in email.text_body


def test_staff_add_a_tutor_whose_photo_is_resized(client):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1500), "teal").save(buffer, format="PNG")
    client.force_login(StaffFactory())
    response = client.post(
        reverse("admin:courses_tutor_add"),
        {"name": "Helen Carter", "role": "Lead tutor", "bio": "Twenty years.",
         "position": "0",
         "photo": SimpleUploadedFile("helen.png", buffer.getvalue(), "image/png")},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    tutor = Tutor.objects.get(name="Helen Carter")
    assert tutor.photo.name.endswith(".jpg")
    with Image.open(tutor.photo) as saved:
        assert max(saved.size) == 800 and saved.format == "JPEG"
