"""The waiting list for an earlier time: who is told, in which order, how often."""

from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import billing, external_calendars, services, waitlist
from bookings.forms import parse_start
from bookings.models import Booking, Service, WaitlistRequest
from bookings.waitlist import WaitlistError, join_waitlist
from notifications import outbox
from notifications.models import OutboundEmail
from tests.bookings.calendar_server import sample
from tests.bookings.factories import (
    BookingFactory,
    DateOverrideFactory,
    ServiceFactory,
    TimeOffFactory,
    book,
    bookable_service,
)
from tests.clock import LONDON, future_day, london_at
from tests.payments.helpers import checkout_of
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return bookable_service(hours=((9, 17),), duration=60, slot_interval_minutes=60)


def wait(service, email, *, days=(5, 5), name="Sam", **kwargs):
    return join_waitlist(
        service=service,
        name=name,
        email=email,
        first_day=future_day(days[0]),
        last_day=future_day(days[1]),
        **kwargs,
    )


def openings() -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(kind="waitlist.opening").order_by("pk"))


def link_start(email: OutboundEmail) -> datetime:
    """The time the email's button books."""
    url = next(
        line.split(": ", 1)[1]
        for line in email.text_body.splitlines()
        if line.startswith("Book this time: ")
    )
    return parse_start(parse_qs(urlsplit(url).query)["start"][0])


def fill_day(service, day_offset=5) -> list[Booking]:
    day = future_day(day_offset)
    return [
        book(service, london_at(day, hour), email=f"c{hour}@example.com")
        for hour in range(9, 17)
    ]


# --- joining ------------------------------------------------------------------------


def test_joining_queues_a_confirmation_with_a_stop_link(service):
    request = wait(service, "sam@example.com", days=(3, 9))

    assert (request.first_day, request.last_day) == (future_day(3), future_day(9))
    [email] = OutboundEmail.objects.filter(kind="waitlist.joined")
    assert email.to == "sam@example.com"
    stop = reverse("bookings:waitlist-stop", args=[request.token])
    assert f"Stop these emails: http://127.0.0.1:8000{stop}" in email.text_body
    assert stop in email.html_body


def test_asking_again_for_the_same_service_changes_the_days(service):
    first = wait(service, "sam@example.com", days=(3, 4))
    again = wait(service, "SAM@example.com", days=(6, 9))
    assert again.pk == first.pk
    assert WaitlistRequest.objects.get().first_day == future_day(6)
    assert OutboundEmail.objects.filter(kind="waitlist.joined").count() == 2


def test_an_address_has_a_few_active_requests_at_most(service, settings):
    settings.BOOKINGS_WAITLIST_MAX_ACTIVE = 2
    other = ServiceFactory(practitioner=service.practitioner, name="Hot stone")
    third = bookable_service()
    wait(service, "sam@example.com")
    wait(other, "sam@example.com")
    with pytest.raises(WaitlistError, match="already waiting for 2 times"):
        wait(third, "Sam@Example.com")
    assert WaitlistRequest.objects.count() == 2
    # Stopping one makes room.
    waitlist.leave_waitlist(request=WaitlistRequest.objects.first())
    wait(third, "sam@example.com")


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ((6, 5), "must not be before"),
        ((-5, -2), "have passed"),
        ((70, 80), "takes online bookings up to"),
    ],
)
def test_impossible_days_are_refused_and_change_nothing(service, days, message):
    with pytest.raises(WaitlistError, match=message):
        wait(service, "sam@example.com", days=days)
    assert not WaitlistRequest.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_days_reaching_past_the_window_are_cut_to_it(service):
    request = wait(service, "sam@example.com", days=(-3, 200))
    assert request.first_day == future_day(0)
    assert request.last_day == future_day(60)


# --- openings -----------------------------------------------------------------------


def test_a_cancellation_tells_the_matching_requests_in_the_order_they_were_made(
    service,
):
    booked = fill_day(service)
    first = wait(service, "first@example.com", days=(4, 6))
    second = wait(service, "second@example.com", days=(5, 5))
    elsewhere = wait(service, "other-days@example.com", days=(7, 9))
    third = wait(service, "third@example.com", days=(1, 10))
    OutboundEmail.objects.all().delete()

    services.cancel_booking(booking=booked[2], cancelled_by="client")

    emails = openings()
    assert [email.to for email in emails] == [
        "first@example.com",
        "second@example.com",
        "third@example.com",
    ]
    assert all(link_start(email) == booked[2].starts_at for email in emails)
    assert emails[0].subject.startswith("A time has opened: Deep tissue massage")
    assert "the first to book it gets it" in emails[0].text_body
    for request in (first, second, third):
        request.refresh_from_db()
        assert request.notified_count == 1
    elsewhere.refresh_from_db()
    assert elsewhere.notified_count == 0
    # Delivered in that order too.
    outbox.deliver_due()
    sent = OutboundEmail.objects.filter(kind="waitlist.opening").order_by("sent_at")
    assert [email.to for email in sent] == [email.to for email in emails]


def test_each_opening_is_told_once(service):
    booked = fill_day(service)
    wait(service, "sam@example.com")

    services.cancel_booking(booking=booked[0], cancelled_by="client")
    # The same change noticed again tells nobody twice.
    watch = waitlist.watch_booking_time(booked[1])
    services.cancel_booking(booking=booked[1], cancelled_by="client")
    watch.notify(occasion=f"booking:{booked[0].pk}:cancelled")

    assert [link_start(email) for email in openings()] == [
        booked[0].starts_at,
        booked[1].starts_at,
    ]


def test_the_link_books_the_opened_time_and_ends_the_request(service, client):
    booked = fill_day(service)
    request = wait(service, "sam@example.com")
    services.cancel_booking(booking=booked[4], cancelled_by="client")
    [email] = openings()
    url = next(
        line.split(": ", 1)[1]
        for line in email.text_body.splitlines()
        if line.startswith("Book this time: ")
    )

    page = client.get(url.removeprefix("http://127.0.0.1:8000"))

    # Straight to the details step of that very time.
    assert page.status_code == 200
    assert "<h1>Your details</h1>" in page.content.decode()
    assert page.context["starts_at"] == booked[4].starts_at
    book(service, link_start(email), email="Sam@example.com")
    request.refresh_from_db()
    assert request.ended_at is not None


def test_a_change_that_frees_nothing_tells_nobody(service):
    day = future_day(5)
    booking = book(service, london_at(day, 10))
    TimeOffFactory(
        practitioner=service.practitioner,
        starts_at=london_at(day, 9),
        ends_at=london_at(day, 12),
    )
    wait(service, "sam@example.com")

    services.cancel_booking(booking=booking, cancelled_by="client")

    assert openings() == []


def test_a_stopped_or_finished_request_is_not_told(service):
    booked = fill_day(service)
    stopped = wait(service, "stopped@example.com")
    waitlist.leave_waitlist(request=stopped)
    finished = wait(service, "finished@example.com")
    WaitlistRequest.objects.filter(pk=finished.pk).update(
        first_day=future_day(-3), last_day=future_day(-1)
    )
    other_service = ServiceFactory(practitioner=service.practitioner, name="Other")
    wait(other_service, "other@example.com", days=(6, 6))

    services.cancel_booking(booking=booked[0], cancelled_by="client")

    assert openings() == []


def test_a_move_tells_of_the_old_time(service):
    booked = fill_day(service)
    wait(service, "sam@example.com")
    old = booked[3].starts_at
    services.reschedule_booking(
        booking=booked[3], starts_at=london_at(future_day(6), 10)
    )
    [email] = openings()
    assert link_start(email) == old


def test_removing_time_off_tells_of_the_times_it_held(service):
    day = future_day(5)
    time_off = TimeOffFactory(
        practitioner=service.practitioner,
        starts_at=london_at(day, 0),
        ends_at=london_at(day + timedelta(days=1), 0),
    )
    wait(service, "sam@example.com")

    services.remove_time_off(time_off=time_off)

    [email] = openings()
    assert link_start(email) == london_at(day, 9)


def test_new_hours_tell_of_the_first_new_time(service):
    practitioner = service.practitioner
    day = future_day(5)
    practitioner.weekly_hours.filter(weekday=day.weekday()).delete()
    wait(service, "sam@example.com", days=(4, 6))

    services.add_weekly_hours(
        practitioner=practitioner,
        weekday=day.weekday(),
        start_time=time(18),
        end_time=time(20),
    )

    [email] = openings()
    assert link_start(email) == london_at(day, 18)


def test_removing_a_closed_day_tells_of_its_usual_hours(service):
    day = future_day(5)
    closed = DateOverrideFactory(
        practitioner=service.practitioner,
        date=day,
        start_time=time(16),
        end_time=time(17),
    )
    wait(service, "sam@example.com")

    services.remove_date_override(override=closed)

    [email] = openings()
    assert link_start(email) == london_at(day, 9)


def test_an_unpaid_hold_lapsing_tells_of_its_time(service):
    day = future_day(5)
    held = BookingFactory(
        service=service,
        client=None,
        starts_at=london_at(day, 11),
        status=Booking.Status.AWAITING_PAYMENT,
        hold_expires_at=timezone.now() - timedelta(minutes=1),
    )
    others = [
        book(service, london_at(day, hour), email=f"c{hour}@example.com")
        for hour in range(9, 17)
        if hour != 11
    ]
    assert len(others) == 7
    wait(service, "sam@example.com")

    assert services.release_unpaid_holds() == 1

    [email] = openings()
    assert link_start(email) == held.starts_at


def test_abandoning_a_payment_tells_of_its_time_at_once(service, client):
    day = future_day(5)
    service.payment_mode = Service.PaymentMode.FULL
    service.save()
    booked = fill_day(service)
    held = next(b for b in booked if b.status == Booking.Status.AWAITING_PAYMENT)
    wait(service, "sam@example.com")
    services.start_payment(booking=held)
    checkout = checkout_of(billing.reference(held))

    client.post(checkout.url, {"action": "abandon"})

    held.refresh_from_db()
    assert held.status == Booking.Status.UNPAID
    [email] = openings()
    assert link_start(email) == held.starts_at
    assert day == held.starts_at.astimezone(LONDON).date()


def test_a_service_switched_back_on_tells_of_its_times(service):
    service.is_active = False
    services.save_service(service=service)
    wait(service, "sam@example.com", days=(5, 5))
    assert openings() == []

    service.is_active = True
    services.save_service(service=service)

    [email] = openings()
    assert link_start(email) == london_at(future_day(5), 9)


def test_staff_removing_time_off_in_the_admin_tells_of_it(service, client):
    day = future_day(5)
    time_off = TimeOffFactory(
        practitioner=service.practitioner,
        starts_at=london_at(day, 0),
        ends_at=london_at(day + timedelta(days=1), 0),
    )
    wait(service, "sam@example.com")
    client.force_login(StaffFactory())

    url = reverse("admin:bookings_timeoff_delete", args=[time_off.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302

    [email] = openings()
    assert link_start(email) == london_at(day, 9)
    # The bulk delete action tells too, once per change.
    again = TimeOffFactory(
        practitioner=service.practitioner,
        starts_at=london_at(day, 0),
        ends_at=london_at(day + timedelta(days=1), 0),
    )
    response = client.post(
        reverse("admin:bookings_timeoff_changelist"),
        {"action": "delete_selected", "_selected_action": [again.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert len(openings()) == 2


def test_a_declined_request_tells_of_its_time(service):
    booked = fill_day(service)
    Booking.objects.filter(pk=booked[5].pk).update(status=Booking.Status.PENDING)
    wait(service, "sam@example.com")
    services.decline_booking(booking=booked[5], reason="Sorry")
    [email] = openings()
    assert link_start(email) == booked[5].starts_at


def test_a_shorter_notice_tells_of_the_times_it_opens(service):
    practitioner = service.practitioner
    services.update_policy(practitioner=practitioner, min_notice_hours=24 * 10)
    wait(service, "sam@example.com", days=(5, 5))
    services.update_policy(practitioner=practitioner, min_notice_hours=0)
    [email] = openings()
    assert link_start(email) == london_at(future_day(5), 9)


def test_a_calendar_freeing_time_tells_of_it(service, calendar_server):
    practitioner = service.practitioner
    day = future_day(5)
    busy = london_at(day, 9)
    event = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\n"
        f"DTSTART:{busy:%Y%m%dT%H%M%S}\r\n"
        f"DTEND:{busy + timedelta(hours=8):%Y%m%dT%H%M%S}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    calendar_server.publish("/c.ics", event)
    calendar = external_calendars.add_calendar(
        practitioner=practitioner, name="Clinic", url=calendar_server.url("/c.ics")
    )
    wait(service, "sam@example.com")
    assert openings() == []

    calendar_server.publish("/c.ics", sample("apple_home.ics"))
    external_calendars.refresh_calendar(calendar_id=calendar.pk)

    [email] = openings()
    assert link_start(email) == london_at(day, 9)


def test_nobody_waiting_costs_one_query(service, django_assert_num_queries):
    booking = fill_day(service)[0]
    watch_queries = []
    with django_assert_num_queries(1) as captured:
        waitlist.watch_booking_time(booking)
    watch_queries.extend(captured.captured_queries)
    assert "bookings_waitlistrequest" in watch_queries[0]["sql"]


# --- ending -------------------------------------------------------------------------


def test_requests_past_their_last_day_or_stopped_a_while_ago_are_deleted(service):
    current = wait(service, "current@example.com")
    past = wait(service, "past@example.com")
    WaitlistRequest.objects.filter(pk=past.pk).update(
        first_day=future_day(-9), last_day=future_day(-3)
    )
    stopped = wait(service, "stopped@example.com")
    waitlist.leave_waitlist(request=stopped, now=timezone.now() - timedelta(days=8))

    assert waitlist.forget_ended_requests() == 2
    assert list(WaitlistRequest.objects.all()) == [current]


# --- pages --------------------------------------------------------------------------


def test_the_time_picker_offers_the_waiting_list(service, client):
    url = reverse("bookings:choose-time", args=[service.practitioner.slug, service.pk])
    page = client.get(url).content.decode()
    assert "No time that suits you?" in page
    assert f'value="{future_day(0):%Y-%m-%d}"' in page


def test_joining_from_the_picker(service, client):
    url = reverse(
        "bookings:waitlist-join", args=[service.practitioner.slug, service.pk]
    )
    response = client.post(
        url,
        {
            "wait-name": "Sam",
            "wait-email": "sam@example.com",
            "wait-first_day": future_day(2).isoformat(),
            "wait-last_day": future_day(4).isoformat(),
        },
        follow=True,
    )
    assert "You are on the waiting list" in response.content.decode()
    assert WaitlistRequest.objects.get().email == "sam@example.com"


def test_a_refused_request_shows_why_and_changes_nothing(service, client, settings):
    settings.BOOKINGS_WAITLIST_MAX_ACTIVE = 0
    url = reverse(
        "bookings:waitlist-join", args=[service.practitioner.slug, service.pk]
    )
    data = {
        "wait-name": "Sam",
        "wait-email": "not an email",
        "wait-first_day": future_day(4).isoformat(),
        "wait-last_day": future_day(2).isoformat(),
    }
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert "The last day must not be before the first." in page
    summary = page.split("error-summary", 1)[1].split("</div>", 1)[0]
    assert 'href="#id_wait-email">Enter a valid email address.</a>' in summary
    assert "The last day must not be before the first." in summary

    response = client.post(
        url,
        data
        | {
            "wait-email": "sam@example.com",
            "wait-last_day": future_day(5).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "already waiting for 0 times" in response.content.decode()
    assert not WaitlistRequest.objects.exists()


def test_a_name_with_a_planted_line_joins_nothing_and_emails_nobody(service, client):
    url = reverse(
        "bookings:waitlist-join", args=[service.practitioner.slug, service.pk]
    )
    response = client.post(
        url,
        {
            "wait-name": "Sam\nStop waiting: https://evil.example/",
            "wait-email": "sam@example.com",
            "wait-first_day": future_day(2).isoformat(),
            "wait-last_day": future_day(5).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "one line" in response.content.decode()
    assert not WaitlistRequest.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_the_stop_link_asks_first_then_stops(service, client):
    request = wait(service, "sam@example.com")
    url = reverse("bookings:waitlist-stop", args=[request.token])

    page = client.get(url)
    assert page.status_code == 200
    assert "Stop these emails" in page.content.decode()
    request.refresh_from_db()
    assert request.ended_at is None  # a mail scanner opening the link stops nothing

    done = client.post(url)
    assert "we will not email you" in done.content.decode()
    request.refresh_from_db()
    assert request.ended_at is not None


def test_an_unknown_or_forgotten_stop_link_says_it_has_ended(client):
    url = reverse("bookings:waitlist-stop", args=["NoSuchRequestNoSuchRequest"])
    response = client.get(url)
    assert response.status_code == 404
    assert "has ended" in response.content.decode()
    # Not even the shape of a token: the site's own 404.
    assert client.get("/book/waitlist/nope/").status_code == 404


def test_a_practitioner_who_is_not_listed_has_no_waiting_list(service, client):
    service.is_active = False
    service.save()
    url = reverse(
        "bookings:waitlist-join", args=[service.practitioner.slug, service.pk]
    )
    assert client.post(url, {}).status_code == 404


def test_a_signed_in_client_has_their_details_filled_in(service, client):
    from tests.users.factories import UserFactory

    user = UserFactory(full_name="Robin Client")
    client.force_login(user)
    url = reverse("bookings:choose-time", args=[service.practitioner.slug, service.pk])
    page = client.get(url).content.decode()
    assert 'value="Robin Client"' in page and f'value="{user.email}"' in page


def test_opening_times_are_on_the_practitioners_wall_clock(service):
    booked = fill_day(service)
    wait(service, "sam@example.com")
    services.cancel_booking(booking=booked[0], cancelled_by="client")
    [email] = openings()
    local = booked[0].starts_at.astimezone(LONDON)
    assert f"{local:%H:%M}" in email.subject
