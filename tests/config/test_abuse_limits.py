"""Nobody can make the site email an address at will or hammer the slot engine:
guest bookings, enrolments, waiting lists and the slots are limited per IP and per
address or account, with a 429 page in the site's own style."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.forms import format_start
from bookings.models import Booking, HealthIntake, WaitlistRequest
from courses.models import Enrolment, WaitingListEntry
from notifications.models import OutboundEmail
from tests.bookings.factories import ServiceFactory, bookable_service
from tests.clock import future_day, london_at
from tests.courses.factories import CourseDateFactory, EnrolmentFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

ALL_NO = {field: "no" for field, _ in HealthIntake.QUESTIONS}


def guest_booking(client, service, starts_at, email, ip="203.0.113.9"):
    kwargs = {"slug": service.practitioner.slug, "service_id": service.pk}
    client.post(
        reverse("bookings:details", kwargs=kwargs),
        {
            "start": format_start(starts_at),
            "name": "Robin Guest",
            "email": email,
            "phone": "07700 900123",
        },
        REMOTE_ADDR=ip,
    )
    return client.post(
        reverse("bookings:health", kwargs=kwargs),
        {**ALL_NO, "consent": "on"},
        REMOTE_ADDR=ip,
    )


def assert_styled_429(response) -> None:
    assert response.status_code == 429
    html = response.content.decode()
    assert "Please wait a little before trying again" in html
    assert "Holistic Touch" in html  # the site's own page, not allauth's bare one


def test_a_guest_cannot_make_the_site_email_one_address_over_and_over(client):
    service = bookable_service()
    day = future_day(3)
    answers = [
        guest_booking(client, service, london_at(day, 9 + hour), "Victim@Example.com")
        for hour in range(4)
    ]
    assert [answer.status_code for answer in answers[:3]] == [302, 302, 302]
    assert_styled_429(answers[3])
    assert Booking.objects.count() == 3
    to_victim = OutboundEmail.objects.filter(to__iexact="victim@example.com")
    assert to_victim.filter(kind="booking.confirmed").count() == 3


def test_one_address_cannot_book_for_many_addresses(client):
    service = bookable_service(hours=((8, 20),))
    day = future_day(3)
    answers = [
        guest_booking(client, service, london_at(day, 8 + i), f"person{i}@example.com")
        for i in range(11)
    ]
    assert all(answer.status_code == 302 for answer in answers[:10])
    assert_styled_429(answers[10])
    assert Booking.objects.count() == 10
    # Another visitor is not held back by the first one's limit.
    other = guest_booking(
        client,
        service,
        london_at(day + timedelta(days=1), 9),
        "x@example.com",
        "198.51.100.7",
    )
    assert other.status_code == 302


def test_the_slots_api_is_limited_per_ip_with_a_json_429(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "slots": "3/m/ip"}
    service = bookable_service()
    url = reverse("bookings:api-slots", args=[service.practitioner.slug])
    answers = [client.get(url, {"service": service.pk}) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[3].json() == {
        "error": "Too many requests: wait a minute and try again."
    }
    assert answers[3]["Retry-After"] == "60"


def test_the_slots_api_has_a_limit_by_default(settings):
    assert settings.ACCOUNT_RATE_LIMITS["slots"]


def test_the_time_picker_shares_the_slots_limit(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "slots": "2/m/ip"}
    service = bookable_service()
    url = reverse(
        "bookings:choose-time",
        kwargs={"slug": service.practitioner.slug, "service_id": service.pk},
    )
    answers = [client.get(url) for _ in range(3)]
    assert [answer.status_code for answer in answers[:2]] == [200, 200]
    assert_styled_429(answers[2])


def test_enrolment_attempts_are_limited_per_account(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "enrol": "2/h/user"}
    student = UserFactory()
    client.force_login(student)
    course_date = CourseDateFactory()
    url = reverse(
        "courses:enrol", kwargs={"slug": course_date.course.slug, "pk": course_date.pk}
    )
    answers = [client.post(url, {"full_name": ""}) for _ in range(3)]
    assert [answer.status_code for answer in answers[:2]] == [200, 200]
    assert_styled_429(answers[2])
    assert not Enrolment.objects.exists()
    assert settings.ACCOUNT_RATE_LIMITS["enrol"]


def test_joining_waiting_lists_is_limited_per_account(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "waiting_list": "1/h/user",
    }
    client.force_login(UserFactory())
    full = [CourseDateFactory(places=1) for _ in range(2)]
    for course_date in full:
        EnrolmentFactory(course_date=course_date)
    urls = [
        reverse(
            "courses:join-waiting-list",
            kwargs={"slug": course_date.course.slug, "pk": course_date.pk},
        )
        for course_date in full
    ]
    first = client.post(urls[0])
    second = client.post(urls[1])
    assert first.status_code == 302
    assert_styled_429(second)
    assert WaitingListEntry.objects.count() == 1


def test_an_appointment_waiting_list_cannot_email_one_address_over_and_over(
    client, settings
):
    first = bookable_service()
    services = [first] + [
        ServiceFactory(practitioner=first.practitioner, technique=first.technique)
        for _ in range(3)
    ]
    days = {
        "wait-first_day": future_day(2).isoformat(),
        "wait-last_day": future_day(5).isoformat(),
    }
    answers = [
        client.post(
            reverse(
                "bookings:waitlist-join",
                kwargs={"slug": service.practitioner.slug, "service_id": service.pk},
            ),
            {"wait-name": "Sam", "wait-email": "Victim@Example.com", **days},
        )
        for service in services
    ]
    assert [answer.status_code for answer in answers[:3]] == [302, 302, 302]
    assert_styled_429(answers[3])
    assert WaitlistRequest.objects.count() == 3
    emailed = OutboundEmail.objects.filter(to__iexact="victim@example.com")
    assert emailed.count() == 3
    assert settings.ACCOUNT_RATE_LIMITS["appointment_waitlist"]


def test_calendar_reads_are_limited_per_account(client, settings):
    from bookings.models import ExternalCalendar
    from tests.bookings.factories import ExternalCalendarFactory

    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "calendar_fetch": "2/h/user",
    }
    service = bookable_service()
    calendar = ExternalCalendarFactory(practitioner=service.practitioner)
    client.force_login(service.practitioner.user)
    refresh = reverse("bookings:calendar-refresh", kwargs={"pk": calendar.pk})
    # The fetcher refuses a local address, so nothing leaves the machine.
    calendar.url = "http://127.0.0.1:9/c.ics"
    calendar.save()
    answers = [client.post(refresh) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [302, 302]
    assert_styled_429(
        client.post(
            reverse("bookings:calendar-add"),
            {"calendar-name": "Gym", "calendar-url": "https://example.com/g.ics"},
        )
    )
    assert ExternalCalendar.objects.count() == 1
    assert settings.ACCOUNT_RATE_LIMITS["calendar_fetch"]
