"""The practitioner's agenda, services, availability and calendar feed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, CalendarFeed, DateOverride, Service, WeeklyHours
from tests.bookings.factories import (
    BookingFactory,
    HealthIntakeFactory,
    WeeklyHoursFactory,
    book,
    bookable_service,
)
from tests.clock import future_day, london_at
from tests.directory.factories import (
    LocationFactory,
    PractitionerFactory,
    TechniqueFactory,
)
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD_PAGES = ["agenda", "services", "availability", "calendar"]


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.fixture
def practitioner(client):
    service = bookable_service()
    client.force_login(service.practitioner.user)
    return service.practitioner


@pytest.mark.parametrize("name", DASHBOARD_PAGES)
def test_dashboard_pages_are_a_404_for_someone_who_is_not_a_practitioner(client, name):
    client.force_login(UserFactory())
    assert client.get(reverse(f"bookings:{name}")).status_code == 404


@pytest.mark.parametrize("name", DASHBOARD_PAGES)
def test_dashboard_pages_ask_visitors_to_log_in(client, name):
    response = client.get(reverse(f"bookings:{name}"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("name", DASHBOARD_PAGES)
def test_dashboard_pages_render_for_the_practitioner(client, practitioner, name):
    assert client.get(reverse(f"bookings:{name}")).status_code == 200


# --- agenda ---------------------------------------------------------------------------


def test_the_agenda_shows_this_weeks_appointments_and_pending_requests(
    client, practitioner
):
    service = practitioner.services.get()
    day = future_day(1)
    confirmed = book(service, london_at(day, 10), name="Connie Confirmed")
    pending = book(
        service, london_at(day, 14), name="Penny Pending", intake={"unwell": 1}
    )
    html = client.get(
        reverse("bookings:agenda"), {"view": "day", "date": day.isoformat()}
    ).content.decode()
    assert "Connie Confirmed" in html and "Penny Pending" in html
    assert "Waiting for your review (1)" in html
    assert reverse("bookings:agenda-booking", args=[confirmed.pk]) in html
    assert reverse("bookings:agenda-approve", args=[pending.pk]) in html
    assert "10:00" in html  # local wall-clock time


def test_the_agenda_never_shows_someone_elses_bookings(client, practitioner):
    other = BookingFactory(client_name="Other Person")
    html = client.get(
        reverse("bookings:agenda"),
        {"date": other.starts_at.date().isoformat()},
    ).content.decode()
    assert "Other Person" not in html


def test_the_agenda_runs_a_fixed_number_of_queries(client, practitioner):
    service = practitioner.services.get()
    day = future_day(1)

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("bookings:agenda"), {"date": day.isoformat()})
        return len(queries)

    book(service, london_at(day, 9))
    few = count()
    for hour in range(10, 16):
        book(service, london_at(day, hour), intake={"unwell": hour % 2})
    assert count() == few


@pytest.mark.parametrize(
    "query",
    [
        {"date": "2026-99-01"},
        {"view": "month"},
        {"date": "x" * 300},
        {"date": "9999-12-31"},
        {"view": "day", "date": "0001-01-01"},
    ],
)
def test_malformed_agenda_queries_fall_back_to_today(client, practitioner, query):
    assert client.get(reverse("bookings:agenda"), query).status_code == 200


def test_the_practitioner_reads_the_health_answers_of_their_booking(
    client, practitioner
):
    booking = book(
        practitioner.services.get(),
        london_at(future_day(2), 10),
        intake={"pregnant": True, "details": "Twenty weeks"},
    )
    html = client.get(
        reverse("bookings:agenda-booking", args=[booking.pk])
    ).content.decode()
    assert "Twenty weeks" in html and "may be a contraindication" in html


def test_pages_with_health_answers_are_never_cached(client, practitioner):
    booking = book(
        practitioner.services.get(),
        london_at(future_day(2), 10),
        intake={"pregnant": True, "details": "Twenty weeks"},
    )
    pages = [client.get(reverse("bookings:agenda-booking", args=[booking.pk]))]
    # A refused form shows the booking again, answers included.
    for action, data in [
        ("cancel", {"reason": ""}),
        ("note", {"note": "x" * 4001}),
    ]:
        pages.append(
            client.post(reverse(f"bookings:agenda-{action}", args=[booking.pk]), data)
        )
    for response in pages:
        assert response.status_code == 200
        assert "Twenty weeks" in response.content.decode()
        assert "no-store" in response.headers.get("Cache-Control", "")
        assert "private" in response.headers.get("Cache-Control", "")


def test_another_practitioners_booking_and_answers_are_a_404(client, practitioner):
    intake = HealthIntakeFactory(details="Private")
    booking = intake.booking
    assert (
        client.get(reverse("bookings:agenda-booking", args=[booking.pk])).status_code
        == 404
    )
    for action in ["approve", "decline", "cancel", "attendance", "note"]:
        response = client.post(
            reverse(f"bookings:agenda-{action}", args=[booking.pk]),
            {"reason": "x", "note": "x", "status": "completed"},
        )
        assert response.status_code == 404
    booking.refresh_from_db()
    assert (
        booking.status == Booking.Status.CONFIRMED and booking.practitioner_note == ""
    )


def test_a_client_cannot_open_the_practitioner_view_of_their_own_booking(client):
    intake = HealthIntakeFactory()
    client.force_login(intake.booking.client)
    url = reverse("bookings:agenda-booking", args=[intake.booking.pk])
    assert client.get(url).status_code == 404


def test_approve_then_cancel_with_a_reason(client, practitioner):
    booking = book(
        practitioner.services.get(), london_at(future_day(2), 10), intake={"unwell": 1}
    )
    response = client.post(
        reverse("bookings:agenda-approve", args=[booking.pk]), follow=True
    )
    assert "Confirmed" in messages_of(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED

    url = reverse("bookings:agenda-cancel", args=[booking.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200  # the form explains a reason is needed
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    client.post(url, {"reason": "Family emergency"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.status_reason == "Family emergency"


def test_decline_a_request(client, practitioner):
    booking = book(
        practitioner.services.get(), london_at(future_day(2), 10), intake={"unwell": 1}
    )
    client.post(
        reverse("bookings:agenda-decline", args=[booking.pk]),
        {"reason": "Please rebook when well"},
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.DECLINED


def test_approving_a_confirmed_booking_is_refused_with_a_message(client, practitioner):
    booking = book(practitioner.services.get(), london_at(future_day(2), 10))
    response = client.post(
        reverse("bookings:agenda-approve", args=[booking.pk]), follow=True
    )
    assert "waiting for review" in messages_of(response)


def test_mark_completed_or_no_show_and_keep_a_private_note(client, practitioner):
    booking = BookingFactory(
        service=practitioner.services.get(),
        starts_at=timezone.now() - timedelta(hours=3),
    )
    HealthIntakeFactory(booking=booking)
    client.post(
        reverse("bookings:agenda-attendance", args=[booking.pk]),
        {"status": "no_show"},
    )
    client.post(
        reverse("bookings:agenda-note", args=[booking.pk]),
        {"note": "Call to rebook"},
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert booking.practitioner_note == "Call to rebook"
    response = client.post(
        reverse("bookings:agenda-attendance", args=[booking.pk]),
        {"status": "cancelled"},
        follow=True,
    )
    assert "Choose completed or no-show." in messages_of(response)


def test_the_private_note_is_not_shown_to_the_client(client):
    intake = HealthIntakeFactory()
    booking = intake.booking
    booking.practitioner_note = "Tends to arrive late"
    booking.save()
    client.force_login(booking.client)
    html = client.get(booking.get_absolute_url()).content.decode()
    assert "Tends to arrive late" not in html


def test_an_unsafe_next_address_is_ignored(client, practitioner):
    booking = book(
        practitioner.services.get(), london_at(future_day(2), 10), intake={"unwell": 1}
    )
    response = client.post(
        reverse("bookings:agenda-approve", args=[booking.pk]),
        {"next": "https://evil.example/"},
    )
    assert response.url == reverse("bookings:agenda-booking", args=[booking.pk])


# --- services -------------------------------------------------------------------------


def test_the_practitioner_adds_and_edits_a_service(client, practitioner):
    location = LocationFactory(practitioner=practitioner)
    technique = TechniqueFactory(slug="hot-stone")
    response = client.post(
        reverse("bookings:service-create"),
        {
            "name": "Hot stone",
            "technique": technique.pk,
            "duration_minutes": 75,
            "price": "65.50",
            "locations": [location.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    service = Service.objects.get(name="Hot stone")
    assert list(service.locations.all()) == [location]
    client.post(
        reverse("bookings:service-edit", args=[service.pk]),
        {
            "name": "Hot stone",
            "technique": technique.pk,
            "duration_minutes": 90,
            "price": "70",
        },
    )
    service.refresh_from_db()
    assert service.duration_minutes == 90 and not service.is_active


@pytest.mark.parametrize(
    "changes",
    [
        {"price": "-5"},
        {"duration_minutes": "5"},
        {"duration_minutes": "abc"},
        {"name": ""},
        {"technique": "999999"},
    ],
)
def test_invalid_services_are_explained_and_not_saved(client, practitioner, changes):
    data = {
        "name": "Sports",
        "technique": TechniqueFactory(slug="sports-massage").pk,
        "duration_minutes": 60,
        "price": "50",
        "is_active": "on",
        **changes,
    }
    response = client.post(reverse("bookings:service-create"), data)
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert practitioner.services.count() == 1


def test_another_practitioners_location_cannot_be_chosen(client, practitioner):
    LocationFactory(practitioner=practitioner)
    foreign = LocationFactory()
    response = client.post(
        reverse("bookings:service-create"),
        {
            "name": "Sneaky",
            "technique": TechniqueFactory(slug="deep-tissue").pk,
            "duration_minutes": 60,
            "price": "50",
            "locations": [foreign.pk],
        },
    )
    assert response.status_code == 200
    assert not Service.objects.filter(name="Sneaky").exists()


def test_editing_another_practitioners_service_is_a_404(client, practitioner):
    other = bookable_service()
    url = reverse("bookings:service-edit", args=[other.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Mine now"}).status_code == 404


def test_the_service_list_runs_a_fixed_number_of_queries(client, practitioner):
    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("bookings:services"))
        return len(queries)

    few = count()
    for i in range(6):
        service = Service.objects.create(
            practitioner=practitioner,
            name=f"Extra {i}",
            technique=TechniqueFactory(slug="deep-tissue"),
            duration_minutes=30,
            price=30,
        )
        service.locations.add(LocationFactory(practitioner=practitioner))
    assert count() == few


# --- availability ---------------------------------------------------------------------


def test_weekly_hours_are_added_by_a_plain_form_post(client):
    practitioner = PractitionerFactory()
    bookable_service(practitioner=practitioner, hours=())
    practitioner.offers_online_booking = False
    practitioner.save()
    client.force_login(practitioner.user)
    response = client.post(
        reverse("bookings:hours-add"),
        {"hours-weekday": 1, "hours-start_time": "09:00", "hours-end_time": "13:00"},
    )
    assert response.status_code == 302
    assert response.url.endswith("#hours")
    assert WeeklyHours.objects.filter(practitioner=practitioner).count() == 1
    practitioner.refresh_from_db()
    assert practitioner.offers_online_booking


def test_htmx_gets_the_hours_section_back_with_errors(client, practitioner):
    response = client.post(
        reverse("bookings:hours-add"),
        {"hours-weekday": 0, "hours-start_time": "12:00", "hours-end_time": "14:00"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="hours"' in html and "<html" not in html
    assert "That overlaps your hours" in html
    response = client.post(
        reverse("bookings:hours-add"),
        {"hours-weekday": 0, "hours-start_time": "18:00", "hours-end_time": "17:00"},
        headers={"HX-Request": "true"},
    )
    assert "The end time must be after the start time." in response.content.decode()
    response = client.post(
        reverse("bookings:hours-add"),
        {"hours-weekday": 0, "hours-start_time": "18:00", "hours-end_time": "20:00"},
        headers={"HX-Request": "true"},
    )
    assert "Hours added." in response.content.decode()
    assert practitioner.weekly_hours.filter(weekday=0).count() == 2


def test_removing_hours_updates_online_booking(client):
    practitioner = PractitionerFactory()
    bookable_service(practitioner=practitioner, hours=())
    hours = WeeklyHoursFactory(practitioner=practitioner)
    assert practitioner.offers_online_booking
    client.force_login(practitioner.user)
    client.post(reverse("bookings:hours-delete", args=[hours.pk]))
    assert not WeeklyHours.objects.filter(pk=hours.pk).exists()
    practitioner.refresh_from_db()
    assert not practitioner.offers_online_booking


def test_someone_elses_hours_cannot_be_removed(client, practitioner):
    other = WeeklyHoursFactory()
    assert (
        client.post(reverse("bookings:hours-delete", args=[other.pk])).status_code
        == 404
    )
    assert WeeklyHours.objects.filter(pk=other.pk).exists()


def test_a_date_override_and_time_off_change_the_offered_times(client, practitioner):
    service = practitioner.services.get()
    day = future_day(4)
    client.post(
        reverse("bookings:override-add"),
        {
            "date-date": day.isoformat(),
            "date-start_time": "18:00",
            "date-end_time": "20:00",
        },
    )
    assert DateOverride.objects.filter(practitioner=practitioner, date=day).exists()
    api = reverse("bookings:api-slots", args=[practitioner.slug])
    starts = [
        s["start"]
        for s in client.get(
            api, {"service": service.pk, "from": day, "to": day}
        ).json()["slots"]
    ]
    assert starts[0] == london_at(day, 18).isoformat()
    assert london_at(day, 10).isoformat() not in starts

    off_day = future_day(5)
    response = client.post(
        reverse("bookings:time-off-add"),
        {
            "off-start_date": off_day.isoformat(),
            "off-end_date": off_day.isoformat(),
            "off-reason": "Training",
        },
    )
    assert response.status_code == 302
    body = client.get(api, {"service": service.pk, "from": off_day, "to": off_day})
    assert body.json()["slots"] == []


def test_time_off_over_booked_appointments_warns_about_them(client, practitioner):
    day = future_day(5)
    book(practitioner.services.get(), london_at(day, 10))
    response = client.post(
        reverse("bookings:time-off-add"),
        {
            "off-start_date": day.isoformat(),
            "off-start_time": "09:00",
            "off-end_date": day.isoformat(),
            "off-end_time": "12:00",
        },
        follow=True,
    )
    text = messages_of(response)
    assert "You have 1 appointment in that time:" in text
    assert "It stays booked: cancel it from the agenda" in text


def test_whole_days_off_read_as_the_days_entered(client, practitioner):
    # Entered "8 January to 8 January": it ends at midnight after the 8th, and
    # the list says so as a day, not "Sat 9 Jan 00:00".
    day = future_day(9)
    client.post(
        reverse("bookings:time-off-add"),
        {"off-start_date": day.isoformat(), "off-end_date": day.isoformat()},
    )
    html = client.get(reverse("bookings:availability")).content.decode()
    assert f"{day:%a} {day.day} {day:%b %Y}" in html
    after = day + timedelta(days=1)
    assert f"{after:%a} {after.day} {after:%b %Y} 00:00" not in html


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        (
            "bookings:override-add",
            {
                "date-date": "2020-01-01",
                "date-start_time": "09:00",
                "date-end_time": "10:00",
            },
            "today or a later date",
        ),
        (
            "bookings:time-off-add",
            {"off-start_date": "2030-01-02", "off-end_date": "2030-01-01"},
            "must end after it starts",
        ),
        (
            "bookings:time-off-add",
            {"off-start_date": "2020-01-01", "off-end_date": "2020-01-02"},
            "already over",
        ),
        (
            "bookings:time-off-add",
            {"off-start_date": "2030-01-01", "off-end_date": "9999-12-31"},
            "Enter a date between",
        ),
        (
            "bookings:policy",
            {
                "policy-buffer_before_minutes": "-1",
                "policy-buffer_after_minutes": "0",
                "policy-slot_interval_minutes": "15",
                "policy-min_notice_hours": "0",
                "policy-max_advance_days": "0",
                "policy-cancellation_cutoff_hours": "0",
            },
            "greater than or equal to",
        ),
        (
            "bookings:policy",
            {
                "policy-buffer_before_minutes": "0",
                "policy-buffer_after_minutes": "0",
                "policy-slot_interval_minutes": "7",
                "policy-min_notice_hours": "0",
                "policy-max_advance_days": "30",
                "policy-cancellation_cutoff_hours": "0",
            },
            "from the list.",
        ),
    ],
)
def test_invalid_availability_changes_are_explained(
    client, practitioner, url, data, message
):
    before = (practitioner.date_overrides.count(), practitioner.time_off.count())
    response = client.post(reverse(url), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (
        practitioner.date_overrides.count(),
        practitioner.time_off.count(),
    ) == before


def test_the_policy_is_saved(client, practitioner):
    client.post(
        reverse("bookings:policy"),
        {
            "policy-buffer_before_minutes": "5",
            "policy-buffer_after_minutes": "20",
            "policy-slot_interval_minutes": "30",
            "policy-min_notice_hours": "6",
            "policy-max_advance_days": "90",
            "policy-cancellation_cutoff_hours": "12",
            "policy-new_clients_need_approval": "on",
        },
    )
    policy = practitioner.booking_policy
    policy.refresh_from_db()
    assert (policy.buffer_after_minutes, policy.slot_interval_minutes) == (20, 30)
    assert policy.new_clients_need_approval


# --- calendar feed --------------------------------------------------------------------


def test_the_calendar_feed_lists_appointments_but_no_health_data(client, practitioner):
    booking = book(
        practitioner.services.get(),
        london_at(future_day(2), 10),
        name="Fiona Feed",
        intake={"pregnant": True, "details": "PRIVATE-DETAIL"},
    )
    booking.practitioner_note = "PRIVATE-NOTE"
    booking.save()
    client.post(reverse("bookings:calendar"), {"action": "create"})
    feed = CalendarFeed.objects.get(practitioner=practitioner)
    page = client.get(reverse("bookings:calendar")).content.decode()
    assert feed.get_absolute_url() in page

    client.logout()
    response = client.get(feed.get_absolute_url())
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "Fiona Feed" in body and "BEGIN:VEVENT" in body
    assert "PRIVATE" not in body and "regnan" not in body

    client.force_login(practitioner.user)
    client.post(reverse("bookings:calendar"), {"action": "revoke"})
    client.logout()
    assert client.get(feed.get_absolute_url()).status_code == 404


def test_a_guessed_feed_token_is_a_404(client):
    url = reverse(
        "bookings:calendar-feed", kwargs={"token": "guessed-token-guessed-token"}
    )
    assert client.get(url).status_code == 404
    assert client.get("/practitioner/calendar/guess.ics").status_code == 404


def test_the_weekday_hours_show_as_local_wall_clock_times(client):
    practitioner = PractitionerFactory(time_zone="America/New_York")
    bookable_service(practitioner=practitioner)
    client.force_login(practitioner.user)
    html = client.get(reverse("bookings:availability")).content.decode()
    assert "09:00–17:00" in html
    assert "your time zone, <strong>America/New_York</strong>" in html


@pytest.mark.parametrize(
    "target", ["a\x00b", "agenda", "/ok\nLocation: x", "//evil.example/"]
)
def test_a_hostile_next_address_after_a_review_goes_back_to_the_booking(client, target):
    service = bookable_service()
    booking = BookingFactory(service=service, status="pending")
    client.force_login(service.practitioner.user)
    response = client.post(
        reverse("bookings:agenda-approve", args=[booking.pk]), {"next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:agenda-booking", args=[booking.pk])
