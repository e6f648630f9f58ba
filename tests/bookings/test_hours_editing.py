"""Hours changed where they are shown, copied from one day to others after a
confirmation, and the appointments a change leaves outside the hours listed
with links ("3 appointments in that time")."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings import services
from bookings.models import Booking, WeeklyHours
from tests.bookings.factories import (
    BookingFactory,
    DateOverrideFactory,
    WeeklyHoursFactory,
    book,
    bookable_service,
)
from tests.clock import future_day, london_at
from tests.directory.factories import LocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def practitioner(client):
    """Works Monday 09:00–17:00 only."""
    service = bookable_service(hours=())
    WeeklyHoursFactory(practitioner=service.practitioner, weekday=0)
    client.force_login(service.practitioner.user)
    return service.practitioner


def hours_of(practitioner, weekday):
    return [
        (h.start_time, h.end_time)
        for h in WeeklyHours.objects.filter(
            practitioner=practitioner, weekday=weekday
        ).order_by("start_time")
    ]


def next_weekday(weekday: int, weeks: int = 0):
    day = future_day(1)
    return day + timedelta(days=(weekday - day.weekday()) % 7 + 7 * weeks)


def edit(client, hours, start, end, **headers):
    return client.post(
        reverse("bookings:hours-edit", args=[hours.pk]),
        {f"edit-{hours.pk}-start_time": start, f"edit-{hours.pk}-end_time": end},
        **headers,
    )


# --- editing in place -----------------------------------------------------------------


def test_the_hours_page_has_a_form_for_each_range_in_place(client, practitioner):
    hours = practitioner.weekly_hours.get()
    html = client.get(reverse("bookings:availability")).text
    assert f'action="{reverse("bookings:hours-edit", args=[hours.pk])}"' in html
    assert f'id="id_edit-{hours.pk}-start_time"' in html
    assert 'value="09:00"' in html and 'value="17:00"' in html


def test_a_range_is_changed_in_place_without_javascript(client, practitioner):
    hours = practitioner.weekly_hours.get()
    response = edit(client, hours, "10:00", "18:30")
    assert response.status_code == 302 and response.url.endswith("#hours")
    assert hours_of(practitioner, 0) == [(time(10), time(18, 30))]


def test_htmx_gets_the_section_back_after_a_change(client, practitioner):
    hours = practitioner.weekly_hours.get()
    response = edit(client, hours, "08:00", "12:00", headers={"HX-Request": "true"})
    assert "<html" not in response.text and 'id="hours"' in response.text
    assert "Monday: hours saved." in response.text


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("17:00", "09:00", "The end time must be after the start time."),
        ("12:00", "12:00", "The end time must be after the start time."),
        ("", "12:00", "Enter the time you start, for example 09:00."),
        ("25:00", "12:00", "Enter a valid time"),
        ("12:30", "19:00", "That overlaps your hours Monday 18:00–20:00."),
    ],
)
def test_a_refused_change_is_explained_in_its_row_and_changes_nothing(
    client, practitioner, start, end, message
):
    WeeklyHoursFactory(
        practitioner=practitioner, weekday=0, start_time=time(18), end_time=time(20)
    )
    hours = practitioner.weekly_hours.get(start_time=time(9))
    response = edit(client, hours, start, end)
    assert response.status_code == 200
    assert message in response.text
    assert "There is a problem" in response.text
    assert hours_of(practitioner, 0) == [(time(9), time(17)), (time(18), time(20))]


def test_the_service_refuses_an_overlap_and_changes_nothing(practitioner):
    WeeklyHoursFactory(
        practitioner=practitioner, weekday=0, start_time=time(18), end_time=time(20)
    )
    hours = practitioner.weekly_hours.get(start_time=time(9))
    with pytest.raises(services.BookingError, match="overlaps"):
        services.change_weekly_hours(hours=hours, start_time=time(9), end_time=time(19))
    with pytest.raises(services.BookingError, match="end time"):
        services.change_weekly_hours(hours=hours, start_time=time(10), end_time=time(9))
    assert hours_of(practitioner, 0) == [(time(9), time(17)), (time(18), time(20))]


def test_another_practitioners_location_cannot_be_chosen(practitioner):
    hours = practitioner.weekly_hours.get()
    with pytest.raises(services.BookingError, match="your own locations"):
        services.change_weekly_hours(
            hours=hours,
            start_time=time(9),
            end_time=time(12),
            location=LocationFactory(),
        )
    assert hours_of(practitioner, 0) == [(time(9), time(17))]


def test_someone_elses_hours_cannot_be_changed(client, practitioner):
    theirs = WeeklyHoursFactory()
    assert edit(client, theirs, "10:00", "11:00").status_code == 404
    theirs.refresh_from_db()
    assert theirs.start_time == time(9)


# --- copying --------------------------------------------------------------------------


def copy(client, source, targets, *, confirm=False):
    data = {"copy-from_day": source, "copy-to_days": targets}
    if confirm:
        data["confirm"] = "yes"
    return client.post(reverse("bookings:hours-copy"), data)


def test_copying_shows_what_will_change_and_changes_nothing_until_confirmed(
    client, practitioner
):
    WeeklyHoursFactory(
        practitioner=practitioner, weekday=2, start_time=time(12), end_time=time(14)
    )
    page = copy(client, 0, [1, 2])
    assert page.status_code == 200
    assert "Copy Monday’s hours?" in page.text
    rows = page.text[page.text.index("<tbody>") :]
    assert "Tuesday</th>" in rows and "Closed" in rows
    assert "Wednesday</th>" in rows and "12:00–14:00" in rows
    assert rows.count("09:00–17:00") == 2
    assert hours_of(practitioner, 1) == []
    assert hours_of(practitioner, 2) == [(time(12), time(14))]

    response = copy(client, 0, [1, 2], confirm=True)
    assert response.status_code == 302
    for day in (0, 1, 2):
        assert hours_of(practitioner, day) == [(time(9), time(17))]
    follow = client.get(response.url)
    assert "Tuesday and Wednesday now have Monday’s hours." in follow.text


def test_copying_a_split_day_copies_every_range(practitioner):
    WeeklyHoursFactory(
        practitioner=practitioner, weekday=0, start_time=time(18), end_time=time(20)
    )
    services.copy_weekly_hours(
        practitioner=practitioner, from_weekday=0, to_weekdays=[4]
    )
    assert hours_of(practitioner, 4) == [(time(9), time(17)), (time(18), time(20))]
    practitioner.refresh_from_db()
    assert practitioner.offers_online_booking


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"copy-from_day": 0}, "Choose the days to copy the hours to."),
        (
            {"copy-from_day": 0, "copy-to_days": [0]},
            "Choose days other than the one you copy from.",
        ),
        ({"copy-from_day": 3, "copy-to_days": [4]}, "You have no hours on Thursday"),
        ({"copy-from_day": 9, "copy-to_days": [4]}, "from the list"),
        ({"copy-from_day": 0, "copy-to_days": ["x"]}, "from the list"),
    ],
)
def test_a_refused_copy_is_explained_and_changes_nothing(
    client, practitioner, data, message
):
    response = client.post(reverse("bookings:hours-copy"), {**data, "confirm": "yes"})
    assert response.status_code == 200
    assert message in response.text
    assert WeeklyHours.objects.filter(practitioner=practitioner).count() == 1


def test_the_copy_service_refuses_no_days_and_a_closed_day(practitioner):
    with pytest.raises(services.BookingError, match="at least one other day"):
        services.copy_weekly_hours(
            practitioner=practitioner, from_weekday=0, to_weekdays=[0]
        )
    with pytest.raises(services.BookingError, match="no hours on Sunday"):
        services.copy_weekly_hours(
            practitioner=practitioner, from_weekday=6, to_weekdays=[0]
        )
    assert hours_of(practitioner, 0) == [(time(9), time(17))]


def test_copying_touches_only_ones_own_hours(practitioner):
    theirs = WeeklyHoursFactory(weekday=1)
    services.copy_weekly_hours(
        practitioner=practitioner, from_weekday=0, to_weekdays=[1]
    )
    assert WeeklyHours.objects.filter(pk=theirs.pk).exists()


# --- appointments a change leaves outside the hours -----------------------------------


def test_shortening_hours_lists_the_appointments_left_outside_with_links(
    client, practitioner
):
    service = practitioner.services.get()
    monday = next_weekday(0)
    early = book(service, london_at(monday, 9), name="Erin Early")
    late = book(service, london_at(monday + timedelta(days=7), 15), name="Lou Late")
    kept = book(service, london_at(monday, 12), name="Kim Kept")
    hours = practitioner.weekly_hours.get()
    response = edit(client, hours, "10:00", "15:00", headers={"HX-Request": "true"})
    html = response.text
    assert "You have 2 appointments outside your hours now:" in html
    for booking in (early, late):
        assert reverse("bookings:agenda-booking", args=[booking.pk]) in html
    assert reverse("bookings:agenda-booking", args=[kept.pk]) not in html
    assert "They stay booked" in html
    assert Booking.objects.get(pk=early.pk).status == Booking.Status.CONFIRMED


def test_one_appointment_reads_in_the_singular(client, practitioner):
    monday = next_weekday(0)
    one = book(practitioner.services.get(), london_at(monday, 9), name="Una One")
    hours = practitioner.weekly_hours.get()
    response = client.post(
        reverse("bookings:hours-delete", args=[hours.pk]), follow=True
    )
    assert "You have 1 appointment outside your hours now:" in response.text
    assert "It stays booked" in response.text
    assert reverse("bookings:agenda-booking", args=[one.pk]) in response.text
    assert "appointment(s)" not in response.text


def test_time_off_over_appointments_lists_them_with_links(client, practitioner):
    service = practitioner.services.get()
    monday = next_weekday(0)
    inside = [
        book(service, london_at(monday, hour), name=f"Client {hour}")
        for hour in (9, 11, 13)
    ]
    response = client.post(
        reverse("bookings:time-off-add"),
        {"off-start_date": monday.isoformat(), "off-end_date": monday.isoformat()},
        follow=True,
    )
    assert "You have 3 appointments in that time:" in response.text
    for booking in inside:
        assert reverse("bookings:agenda-booking", args=[booking.pk]) in response.text


def test_a_date_with_its_own_hours_is_not_judged_by_the_weekday(practitioner):
    service = practitioner.services.get()
    monday = next_weekday(0)
    BookingFactory(service=service, starts_at=london_at(monday, 8))
    assert services.appointments_outside_hours(practitioner=practitioner, weekdays=[0])
    DateOverrideFactory(
        practitioner=practitioner, date=monday, start_time=time(8), end_time=time(12)
    )
    assert not services.appointments_outside_hours(
        practitioner=practitioner, weekdays=[0]
    )


def test_cancelled_and_past_appointments_are_not_listed(practitioner):
    service = practitioner.services.get()
    BookingFactory(
        service=service,
        starts_at=london_at(next_weekday(0), 8),
        status=Booking.Status.CANCELLED,
    )
    BookingFactory(
        service=service,
        starts_at=london_at(next_weekday(0) - timedelta(days=14), 8),
        status=Booking.Status.CONFIRMED,
    )
    assert not services.appointments_outside_hours(
        practitioner=practitioner, weekdays=range(7)
    )


def test_the_hours_page_reads_the_same_queries_for_one_range_or_many(
    client, practitioner
):
    LocationFactory(practitioner=practitioner)

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("bookings:availability"))
        return len(queries)

    few = count()
    for weekday in range(1, 7):
        WeeklyHoursFactory(practitioner=practitioner, weekday=weekday)
    assert count() == few
