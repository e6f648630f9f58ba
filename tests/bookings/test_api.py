from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.availability import compute_slots
from tests.bookings.factories import BookingFactory, book, bookable_service
from tests.clock import LONDON, future_day, london_at
from tests.directory.factories import PractitionerFactory

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


def last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)  # March or October
    return last - timedelta(days=(last.weekday() + 1) % 7)


def next_clock_change(month: int) -> date:
    """The next London clock change (March or October) whose eve is still ahead."""
    today = future_day(0)
    for year in (today.year, today.year + 1):
        change = last_sunday(year, month)
        if change - timedelta(days=1) > today:
            return change
    raise AssertionError("unreachable")


def test_last_sunday_finds_the_london_clock_changes():
    assert last_sunday(2026, 3) == date(2026, 3, 29)
    assert last_sunday(2026, 10) == date(2026, 10, 25)
    assert last_sunday(2027, 3) == date(2027, 3, 28)
    assert last_sunday(2027, 10) == date(2027, 10, 31)  # the last day itself


@pytest.mark.parametrize(
    ("month", "offset_before", "offset_on"),
    [(3, "+00:00", "+01:00"), (10, "+01:00", "+00:00")],
    ids=["spring", "autumn"],
)
def test_slots_across_a_clock_change_keep_their_local_times(
    client, month, offset_before, offset_on
):
    # A window longer than a year (more than the dashboard allows), so the next
    # change is inside it whatever today is.
    service = bookable_service(slot_interval_minutes=60, max_advance_days=380)
    change = next_clock_change(month)
    eve = change - timedelta(days=1)
    response = client.get(
        url(service, service=service.pk, **{"from": eve, "to": change})
    )
    starts = [slot["start"] for slot in response.json()["slots"]]
    assert starts[:8] == [f"{eve}T{h:02d}:00:00{offset_before}" for h in range(9, 17)]
    assert starts[8:] == [f"{change}T{h:02d}:00:00{offset_on}" for h in range(9, 17)]


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


def test_from_defaults_to_today_in_the_practitioners_zone(client):
    # 25 hours apart, so at any moment at least one of them is not on London's date.
    for zone in ["Pacific/Kiritimati", "Pacific/Pago_Pago"]:
        practitioner = PractitionerFactory(time_zone=zone)
        service = bookable_service(practitioner=practitioner)
        body = client.get(url(service, service=service.pk)).json()
        today = timezone.now().astimezone(ZoneInfo(zone)).date()
        assert body["from"] == today.isoformat(), zone
        assert body["to"] == (today + timedelta(days=13)).isoformat(), zone


def test_the_answer_gives_the_days_actually_searched(client):
    service = bookable_service(slot_interval_minutes=60, max_advance_days=5)
    today = future_day(0)
    body = client.get(
        url(
            service,
            service=service.pk,
            **{"from": today - timedelta(days=3), "to": today + timedelta(days=20)},
        )
    ).json()
    horizon = (timezone.now() + timedelta(days=5)).astimezone(LONDON).date()
    assert (body["from"], body["to"]) == (today.isoformat(), horizon.isoformat())
    days = {slot["start"][:10] for slot in body["slots"]}
    assert max(days) <= body["to"]

    past = {"from": today - timedelta(days=9), "to": today - timedelta(days=3)}
    body = client.get(url(service, service=service.pk, **past)).json()
    assert (body["from"], body["to"], body["slots"]) == (None, None, [])


def test_to_before_today_in_the_practitioners_zone_is_a_400(client):
    service = bookable_service()
    yesterday = future_day(-1)
    response = client.get(url(service, service=service.pk, to=yesterday))
    assert response.status_code == 400
    assert "before" in response.json()["error"]


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
    # The service with its practitioner and policy, then the rules.
    with django_assert_max_num_queries(2):
        response = client.get(
            url(
                service,
                service=service.pk,
                **{"from": first, "to": first + timedelta(days=13)},
            )
        )
    assert response.status_code == 200


@pytest.mark.parametrize("bookings", [0, 300])
def test_two_weeks_of_slots_take_one_query(bookings, django_assert_max_num_queries):
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
    with django_assert_max_num_queries(1):
        slots = compute_slots(
            service=loaded, first_day=first, last_day=first + timedelta(days=13)
        )
    assert (len(slots) == 0) == (bookings > 0)


# The service, its practitioner and their policy are loaded with SQL built once per
# process (bookings.availability.bookable_service); who is listed is still
# PractitionerQuerySet.listed's to say.


@pytest.mark.parametrize(
    "change",
    [
        {"status": "suspended"},
        {"status": "applied"},
        {"insurance_expires_on": date(2020, 1, 1)},
    ],
    ids=["suspended", "applied", "insurance-expired"],
)
def test_a_practitioner_not_listed_has_no_slots(client, change):
    service = bookable_service()
    assert client.get(url(service, service=service.pk)).status_code == 200
    for field, value in change.items():
        setattr(service.practitioner, field, value)
    service.practitioner.save()
    response = client.get(url(service, service=service.pk))
    assert response.status_code == 404
    assert response.json()["error"]


def test_insurance_ending_today_still_lists_the_practitioner(client):
    service = bookable_service()
    service.practitioner.insurance_expires_on = timezone.localdate()
    service.practitioner.save()
    assert client.get(url(service, service=service.pk)).status_code == 200


def test_the_service_comes_with_its_practitioner_and_policy_in_one_query(
    django_assert_num_queries,
):
    from bookings.availability import bookable_service as load

    service = bookable_service(min_notice_hours=3, slot_interval_minutes=30)
    with django_assert_num_queries(1):
        loaded = load(service.pk, service.practitioner.slug)
        assert loaded.pk == service.pk and loaded.name == service.name
        assert loaded.duration == service.duration and loaded.price == service.price
        assert loaded.practitioner.slug == service.practitioner.slug
        assert loaded.practitioner.zone == ZoneInfo("Europe/London")
        assert loaded.practitioner.booking_policy.min_notice_hours == 3
        assert loaded.practitioner.booking_policy.slot_interval_minutes == 30
    assert load(service.pk, "someone-else") is None


def test_a_practitioner_without_a_policy_gets_the_defaults(
    client, django_assert_num_queries
):
    from bookings.availability import bookable_service as load
    from bookings.availability import policy_for
    from bookings.models import BookingPolicy

    service = bookable_service(slot_interval_minutes=30)
    BookingPolicy.objects.filter(practitioner=service.practitioner).delete()
    with django_assert_num_queries(1):
        loaded = load(service.pk, service.practitioner.slug)
        assert policy_for(loaded.practitioner).slot_interval_minutes == 15
    day = future_day(3)
    body = client.get(
        url(service, service=service.pk, **{"from": day, "to": day})
    ).json()
    # Defaults: every 15 minutes from 09:00 to 16:00 for a 60-minute service.
    assert len(body["slots"]) == 29
