"""The practitioner area as one place: its navigation, the agenda from today,
reviewing a request (the "Yes" answers first, the client's earlier
appointments) and declining only after confirmation."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from bookings import services
from bookings.models import ERASED_CLIENT_EMAIL, Booking
from tests.bookings.factories import BookingFactory, book, bookable_service
from tests.clock import future_day, london_at
from tests.directory.factories import LocationFactory, PlaceFactory
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

# Every page of the area, with the navigation link it marks as the current one.
AREA_PAGES = [
    ("directory:dashboard", "Overview"),
    ("bookings:agenda", "Agenda"),
    ("bookings:services", "Services"),
    ("bookings:service-create", "Services"),
    ("bookings:availability", "Hours"),
    ("bookings:calendar", "Calendar feed"),
    ("reviews:mine", "Reviews"),
    ("directory:edit-profile", "Profile"),
    ("directory:locations", "Places of work"),
    ("directory:location-add", "Places of work"),
]


@pytest.fixture
def practitioner(client):
    service = bookable_service()
    LocationFactory(practitioner=service.practitioner, name="Abbey Rooms")
    client.force_login(service.practitioner.user)
    return service.practitioner


def current_links(html: str) -> list[str]:
    nav = html[html.index('<nav aria-label="Your practice"') :]
    nav = nav[: nav.index("</nav>")]
    return re.findall(r'aria-current="page"[^>]*>([^<]+)</a>', nav)


@pytest.mark.parametrize(("name", "label"), AREA_PAGES)
def test_every_page_of_the_area_has_the_one_navigation_with_its_link_current(
    client, practitioner, name, label
):
    html = client.get(reverse(name)).content.decode()
    assert current_links(html) == [label]
    for target in [
        "bookings:agenda",
        "bookings:services",
        "bookings:availability",
        "bookings:calendar",
        "directory:edit-profile",
        "directory:locations",
    ]:
        assert f'href="{reverse(target)}"' in html


def test_the_booking_and_decline_pages_mark_the_agenda_current(client, practitioner):
    booking = book(practitioner.services.get(), london_at(future_day(2), 10))
    for name in ["bookings:agenda-booking", "bookings:agenda-decline"]:
        html = client.get(reverse(name, args=[booking.pk])).content.decode()
        assert current_links(html) == ["Agenda"]


def test_places_of_work_lists_only_ones_own(client, practitioner):
    LocationFactory(name="Somebody Else's Studio")
    html = client.get(reverse("directory:locations")).content.decode()
    assert "Abbey Rooms" in html and "Somebody Else" not in html


def test_places_of_work_is_a_404_for_someone_who_is_not_a_practitioner(client):
    client.force_login(UserFactory())
    assert client.get(reverse("directory:locations")).status_code == 404


def test_a_saved_place_of_work_leads_back_to_the_list(client, practitioner):
    PlaceFactory(kind="outward", name="BA1", key="BA1", latitude=51.4, longitude=-2.4)
    response = client.post(
        reverse("directory:location-add"),
        {"name": "Second", "address": "2 Road", "town": "Bath", "postcode": "BA1 1AA"},
    )
    assert response.url == reverse("directory:locations")


# --- agenda ---------------------------------------------------------------------------


def test_the_agenda_opens_on_today_and_the_next_six_days(client, practitioner):
    service = practitioner.services.get()
    BookingFactory(
        service=service,
        starts_at=london_at(future_day(0), 23),
        client_name="Tara Today",
    )
    book(service, london_at(future_day(6), 10), name="Sid Sixth")
    book(service, london_at(future_day(7), 10), name="Seb Seventh")
    html = client.get(reverse("bookings:agenda")).content.decode()
    assert "Today and the next 6 days" in html
    assert "Tara Today" in html and "Sid Sixth" in html
    assert "Seb Seventh" not in html
    later = future_day(7).isoformat()
    assert f'rel="next" href="?view=week&amp;date={later}"' in html
    html = client.get(reverse("bookings:agenda"), {"date": later}).content.decode()
    assert "Seb Seventh" in html and "Tara Today" not in html


def test_earlier_days_are_reached_a_week_at_a_time(client, practitioner):
    past = BookingFactory(
        service=practitioner.services.get(),
        starts_at=london_at(future_day(-3), 10),
        client_name="Pat Past",
        status=Booking.Status.COMPLETED,
    )
    html = client.get(reverse("bookings:agenda")).content.decode()
    assert "Pat Past" not in html
    earlier = future_day(-7).isoformat()
    assert f'rel="prev" href="?view=week&amp;date={earlier}"' in html
    html = client.get(reverse("bookings:agenda"), {"date": earlier}).content.decode()
    assert past.client_name in html


def test_the_agenda_reads_in_a_bounded_number_of_queries(
    client, practitioner, django_assert_max_num_queries
):
    service = practitioner.services.get()
    # From tomorrow: today's morning times have passed by the afternoon.
    for day in range(1, 7):
        for hour in (9, 11, 13):
            book(service, london_at(future_day(day), hour), intake={"unwell": day % 2})
    with django_assert_max_num_queries(8):
        response = client.get(reverse("bookings:agenda"))
    assert (
        len(set(re.findall(r'href="/practitioner/agenda/\d+/"', response.text))) == 18
    )


# --- reviewing a booking --------------------------------------------------------------


def test_the_yes_answers_come_first_and_are_marked_in_words(client, practitioner):
    booking = book(
        practitioner.services.get(),
        london_at(future_day(2), 10),
        intake={"blood_clots": True, "numbness_or_medication": True},
    )
    html = client.get(
        reverse("bookings:agenda-booking", args=[booking.pk])
    ).content.decode()
    assert "Answered “Yes” to 2 questions" in html
    clots = html.index("Have you had a blood clot")
    numbness = html.index("Do you have numbness")
    unwell = html.index("Do you have a fever")  # answered No, asked first
    assert clots < numbness < unwell
    assert html.count('<strong class="answer-yes flex-shrink-0">Yes</strong>') == 2


def test_one_yes_answer_reads_in_the_singular(client, practitioner):
    booking = book(
        practitioner.services.get(),
        london_at(future_day(2), 10),
        intake={"pregnant": True},
    )
    html = client.get(reverse("bookings:agenda-booking", args=[booking.pk])).text
    assert "Answered “Yes” to 1 question:" in html


def test_no_yes_answers_is_said(client, practitioner):
    booking = book(practitioner.services.get(), london_at(future_day(2), 10))
    html = client.get(reverse("bookings:agenda-booking", args=[booking.pk])).text
    assert "No “Yes” answers." in html and "answer-yes" not in html


def test_the_clients_earlier_appointments_with_this_practitioner_are_shown(
    client, practitioner
):
    service = practitioner.services.get()
    regular = UserFactory(email="reg@example.com")
    before = BookingFactory(
        service=service,
        client=regular,
        starts_at=london_at(future_day(-20), 10),
        status=Booking.Status.COMPLETED,
    )
    elsewhere = BookingFactory(
        client=regular,
        starts_at=london_at(future_day(-10), 15),
        status=Booking.Status.COMPLETED,
    )
    someone_else = BookingFactory(
        service=service, starts_at=london_at(future_day(-5), 11)
    )
    now = BookingFactory(
        service=service, client=regular, starts_at=london_at(future_day(3), 10)
    )
    after = BookingFactory(
        service=service, client=regular, starts_at=london_at(future_day(9), 10)
    )
    html = client.get(reverse("bookings:agenda-booking", args=[now.pk])).text
    section = html[html.index('id="earlier-heading"') :]
    section = section[: section.index("</section>")]
    assert reverse("bookings:agenda-booking", args=[before.pk]) in section
    for hidden in [elsewhere, someone_else, after, now]:
        assert f"/agenda/{hidden.pk}/" not in section


def test_a_first_appointment_says_so(client, practitioner):
    booking = book(practitioner.services.get(), london_at(future_day(2), 10))
    html = client.get(reverse("bookings:agenda-booking", args=[booking.pk])).text
    assert "None: this is their first appointment with you." in html


def test_a_guests_earlier_appointments_match_by_email_without_an_account(
    practitioner,
):
    service = practitioner.services.get()
    earlier = BookingFactory(
        service=service,
        client=None,
        client_email="Guest@Example.com",
        starts_at=london_at(future_day(-3), 10),
    )
    with_account = BookingFactory(
        service=service,
        client=UserFactory(email="guest2@example.com"),
        client_email="guest@example.com",
        starts_at=london_at(future_day(-4), 10),
    )
    booking = BookingFactory(service=service, client=None)
    found = list(Booking.objects.for_practitioner(practitioner).same_client_as(booking))
    assert found == [earlier]
    assert with_account not in found


def test_erased_clients_are_nobodys_regulars(practitioner):
    service = practitioner.services.get()
    for days in (-3, 2):
        BookingFactory(
            service=service,
            client=None,
            client_email=ERASED_CLIENT_EMAIL,
            starts_at=london_at(future_day(days), 10),
        )
    booking = Booking.objects.filter(starts_at__gt=london_at(future_day(0), 0)).get()
    assert not Booking.objects.same_client_as(booking).exists()


# --- declining ------------------------------------------------------------------------


def pending_booking(practitioner):
    return book(
        practitioner.services.get(),
        london_at(future_day(2), 10),
        name="Penny Pending",
        intake={"unwell": True},
    )


def test_declining_asks_first_and_changes_nothing_until_confirmed(
    client, practitioner, kicks
):
    booking = pending_booking(practitioner)
    review = client.get(reverse("bookings:agenda-booking", args=[booking.pk])).text
    decline_url = reverse("bookings:agenda-decline", args=[booking.pk])
    assert f'href="{decline_url}"' in review
    page = client.get(decline_url)
    assert "Decline Penny Pending's request?" in page.text
    assert "Yes, decline the request" in page.text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING

    response = client.post(decline_url, {"reason": "Please rebook when well"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.DECLINED
    assert booking.status_reason == "Please rebook when well"


def test_a_too_long_reason_is_explained_and_declines_nothing(client, practitioner):
    booking = pending_booking(practitioner)
    response = client.post(
        reverse("bookings:agenda-decline", args=[booking.pk]), {"reason": "x" * 1001}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "no-store" in response.headers["Cache-Control"]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING


def test_a_confirmed_booking_cannot_be_declined(client, practitioner):
    booking = book(practitioner.services.get(), london_at(future_day(2), 10))
    url = reverse("bookings:agenda-decline", args=[booking.pk])
    page = client.get(url).text
    assert "Only a booking waiting for review can be declined." in page
    assert "Yes, decline the request" not in page
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Only a booking waiting for review can be declined." in response.text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_another_practitioners_request_cannot_be_declined(client, practitioner):
    other = bookable_service(new_clients_need_approval=True)
    theirs = book(other, london_at(future_day(2), 10), intake={"unwell": True})
    url = reverse("bookings:agenda-decline", args=[theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": ""}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Booking.Status.PENDING


def test_the_decline_service_refuses_what_is_not_pending(practitioner):
    booking = book(practitioner.services.get(), london_at(future_day(2), 10))
    assert services.decline_problem(booking)
    with pytest.raises(services.BookingError):
        services.decline_booking(booking=booking)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_past_and_future_weeks_keep_the_day_view(client, practitioner):
    day = future_day(1)
    html = client.get(
        reverse("bookings:agenda"), {"view": "day", "date": day.isoformat()}
    ).text
    later = (day + timedelta(days=1)).isoformat()
    assert f'href="?view=day&amp;date={later}"' in html
