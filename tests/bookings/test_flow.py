"""The booking flow and the client's appointments, through the views."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from bookings.forms import format_start
from bookings.models import Booking, HealthIntake
from notifications.models import OutboundEmail
from tests.bookings.factories import (
    BookingFactory,
    HealthIntakeFactory,
    ServiceFactory,
    book,
    bookable_service,
)
from tests.clock import future_day, london_at
from tests.directory.factories import LocationFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

ALL_NO = {field: "no" for field, _ in HealthIntake.QUESTIONS}


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def flow_urls(service):
    kwargs = {"slug": service.practitioner.slug, "service_id": service.pk}
    return {
        name: reverse(f"bookings:{name}", kwargs=kwargs)
        for name in ["choose-time", "details", "health"]
    }


def start_details(client, service, starts_at, **details):
    urls = flow_urls(service)
    data = {
        "start": format_start(starts_at),
        "name": "Robin Guest",
        "email": "robin@example.com",
        "phone": "07700 900123",
        **details,
    }
    return client.post(urls["details"], data)


# --- the panel on the profile ------------------------------------------------------


def test_the_profile_panel_lists_services_with_book_buttons(client):
    service = bookable_service()
    response = client.get(service.practitioner.get_absolute_url())
    html = response.content.decode()
    assert "Book online" in html
    assert service.name in html and "60 minutes" in html and "£55" in html
    assert flow_urls(service)["choose-time"] in html


def test_the_panel_says_when_a_practitioner_takes_no_online_bookings(client):
    service = bookable_service()
    practitioner = service.practitioner
    practitioner.offers_online_booking = False
    practitioner.save()
    html = client.get(practitioner.get_absolute_url()).content.decode()
    assert "does not take online bookings yet" in html


def test_the_panel_runs_one_query(django_assert_num_queries):
    service = bookable_service()
    template = Template("{% load bookings %}{% booking_panel practitioner %}")
    with django_assert_num_queries(1):
        template.render(Context({"practitioner": service.practitioner}))


# --- choosing a time ---------------------------------------------------------------


def test_the_time_picker_lists_free_times_as_plain_links(client):
    service = bookable_service(slot_interval_minutes=60)
    day = future_day(2)
    response = client.get(flow_urls(service)["choose-time"], {"date": day.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    expected = quote(format_start(london_at(day, 9)))
    assert f"{flow_urls(service)['details']}?start={expected}" in html


def test_htmx_gets_only_the_picker(client):
    service = bookable_service()
    response = client.get(
        flow_urls(service)["choose-time"],
        {"date": future_day(2).isoformat()},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert 'id="slot-picker"' in html
    assert "<html" not in html and "Choose a day and time" not in html


@pytest.mark.parametrize(
    "query",
    [
        {"date": "not-a-date"},
        {"week": "2026-02-31"},
        {"week": "1999-01-01", "date": "3000-01-01"},
        {"week": "9999-12-31"},
        {"date": "x" * 500},
    ],
)
def test_malformed_picker_dates_never_fail(client, query):
    service = bookable_service()
    assert client.get(flow_urls(service)["choose-time"], query).status_code == 200


def test_an_inactive_service_has_no_booking_pages(client):
    service = bookable_service()
    service.is_active = False
    service.save()
    for url in flow_urls(service).values():
        assert client.get(url).status_code == 404


# --- the whole flow ------------------------------------------------------------------


def test_a_guest_books_and_gets_a_confirmation_with_a_calendar_file(client):
    service = bookable_service()
    starts_at = london_at(future_day(3), 10)
    urls = flow_urls(service)

    page = client.get(urls["details"], {"start": format_start(starts_at)})
    assert page.status_code == 200 and "Your details" in page.content.decode()
    response = start_details(client, service, starts_at)
    assert response.status_code == 302 and response.url == urls["health"]

    page = client.get(urls["health"])
    assert "A few health questions" in page.content.decode()
    response = client.post(urls["health"], {**ALL_NO, "consent": "on"})
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response.url == reverse(
        "bookings:confirmation", kwargs={"token": booking.manage_token}
    )
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.client_email == "robin@example.com"
    assert sorted(
        OutboundEmail.objects.filter(
            related_key=f"booking:{booking.pk}", kind="booking.confirmed"
        ).values_list("to", flat=True)
    ) == sorted(["robin@example.com", booking.practitioner.user.email])

    confirmation = client.get(response.url)
    html = confirmation.content.decode()
    assert "You are booked" in html
    assert booking.get_manage_url() in html
    ics = client.get(reverse("bookings:manage-ics", args=[booking.manage_token]))
    assert ics["Content-Type"] == "text/calendar"
    assert "DTSTART:" in ics.content.decode()


def test_a_contraindication_makes_a_request_for_review(client):
    service = bookable_service()
    start_details(client, service, london_at(future_day(3), 10))
    response = client.post(
        flow_urls(service)["health"],
        {**ALL_NO, "pregnant": "yes", "details": "Second trimester", "consent": "on"},
        follow=True,
    )
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.PENDING
    assert "Request sent" in response.content.decode()
    # Health answers never travel in a URL, nor in an email.
    for url, _ in response.redirect_chain:
        assert "pregnant" not in url and "trimester" not in url.lower()
    requested = OutboundEmail.objects.filter(kind="booking.requested")
    assert requested.count() == 2
    for email in requested:
        assert "trimester" not in (email.text_body + email.html_body).lower()


def test_a_signed_in_client_is_prefilled_and_linked(client):
    user = UserFactory(full_name="Sam Signedin")
    client.force_login(user)
    service = bookable_service()
    starts_at = london_at(future_day(3), 10)
    html = client.get(
        flow_urls(service)["details"], {"start": format_start(starts_at)}
    ).content.decode()
    assert user.email in html and "Sam Signedin" in html
    start_details(client, service, starts_at, email=user.email)
    client.post(flow_urls(service)["health"], {**ALL_NO, "consent": "on"})
    assert Booking.objects.get().client == user


def test_a_signed_in_client_finds_their_phone_and_no_manage_link_wording(client):
    user = UserFactory()
    client.force_login(user)
    service = bookable_service()
    book(service, london_at(future_day(2), 10), email=user.email, user=user,
         phone="07700 900999")  # fmt: skip
    starts_at = london_at(future_day(3), 10)
    html = client.get(
        flow_urls(service)["details"], {"start": format_start(starts_at)}
    ).content.decode()
    assert 'value="07700 900999"' in html
    start_details(client, service, starts_at, email=user.email)
    response = client.post(
        flow_urls(service)["health"], {**ALL_NO, "consent": "on"}, follow=True
    )
    html = response.content.decode()
    assert "without an account" not in html and "your appointments" in html


def test_the_summary_names_the_place_and_the_policy_shows_before_booking(client):
    service = bookable_service(cancellation_cutoff_hours=48)
    place = LocationFactory(practitioner=service.practitioner, name="Kemp Town Clinic")
    starts_at = london_at(future_day(3), 10)
    page = client.get(flow_urls(service)["choose-time"]).content.decode()
    assert "Kemp Town Clinic" in page
    details = client.get(
        flow_urls(service)["details"], {"start": format_start(starts_at)}
    )
    assert place.name in details.content.decode()
    start_details(client, service, starts_at)
    html = client.get(flow_urls(service)["health"]).content.decode()
    assert "Kemp Town Clinic" in html
    assert "cancel or move it online up to 48 hours before" in html
    assert html.index("48 hours before") < html.index("Book appointment</button>")


def test_a_time_taken_during_the_flow_sends_the_client_back_to_fresh_times(client):
    service = bookable_service(slot_interval_minutes=60)
    day = future_day(3)
    starts_at = london_at(day, 10)
    start_details(client, service, starts_at)
    book(service, starts_at, email="quicker@example.com")  # someone else, first

    response = client.post(
        flow_urls(service)["health"], {**ALL_NO, "consent": "on"}, follow=True
    )
    assert "Sorry, that time was just taken" in messages_of(response)
    html = response.content.decode()
    assert quote(format_start(starts_at)) not in html
    assert quote(format_start(london_at(day, 11))) in html
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (lambda day: "", "choose a time"),
        (lambda day: "garbage", "choose a time"),
        (lambda day: "2026-01-01T10:00", "choose a time"),  # no offset
        (lambda day: "0001-01-01T00:00Z", "choose a time"),
        (lambda day: "9999-12-31T23:59+14:00", "choose a time"),
        (lambda day: format_start(london_at(day, 10, 7)), "does not offer"),
        (lambda day: format_start(london_at(day, 7)), "does not offer"),
        (lambda day: format_start(timezone.now() - timedelta(days=1)), "passed"),
        (lambda day: format_start(london_at(day + timedelta(days=400), 10)), "ahead"),
    ],
    ids=[
        "empty",
        "garbage",
        "naive",
        "year-1",
        "year-9999",
        "off-grid",
        "closed",
        "past",
        "too-far",
    ],
)
def test_a_crafted_start_time_is_refused_with_a_message(client, start, message):
    service = bookable_service()
    response = client.post(
        flow_urls(service)["details"],
        {
            "start": start(future_day(3)),
            "name": "Crafty",
            "email": "c@example.com",
            "phone": "07700 900123",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert message in messages_of(response).lower()
    assert "bookings_draft" not in client.session
    assert Booking.objects.count() == 0


def test_a_service_under_another_practitioners_address_is_a_404(client):
    service = bookable_service()
    other = bookable_service()
    starts_at = london_at(future_day(3), 10)
    crafted = {"slug": service.practitioner.slug, "service_id": other.pk}
    details_url = reverse("bookings:details", kwargs=crafted)
    response = client.post(
        details_url,
        {
            "start": format_start(starts_at),
            "name": "Crafty",
            "email": "c@example.com",
            "phone": "07700 900123",
        },
    )
    assert response.status_code == 404
    assert "bookings_draft" not in client.session

    # Even with a draft for that very service, its health step needs its own address.
    start_details(client, other, starts_at)
    health_url = reverse("bookings:health", kwargs=crafted)
    response = client.post(health_url, {**ALL_NO, "consent": "on"})
    assert response.status_code == 404
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("same_practitioner", [True, False])
def test_the_health_step_of_another_service_books_nothing(client, same_practitioner):
    service = bookable_service()
    if same_practitioner:
        other = ServiceFactory(practitioner=service.practitioner, name="Hot stones")
    else:
        other = bookable_service()
    assert (
        start_details(client, service, london_at(future_day(3), 10)).status_code == 302
    )
    response = client.post(
        flow_urls(other)["health"], {**ALL_NO, "consent": "on"}, follow=True
    )
    assert "choose a time first" in messages_of(response)
    assert Booking.objects.count() == 0


def test_minimum_notice_is_enforced_on_the_server(client):
    service = bookable_service(min_notice_hours=72)
    start_details(client, service, london_at(future_day(4), 10))
    session = client.session
    session["bookings_draft"]["start"] = format_start(london_at(future_day(1), 10))
    session.save()
    response = client.post(
        flow_urls(service)["health"], {**ALL_NO, "consent": "on"}, follow=True
    )
    assert "notice" in messages_of(response)
    assert Booking.objects.count() == 0


def test_the_health_step_needs_the_earlier_steps(client):
    service = bookable_service()
    response = client.post(
        flow_urls(service)["health"], {**ALL_NO, "consent": "on"}, follow=True
    )
    assert "choose a time first" in messages_of(response)
    assert Booking.objects.count() == 0


def test_unanswered_questions_or_no_consent_book_nothing(client):
    service = bookable_service()
    start_details(client, service, london_at(future_day(3), 10))
    response = client.post(flow_urls(service)["health"], {"consent": "on"})
    assert response.status_code == 200
    assert "Please answer yes or no." in response.content.decode()
    response = client.post(flow_urls(service)["health"], ALL_NO)
    assert "Please give your consent to book." in response.content.decode()
    assert Booking.objects.count() == 0


def test_each_unanswered_question_shows_its_message_not_only_a_red_label(client):
    # Bootstrap hides .invalid-feedback unless it follows an .is-invalid input;
    # the inline radios' message sits outside their container, so it must be shown
    # explicitly (colour alone is not enough: WCAG 1.4.1).
    service = bookable_service()
    start_details(client, service, london_at(future_day(3), 10))
    html = client.post(flow_urls(service)["health"], {"consent": "on"}).content
    html = html.decode()
    for field, _ in HealthIntake.QUESTIONS:
        assert f'id="id_{field}_error" class="invalid-feedback d-block"' in html


def test_a_form_with_errors_opens_with_a_summary_linking_to_each_field(client):
    service = bookable_service()
    response = start_details(
        client, service, london_at(future_day(3), 10), name="", email="", phone=""
    )
    html = response.content.decode()
    summary = html[
        html.index("There is a problem") : html.index(
            "</ul>", html.index("There is a problem")
        )
    ]
    for field, message in [
        ("name", "Enter your name."),
        ("email", "Enter your email address."),
        ("phone", "Enter your phone number."),
    ]:
        assert f'href="#id_{field}">{message}</a>' in summary
    # The summary comes first, and each hint before its field.
    assert html.index("There is a problem") < html.index('name="name"')
    assert html.index('id="id_phone_helptext"') < html.index('name="phone"')
    assert "This field is required." not in html


def test_invalid_details_are_explained(client):
    service = bookable_service()
    response = start_details(
        client, service, london_at(future_day(3), 10), email="nope", phone="call me"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter an email address like name@example.com." in html
    assert "phone number we can call" in html


def _address(last_label: int) -> str:
    """A valid email address, 64 characters before the @ and four labels after."""
    return "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * last_label + ".com"


def test_an_email_longer_than_a_booking_stores_is_refused_at_the_details_step(
    client,
):
    service = bookable_service()
    starts_at = london_at(future_day(3), 10)
    too_long = _address(63)
    assert len(too_long) == 260
    response = start_details(client, service, starts_at, email=too_long)
    assert response.status_code == 200
    assert "254 characters or fewer (it has 260)." in response.content.decode()
    assert "bookings_draft" not in client.session

    longest = _address(57)
    assert len(longest) == 254
    response = start_details(client, service, starts_at, email=longest)
    assert response.status_code == 302
    client.post(flow_urls(service)["health"], {**ALL_NO, "consent": "on"})
    assert Booking.objects.get().client_email == longest


# --- the client's appointments --------------------------------------------------------


def test_my_appointments_lists_upcoming_and_past_in_fixed_queries(
    client, django_assert_max_num_queries
):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("bookings:mine"))  # warm the session

    def counted():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("bookings:mine"))
        assert response.status_code == 200
        return len(queries)

    BookingFactory(client=user)
    few = counted()
    for days in range(1, 8):
        BookingFactory(
            client=user, starts_at=timezone.now() + timedelta(days=days * 3, hours=1)
        )
        BookingFactory(client=user, starts_at=timezone.now() - timedelta(days=days))
    assert counted() == few
    with django_assert_max_num_queries(5):
        html = client.get(reverse("bookings:mine")).content.decode()
    assert "Upcoming" in html and "Past" in html


def test_my_appointments_give_times_in_the_practitioners_zone_and_name_it(client):
    user = UserFactory()
    day = future_day(3)
    upcoming = london_at(day, 23, 30)  # 00:30 the next day in Paris
    for starts_at in (upcoming, upcoming - timedelta(days=30)):
        BookingFactory(
            client=user,
            service__practitioner__time_zone="Europe/Paris",
            starts_at=starts_at,
        )
    client.force_login(user)
    html = client.get(reverse("bookings:mine")).content.decode()
    assert html.count(", 00:30</span>") == 2
    assert html.count("(Europe/Paris time)") == 2
    paris_day = day + timedelta(days=1)
    assert f" on {paris_day.day} {paris_day:%b}</span>" in html


def test_someone_elses_booking_is_a_404_everywhere(client):
    booking = HealthIntakeFactory().booking
    client.force_login(UserFactory())
    for name in [
        "appointment",
        "appointment-cancel",
        "appointment-reschedule",
        "appointment-ics",
    ]:
        assert (
            client.get(reverse(f"bookings:{name}", args=[booking.pk])).status_code
            == 404
        )
    response = client.post(reverse("bookings:appointment-cancel", args=[booking.pk]))
    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_an_unknown_manage_link_is_a_404(client):
    HealthIntakeFactory()
    assert (
        client.get(
            reverse("bookings:manage", args=["not-the-token-of-any-booking"])
        ).status_code
        == 404
    )


def test_the_client_sees_their_answers_on_their_appointment(client):
    intake = HealthIntakeFactory(heart_or_blood_pressure=True, details="Beta blockers")
    client.force_login(intake.booking.client)
    html = client.get(intake.booking.get_absolute_url()).content.decode()
    assert "Your health answers" in html and "Beta blockers" in html


def test_the_clients_pages_with_health_answers_are_never_cached(client):
    intake = HealthIntakeFactory(details="Beta blockers")
    client.force_login(intake.booking.client)
    for url in [intake.booking.get_absolute_url(), intake.booking.get_manage_url()]:
        response = client.get(url)
        assert "Beta blockers" in response.content.decode()
        assert "no-store" in response.headers.get("Cache-Control", "")
        assert "private" in response.headers.get("Cache-Control", "")


def test_a_guest_cancels_through_the_manage_link(client):
    service = bookable_service()
    booking = book(service, london_at(future_day(5), 10))
    manage = booking.get_manage_url()
    page = client.get(manage).content.decode()
    assert "Cancel appointment" in page and "Move to another time" in page
    response = client.post(
        reverse("bookings:manage-cancel", args=[booking.manage_token]),
        {"reason": "Away"},
        follow=True,
    )
    assert "Your appointment is cancelled." in messages_of(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    cancelled = OutboundEmail.objects.get(
        kind="booking.cancelled", to=service.practitioner.user.email
    )
    assert "Away" in cancelled.text_body
    # The guest's confirmation carries the .ics that removes the calendar entry.
    to_guest = OutboundEmail.objects.get(
        kind="booking.cancelled", to=booking.client_email
    )
    assert to_guest.attachment_content_type == "text/calendar; method=CANCEL"


def test_after_the_cut_off_the_page_says_to_contact_the_practitioner(client):
    service = bookable_service(cancellation_cutoff_hours=48)
    booking = BookingFactory(
        service=service, client=None, starts_at=timezone.now() + timedelta(hours=30)
    )
    HealthIntakeFactory(booking=booking)
    page = client.get(booking.get_manage_url()).content.decode()
    assert "can no longer be changed online" in page
    assert "Cancel appointment" not in page
    response = client.post(
        reverse("bookings:manage-cancel", args=[booking.manage_token]), follow=True
    )
    assert "contact" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    original_start = booking.starts_at
    response = client.post(
        reverse("bookings:manage-reschedule", args=[booking.manage_token]),
        {"start": format_start(original_start + timedelta(days=2))},
        follow=True,
    )
    assert "contact" in messages_of(response)
    booking.refresh_from_db()
    assert booking.starts_at == original_start


@pytest.mark.parametrize(
    "status", [Booking.Status.CONFIRMED, Booking.Status.PENDING], ids=str
)
def test_an_appointment_that_has_passed_says_so_not_that_it_is_close(client, status):
    service = bookable_service()
    booking = BookingFactory(
        service=service,
        client=None,
        starts_at=timezone.now() - timedelta(days=2),
        status=status,
    )
    HealthIntakeFactory(booking=booking)
    token = booking.manage_token
    pages = [
        client.get(booking.get_manage_url()),
        client.get(reverse("bookings:manage-cancel", args=[token])),
    ]
    for page in pages:
        html = page.content.decode()
        assert "The time of this appointment has passed" in html
        assert "less than" not in html and "will review your booking" not in html
        assert "Cancel appointment" not in html
    response = client.post(reverse("bookings:manage-cancel", args=[token]))
    assert "The time of this appointment has passed" in response.content.decode()
    response = client.post(
        reverse("bookings:manage-reschedule", args=[token]),
        {"start": format_start(london_at(future_day(3), 10))},
        follow=True,
    )
    assert "The time of this appointment has passed" in messages_of(response)
    booking.refresh_from_db()
    assert booking.status == status


def test_a_client_moves_their_appointment(client):
    user = UserFactory()
    service = bookable_service(slot_interval_minutes=60)
    day = future_day(5)
    booking = book(service, london_at(day, 10), user=user)
    client.force_login(user)
    url = reverse("bookings:appointment-reschedule", args=[booking.pk])
    page = client.get(url, {"date": day.isoformat()}).content.decode()
    assert f'value="{format_start(london_at(day, 14))}"' in page
    assert f'value="{format_start(london_at(day, 10))}"' in page  # its own time
    # Tapping a time asks first, and moves nothing yet.
    asked = client.post(url, {"start": format_start(london_at(day, 14))})
    html = asked.content.decode()
    assert f"Move to {day:%a} {day.day} {day:%b}, 14:00?" in html
    assert "Yes, move it" in html
    booking.refresh_from_db()
    assert booking.starts_at == london_at(day, 10)
    response = client.post(
        url,
        {"start": format_start(london_at(day, 14)), "confirm": "yes"},
        follow=True,
    )
    assert "Your appointment has moved." in messages_of(response)
    booking.refresh_from_db()
    assert booking.starts_at == london_at(day, 14)
    assert OutboundEmail.objects.filter(kind="booking.rescheduled").count() == 2


def test_a_crafted_reschedule_changes_nothing(client):
    user = UserFactory()
    service = bookable_service()
    day = future_day(5)
    booking = book(service, london_at(day, 10), user=user)
    client.force_login(user)
    url = reverse("bookings:appointment-reschedule", args=[booking.pk])
    for start in ["", "junk", format_start(london_at(day, 3))]:
        response = client.post(url, {"start": start, "confirm": "yes"})
        assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.starts_at == london_at(day, 10)


def test_the_menu_shows_appointments_to_clients_and_the_dashboard_to_practitioners(
    client,
):
    client.force_login(UserFactory())
    html = client.get(reverse("home")).content.decode()
    assert "My appointments" in html and "Agenda" not in html
    service = bookable_service()
    client.force_login(service.practitioner.user)
    html = client.get(reverse("home")).content.decode()
    assert "My appointments" in html and reverse("bookings:agenda") in html
