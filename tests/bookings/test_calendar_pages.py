"""The calendar pages: connecting other calendars, the feed's subscribe link, and
the add-to-calendar links clients see on their pages and in their emails."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from bookings import calendar_links
from bookings.models import Booking, BusyTime, ExternalCalendar
from notifications.models import OutboundEmail
from tests.bookings.calendar_server import sample
from tests.bookings.factories import CalendarFeedFactory, book, bookable_service
from tests.clock import future_day, london_at
from tests.directory.factories import LocationFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.fixture
def practitioner(client):
    service = bookable_service()
    client.force_login(service.practitioner.user)
    return service.practitioner


def add(client, url, name="Clinic"):
    return client.post(
        reverse("bookings:calendar-add"),
        {"calendar-name": name, "calendar-url": url},
        follow=True,
    )


def test_connecting_a_calendar_reads_it_and_says_what_it_found(
    client, practitioner, calendar_server
):
    calendar_server.publish("/basic.ics", sample("apple_home.ics"))

    response = add(client, calendar_server.url("/basic.ics"))

    assert "Added “Clinic”" in messages_of(response)
    calendar = ExternalCalendar.objects.get(practitioner=practitioner)
    page = response.content.decode()
    assert "Up to date" in page and calendar.host in page
    # The secret address is not shown back once it is stored.
    assert calendar.url not in page


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://169.254.169.254/latest/meta-data/", "private or local network"),
        ("ftp://example.com/c.ics", "starts with https://"),
        ("", "Enter the secret iCal address."),
    ],
)
def test_a_bad_address_is_refused_with_a_reason_and_saves_nothing(
    client, practitioner, url, message
):
    response = add(client, url)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # The error summary at the top of the form links to the field; the hint is
    # read before the field and the error after it.
    summary = html.split("error-summary", 1)[1].split("</div>", 1)[0]
    assert 'href="#id_calendar-url">' in summary and message in summary
    assert 'aria-describedby="id_calendar-url-help id_calendar-url-error"' in html
    assert html.index('id="id_calendar-url-help"') < html.index('id="id_calendar-url"')
    assert not ExternalCalendar.objects.exists()


def test_a_name_with_a_line_break_is_refused_before_anything_is_fetched(
    client, practitioner, calendar_server
):
    calendar_server.publish("/c.ics", sample("apple_home.ics"))
    response = add(client, calendar_server.url("/c.ics"), name="Clinic\nDiary")
    assert response.status_code == 400
    assert "one line" in response.content.decode()
    assert not ExternalCalendar.objects.exists()
    assert calendar_server.requests == []


def test_the_practitioner_refreshes_and_removes_a_calendar(
    client, practitioner, calendar_server
):
    calendar_server.publish("/c.ics", sample("outlook_gym.ics"))
    add(client, calendar_server.url("/c.ics"))
    calendar = ExternalCalendar.objects.get()
    ExternalCalendar.objects.filter(pk=calendar.pk).update(last_checked_at=None)

    refreshed = client.post(
        reverse("bookings:calendar-refresh", args=[calendar.pk]), follow=True
    )
    assert "has not changed" in messages_of(refreshed)

    calendar_server.publish("/c.ics", b"", status=410)
    ExternalCalendar.objects.filter(pk=calendar.pk).update(last_checked_at=None)
    failed = client.post(
        reverse("bookings:calendar-refresh", args=[calendar.pk]), follow=True
    )
    assert "no calendar at this address" in messages_of(failed)
    assert "The last attempt to read it failed" in failed.content.decode()

    removed = client.post(
        reverse("bookings:calendar-remove", args=[calendar.pk]), follow=True
    )
    assert "Removed “Clinic”" in messages_of(removed)
    assert not ExternalCalendar.objects.exists() and not BusyTime.objects.exists()


def test_someone_elses_calendar_is_a_404(client, practitioner):
    other = bookable_service().practitioner
    calendar = ExternalCalendar.objects.create(
        practitioner=other, name="Theirs", url="https://example.com/c.ics"
    )
    for name in ("calendar-refresh", "calendar-remove"):
        response = client.post(reverse(f"bookings:{name}", args=[calendar.pk]))
        assert response.status_code == 404
    assert ExternalCalendar.objects.filter(pk=calendar.pk).exists()


def test_calendar_actions_are_for_practitioners_only(client):
    client.force_login(UserFactory())
    assert client.post(reverse("bookings:calendar-add")).status_code == 404
    client.logout()
    assert client.post(reverse("bookings:calendar-add")).status_code == 302


def test_a_failing_calendar_is_shown_on_the_agenda(client, practitioner):
    ExternalCalendar.objects.create(
        practitioner=practitioner,
        name="Gym",
        url="https://example.com/c.ics",
        state=ExternalCalendar.State.FAILING,
        failures=4,
        last_error="The calendar's server refused to share it (HTTP 403).",
    )
    page = client.get(reverse("bookings:agenda")).content.decode()
    assert "We cannot read your calendar “Gym”" in page
    assert "refused to share it (HTTP 403)" in page


def test_the_feed_is_offered_as_a_webcal_subscription(client, practitioner):
    feed = CalendarFeedFactory(practitioner=practitioner)
    page = client.get(reverse("bookings:calendar")).content.decode()
    webcal = f"webcal://testserver{feed.get_absolute_url()}"
    assert f'href="{webcal}"' in page
    assert "Subscribe from web" in page and "From URL" in page
    google = "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Ftestserver"
    assert google in page


# --- add to calendar ------------------------------------------------------------------


def test_the_links_carry_the_appointment_and_no_secret():
    service = bookable_service()
    location = LocationFactory(practitioner=service.practitioner)
    booking = book(service, london_at(future_day(5), 10))
    Booking.objects.filter(pk=booking.pk).update(location=location)
    booking.refresh_from_db()

    links = dict(calendar_links.calendar_links(booking))

    google = parse_qs(urlsplit(links["Google Calendar"]).query)
    start = booking.starts_at.strftime("%Y%m%dT%H%M%SZ")
    end = booking.ends_at.strftime("%Y%m%dT%H%M%SZ")
    assert google["dates"] == [f"{start}/{end}"]
    assert google["text"] == [f"Deep tissue massage with {service.practitioner}"]
    assert location.postcode in google["location"][0]
    outlook = parse_qs(urlsplit(links["Outlook.com"]).query)
    assert outlook["startdt"][0].startswith(booking.starts_at.strftime("%Y-%m-%dT"))
    assert outlook["rru"] == ["addevent"]
    assert links["Outlook (work or school)"].startswith("https://outlook.office.com/")
    for url in links.values():
        assert booking.manage_token not in url


def test_a_cancelled_booking_has_no_links():
    booking = book(bookable_service(), london_at(future_day(5), 10))
    booking.status = Booking.Status.CANCELLED
    assert calendar_links.calendar_links(booking) == []


def test_the_confirmation_and_manage_pages_offer_the_links_without_script(client):
    booking = book(bookable_service(), london_at(future_day(5), 10))
    for url in (
        reverse("bookings:confirmation", args=[booking.manage_token]),
        booking.get_manage_url(),
    ):
        page = client.get(url).content.decode()
        assert "https://calendar.google.com/calendar/render?" in page
        assert "https://outlook.live.com/calendar/0/deeplink/compose?" in page
        assert "(.ics)" in page


def test_the_confirmed_email_carries_the_links(client):
    booking = book(bookable_service(), london_at(future_day(5), 10))
    email = OutboundEmail.objects.get(kind="booking.confirmed", to=booking.client_email)
    assert "Add to Google Calendar: https://calendar.google.com/" in email.text_body
    assert "Add to Outlook.com: https://outlook.live.com/" in email.text_body
    assert 'href="https://calendar.google.com/calendar/render?' in email.html_body
