"""A NUL byte or another hostile character in any part of an address answers 404 or
400, never 500: PostgreSQL refuses NUL in text, so one reaching a query used to
crash the page."""

import pytest
from django.urls import NoReverseMatch, reverse

from tests.bookings.factories import BookingFactory, CalendarFeedFactory
from tests.urlconf import routes
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db

MARK = "MARKmarkMARKmarkMARK"
HOSTILE = ["%00", "a%00b", "%00" * 40, "%C0%80", "%EF%BF%BF", "%0A", "%E2%80%AE"]


def _text_routes():
    """Each named route with a text parameter, its path with each one a marker."""
    found = []
    for route in routes():
        text = [name for name in route.params if name not in route.int_params]
        if not route.name or not text:
            continue
        kwargs = {
            name: ("7" if name in route.int_params else MARK) for name in route.params
        }
        try:
            path = reverse(route.name, kwargs=kwargs)
        except NoReverseMatch:
            continue
        found.append(pytest.param(path, id=route.name))
    return found


TEXT_ROUTES = _text_routes()


def test_the_walk_finds_the_token_pages():
    names = {param.id for param in TEXT_ROUTES}
    assert {
        "bookings:manage",
        "bookings:manage-cancel",
        "bookings:manage-reschedule",
        "bookings:manage-ics",
        "bookings:confirmation",
        "bookings:calendar-feed",
        "directory:profile",
        "account_confirm_email",
        "account_reset_password_from_key",
    } <= names


@pytest.mark.parametrize("path", TEXT_ROUTES)
@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_in_a_path_parameter_is_not_found(client, path, value):
    response = client.get(path.replace(MARK, value))
    assert response.status_code in (301, 302, 400, 404), response.status_code


@pytest.mark.parametrize("suffix", ["", "cancel/", "reschedule/", "calendar.ics"])
def test_a_nul_after_a_real_manage_token_is_not_found(client, suffix):
    booking = BookingFactory(client=None)
    page = reverse("bookings:manage", args=[booking.manage_token])
    if suffix == "calendar.ics":
        path = page.rstrip("/") + "%00/calendar.ics"
    else:
        path = page.rstrip("/") + "%00/" + suffix
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


def test_a_nul_in_the_confirmation_and_feed_tokens_is_not_found(client):
    booking = BookingFactory(client=None)
    feed = CalendarFeedFactory()
    for path in (
        f"/book/done/{booking.manage_token}%00/",
        f"/practitioner/calendar/{feed.token}%00.ics",
        "/practitioner/calendar/%00.ics",
    ):
        assert client.get(path).status_code == 404, path


QUERY_PAGES = [
    "/",
    "/practitioners/",
    "/courses/",
    "/blog/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/api/practitioners/nobody/slots/",
]
QUERY_NAMES = [
    "q",
    "where",
    "page",
    "date",
    "week",
    "start",
    "technique",
    "town",
    "level",
    "gender",
    "language",
    "service",
    "from",
    "to",
    "next",
    "view",
    "sort",
]


@pytest.mark.parametrize("path", QUERY_PAGES)
def test_a_nul_in_any_query_parameter_is_refused_cleanly(client, path):
    for name in QUERY_NAMES:
        response = client.get(f"{path}?{name}=a%00b")
        assert response.status_code in (200, 302, 400, 404), (name, response)


def test_a_nul_in_the_admin_search_and_filters_is_refused_cleanly(client):
    client.force_login(StaffFactory())
    for query in (
        "q=%00",
        "status__exact=%00",
        "o=%00",
        "p=%00",
        "_changelist_filters=%00",
    ):
        for model in ("bookings/booking", "users/user", "notifications/outboundemail"):
            response = client.get(f"/admin/{model}/?{query}")
            assert response.status_code in (200, 302, 400, 404), (model, query)


def test_a_nul_in_a_form_field_is_refused_with_a_message(client):
    response = client.post(
        reverse("account_login"), {"login": "a%00@example.com", "password": "x\x00"}
    )
    assert response.status_code in (200, 400)
    response = client.post(
        reverse("account_signup"),
        {
            "full_name": "Robin\x00",
            "email": "robin\x00@example.com",
            "password1": "x\x00" * 6,
            "password2": "x\x00" * 6,
        },
    )
    assert response.status_code in (200, 400)
