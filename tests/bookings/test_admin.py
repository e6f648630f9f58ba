"""The bookings admin: staff read bookings and cancel them through the service;
times and statuses cannot be edited and bookings cannot be deleted. Other
calendars and waiting-list requests are read only, without their secrets."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, ExternalCalendar
from notifications import outbox
from notifications.models import OutboundEmail
from tests.bookings.factories import (
    ExternalCalendarFactory,
    WaitlistRequestFactory,
    book,
    bookable_service,
)
from tests.clock import future_day, london_at
from tests.directory.factories import PractitionerFactory
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db

Status = OutboundEmail.Status
CHANGELIST = "admin:bookings_booking_changelist"


@pytest.fixture(autouse=True)
def one_reminder(settings):
    settings.BOOKING_REMINDER_OFFSETS_HOURS = [24]


@pytest.fixture
def booking():
    service = bookable_service(
        practitioner=PractitionerFactory(display_name="Pat Rivers")
    )
    return book(service, london_at(future_day(5), 10), email="alex@example.com")


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def change_url(booking: Booking) -> str:
    return reverse("admin:bookings_booking_change", args=[booking.pk])


def reminders(booking: Booking) -> list[OutboundEmail]:
    return list(
        OutboundEmail.objects.filter(
            related_key=f"booking:{booking.pk}", kind="booking.reminder"
        )
    )


def test_the_time_and_status_cannot_be_changed_in_the_admin(staff_client, booking):
    html = staff_client.get(change_url(booking)).content.decode()
    for field in ("starts_at", "ends_at", "status", "cancelled_by", "practitioner"):
        assert f'name="{field}' not in html
    assert 'name="client_phone"' in html

    later = booking.starts_at + timedelta(days=1)
    response = staff_client.post(
        change_url(booking),
        {
            "client_name": "Alex Client",
            "client_email": "alex@example.com",
            "client_phone": "01273 999999",
            "status": "cancelled",
            "cancelled_by": "practitioner",
            "starts_at_0": later.date().isoformat(),
            "starts_at_1": "10:00:00",
            "ends_at_0": later.date().isoformat(),
            "ends_at_1": "11:00:00",
        },
    )

    assert response.status_code == 302
    saved = Booking.objects.get(pk=booking.pk)
    assert saved.client_phone == "01273 999999"  # contact details can be corrected
    assert (saved.status, saved.cancelled_by) == (Booking.Status.CONFIRMED, "")
    assert (saved.starts_at, saved.ends_at) == (booking.starts_at, booking.ends_at)
    assert [row.status for row in reminders(booking)] == [Status.PENDING]


def test_a_booking_cannot_be_deleted_in_the_admin(staff_client, booking):
    delete_url = reverse("admin:bookings_booking_delete", args=[booking.pk])
    assert staff_client.get(delete_url).status_code == 403
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403

    changelist = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert "delete_selected" not in changelist
    staff_client.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "_selected_action": [booking.pk], "post": "yes"},
    )

    assert Booking.objects.filter(pk=booking.pk).exists()
    assert [row.status for row in reminders(booking)] == [Status.PENDING]


def test_the_cancel_action_asks_for_a_reason_first(staff_client, booking):
    response = staff_client.post(
        reverse(CHANGELIST),
        {"action": "cancel_selected", "_selected_action": [booking.pk]},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="reason"' in html
    assert f'value="{booking.pk}"' in html
    assert "Pat Rivers" in html
    assert f"{booking.local_starts_at:%b %Y} 10:00" in html  # London wall time
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED

    # Applied without a reason, the form comes back.
    response = staff_client.post(
        reverse(CHANGELIST),
        {
            "action": "cancel_selected",
            "_selected_action": [booking.pk],
            "apply": "1",
            "reason": " ",
        },
    )
    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_the_cancel_action_cancels_through_the_service_and_its_reminders(
    staff_client, booking, mailoutbox
):
    outbox.deliver_due()
    mailoutbox.clear()
    staff = staff_client.session["_auth_user_id"]

    response = staff_client.post(
        reverse(CHANGELIST),
        {
            "action": "cancel_selected",
            "_selected_action": [booking.pk],
            "apply": "1",
            "reason": "The clinic is closed for repairs.",
        },
        follow=True,
    )

    assert "1 booking cancelled." in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_by == Booking.CancelledBy.STAFF
    assert booking.status_reason == "The clinic is closed for repairs."
    assert [row.status for row in reminders(booking)] == [Status.CANCELLED]
    entry = LogEntry.objects.get(object_id=str(booking.pk))
    assert str(entry.user_id) == staff
    assert "The clinic is closed for repairs." in entry.get_change_message()

    # Both sides are told, with the reason.
    outbox.deliver_due()
    by_recipient = {message.to[0]: message for message in mailoutbox}
    assert set(by_recipient) == {"alex@example.com", booking.practitioner.user.email}
    to_client = by_recipient["alex@example.com"]
    assert to_client.subject.startswith("Cancelled: ")
    assert "we have had to cancel your appointment with Pat Rivers" in to_client.body
    to_practitioner = by_recipient[booking.practitioner.user.email]
    assert to_practitioner.subject.startswith("Cancelled by Holistic Touch: ")
    for message in mailoutbox:
        assert "The clinic is closed for repairs." in message.body


def test_the_cancel_action_leaves_finished_bookings_and_says_so(staff_client, booking):
    booking.status = Booking.Status.COMPLETED
    booking.save(update_fields=["status"])

    response = staff_client.post(
        reverse(CHANGELIST),
        {
            "action": "cancel_selected",
            "_selected_action": [booking.pk],
            "apply": "1",
            "reason": "Tidying up.",
        },
        follow=True,
    )

    html = response.content.decode()
    assert "0 bookings cancelled." in html
    assert "This appointment is completed." in html
    booking.refresh_from_db()
    assert booking.status == Booking.Status.COMPLETED


# --- other calendars and the waiting list -------------------------------------------


def test_staff_read_other_calendars_by_host_never_by_address(staff_client):
    failing = ExternalCalendarFactory(
        name="Gym classes",
        url="https://calendar.example.com/secret-Zq9xY/basic.ics",
        state=ExternalCalendar.State.FAILING,
        failures=4,
    )
    ExternalCalendarFactory(name="Clinic diary", state=ExternalCalendar.State.OK)
    changelist = reverse("admin:bookings_externalcalendar_changelist")

    page = staff_client.get(changelist).content.decode()
    assert "Gym classes" in page and "Clinic diary" in page
    assert "calendar.example.com" in page and "secret-Zq9xY" not in page
    only_failing = staff_client.get(changelist, {"state__exact": "failing"})
    assert [c.pk for c in only_failing.context["cl"].result_list] == [failing.pk]

    detail = staff_client.get(
        reverse("admin:bookings_externalcalendar_change", args=[failing.pk])
    )
    assert detail.status_code == 200
    assert "secret-Zq9xY" not in detail.content.decode()
    assert 'name="name"' not in detail.content.decode()  # nothing to edit


def test_staff_read_waiting_list_requests_by_state_without_their_links(staff_client):
    service = bookable_service()
    today = timezone.localdate()
    waiting = WaitlistRequestFactory(service=service, name="Sam Waiting")
    stopped = WaitlistRequestFactory(service=service, ended_at=timezone.now())
    over = WaitlistRequestFactory(
        service=service,
        first_day=today - timedelta(days=5),
        last_day=today - timedelta(days=1),
    )
    changelist = reverse("admin:bookings_waitlistrequest_changelist")

    page = staff_client.get(changelist)
    assert page.status_code == 200
    assert "Sam Waiting" in page.content.decode()
    for state, expected in (("waiting", waiting), ("stopped", stopped), ("over", over)):
        found = staff_client.get(changelist, {"state": state}).context["cl"]
        assert [request.pk for request in found.result_list] == [expected.pk]

    detail = staff_client.get(
        reverse("admin:bookings_waitlistrequest_change", args=[waiting.pk])
    ).content.decode()
    assert waiting.token not in detail


@pytest.mark.parametrize("model", ["externalcalendar", "waitlistrequest"])
def test_calendars_and_waiting_lists_cannot_be_added_changed_or_deleted(
    staff_client, model
):
    row = (
        ExternalCalendarFactory()
        if model == "externalcalendar"
        else WaitlistRequestFactory()
    )
    add = staff_client.get(reverse(f"admin:bookings_{model}_add"))
    assert add.status_code == 403
    delete = staff_client.post(
        reverse(f"admin:bookings_{model}_delete", args=[row.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    change = staff_client.post(
        reverse(f"admin:bookings_{model}_change", args=[row.pk]), {"name": "Changed"}
    )
    assert change.status_code == 403
    row.refresh_from_db()
    assert row.name != "Changed"
