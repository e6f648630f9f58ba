from datetime import date, timedelta

import pytest
from django.urls import reverse

from bookings.availability import compute_slots
from tests.bookings_helpers import book, bookable_service, future_day, london_at
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def url(for_service, **params):
    base = reverse("bookings:api-slots", kwargs={"slug": for_service.practitioner.slug})
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{base}?{query}" if query else base


def test_slots_come_as_iso_times_with_offsets(client):
    service = bookable_service(slot_interval_minutes=60)
    day = future_day(3)
    response = client.get(url(service, service=service.pk, **{"from": day, "to": day}))
    assert response.status_code == 200
    body = response.json()
    assert body["time_zone"] == "Europe/London"
    assert body["service"] == {
        "id": service.pk,
        "name": service.name,
        "duration_minutes": 60,
        "price": "55.00",
    }
    starts = [slot["start"] for slot in body["slots"]]
    assert len(starts) == 8
    assert starts[0] == london_at(day, 9).isoformat()
    assert body["slots"][0]["end"] == london_at(day, 10).isoformat()
    assert "no-cache" in response.headers["Cache-Control"]


def test_slots_across_the_spring_clock_change_keep_their_local_times(client):
    service = bookable_service(slot_interval_minutes=60, max_advance_days=365)
    change = date(2027, 3, 28)  # the next spring clock change in London
    if change - future_day(0) > timedelta(days=360):
        pytest.skip("the clock change is beyond the booking window today")
    response = client.get(
        url(
            service,
            service=service.pk,
            **{"from": change - timedelta(days=1), "to": change},
        )
    )
    starts = [slot["start"] for slot in response.json()["slots"]]
    assert starts[0] == "2027-03-27T09:00:00+00:00"
    assert starts[8] == "2027-03-28T09:00:00+01:00"
    assert len(starts) == 16


def test_a_taken_time_is_not_offered(client):
    service = bookable_service(slot_interval_minutes=60)
    day = future_day(3)
    book(service, london_at(day, 11))
    response = client.get(url(service, service=service.pk, **{"from": day, "to": day}))
    starts = [slot["start"] for slot in response.json()["slots"]]
    assert london_at(day, 11).isoformat() not in starts
    assert london_at(day, 12).isoformat() in starts


def test_from_and_to_default_to_the_next_two_weeks(client):
    service = bookable_service(slot_interval_minutes=60)
    body = client.get(url(service, service=service.pk)).json()
    days = (date.fromisoformat(body["to"]) - date.fromisoformat(body["from"])).days
    assert days == 13


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "service"),
        ({"service": "abc"}, "whole number"),
        ({"service": "1", "from": "2026-13-01"}, "valid date"),
        ({"service": "1", "from": "yesterday"}, "valid date"),
        ({"service": "1", "from": "2027-01-10", "to": "2027-01-01"}, "before"),
        ({"service": "1", "from": "2027-01-01", "to": "2027-06-01"}, "at most 62"),
        ({"service": "1" * 40}, "service"),
        ({"service": "1", "from": "9999-12-30"}, "between"),
        ({"service": "1", "from": "0001-01-01"}, "between"),
        ({"service": "-3"}, "service"),
    ],
)
def test_bad_parameters_get_a_400_with_a_message(client, params, message):
    service = bookable_service()
    response = client.get(url(service, **params))
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_an_unknown_practitioner_or_anothers_service_is_a_404(client):
    service = bookable_service()
    other = bookable_service()
    response = client.get(url(service, service=other.pk))
    assert response.status_code == 404
    assert response.json()["error"]
    missing = reverse("bookings:api-slots", kwargs={"slug": "nobody"})
    assert client.get(f"{missing}?service={service.pk}").status_code == 404


def test_an_inactive_service_is_a_404(client):
    service = bookable_service()
    service.is_active = False
    service.save()
    assert client.get(url(service, service=service.pk)).status_code == 404


def test_the_endpoint_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    service = bookable_service(slot_interval_minutes=15)
    first = future_day(1)
    for i in range(40):
        BookingFactory(
            service=service,
            starts_at=london_at(first + timedelta(days=i % 14), 9 + i // 14),
        )
    with django_assert_max_num_queries(5):
        response = client.get(
            url(
                service,
                service=service.pk,
                **{"from": first, "to": first + timedelta(days=13)},
            )
        )
    assert response.status_code == 200


@pytest.mark.parametrize("bookings", [0, 300])
def test_two_weeks_of_slots_take_at_most_four_queries(
    bookings, django_assert_max_num_queries
):
    service = bookable_service(slot_interval_minutes=15, buffer_after_minutes=10)
    first = future_day(1)
    # One booking per hour of every working hour for up to 300 hours.
    for i in range(bookings):
        day = first + timedelta(days=(i // 8) % 40)
        BookingFactory(service=service, starts_at=london_at(day, 9 + i % 8))
    from bookings.models import Service

    loaded = Service.objects.select_related("practitioner__booking_policy").get(
        pk=service.pk
    )
    with django_assert_max_num_queries(4):
        slots = compute_slots(
            service=loaded, first_day=first, last_day=first + timedelta(days=13)
        )
    assert (len(slots) == 0) == (bookings > 0)
