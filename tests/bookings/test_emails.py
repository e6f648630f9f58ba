"""Bookings emails go through the outbox: one per event, reminders written with a
confirmed booking and cancelled or replaced with it, never a health answer."""

import email
import logging
import re
import time
from datetime import UTC, datetime, timedelta
from email.policy import default
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from bookings import emails, services
from bookings.models import Booking, HealthIntake
from config.celery import app
from config.settings.base import env_hours
from core import pagecache
from notifications import outbox
from notifications.models import OutboundEmail
from notifications.tasks import deliver_email
from tests.bookings.factories import BookingFactory, book, bookable_service
from tests.clock import LONDON, future_day, london, london_at
from tests.directory.factories import LocationFactory, PractitionerFactory
from tests.notifications.worker import closed_port, mail_worker, wait_for
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = OutboundEmail.Status
CLIENT_EMAIL = "alex@example.com"


@pytest.fixture
def service():
    """A bookable practitioner with one place of work, so emails give its address."""
    practitioner = PractitionerFactory(display_name="Pat Rivers")
    service = bookable_service(practitioner=practitioner, max_advance_days=365)
    LocationFactory(practitioner=practitioner)
    return service


@pytest.fixture(autouse=True)
def one_reminder(settings):
    settings.BOOKING_REMINDER_OFFSETS_HOURS = [24]


def practitioner_email(booking: Booking) -> str:
    return booking.practitioner.user.email


def rows(**filters) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(**filters).order_by("pk"))


def summary(**filters) -> list[tuple[str, str, str]]:
    """(kind, recipient, status) of the outbox rows, in the order written."""
    return [(row.kind, row.to, row.status) for row in rows(**filters)]


def reminders(booking: Booking, **filters) -> list[OutboundEmail]:
    return rows(related_key=f"booking:{booking.pk}", kind="booking.reminder", **filters)


def when(moment: datetime) -> str:
    """How the emails write a time: 'Friday 12 March 2027, 10:00 GMT'."""
    return emails.format_when(moment, LONDON)


def make_everything_due() -> None:
    OutboundEmail.objects.update(send_after=timezone.now() - timedelta(seconds=1))


def attachments(message) -> list[tuple[str, str, str]]:
    """(filename, content, content type with its method) of each attachment."""
    found = []
    for part in message.attachments:
        method = part.get_param("method")
        kind = part.get_content_type() + (f"; method={method}" if method else "")
        found.append((part.get_filename(), part.get_content(), kind))
    return found


# --- how times are written ----------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        (london(2027, 3, 12, 10), "Europe/London", "Friday 12 March 2027, 10:00 GMT"),
        (london(2027, 3, 29, 10), "Europe/London", "Monday 29 March 2027, 10:00 BST"),
        (
            datetime(2027, 3, 12, 6, tzinfo=UTC),
            "Asia/Dubai",
            "Friday 12 March 2027, 10:00 UTC+04 (Asia/Dubai)",
        ),
    ],
)
def test_times_are_written_on_the_practitioners_clock_with_the_zone(
    moment, zone, expected
):
    assert emails.format_when(moment, ZoneInfo(zone)) == expected


# --- one email per event ------------------------------------------------------


def test_a_confirmed_booking_emails_the_client_and_the_practitioner_once(
    service, mailoutbox
):
    booking = book(service, london_at(future_day(5), 10), email=CLIENT_EMAIL)

    assert summary(send_after__lte=timezone.now()) == [
        ("booking.confirmed", CLIENT_EMAIL, Status.PENDING),
        ("booking.confirmed", practitioner_email(booking), Status.PENDING),
    ]
    assert outbox.deliver_due() == 2
    emails.booking_confirmed(booking)  # a repeated call queues nothing
    assert outbox.deliver_due() == 0
    assert len(mailoutbox) == 2

    to_client, to_practitioner = mailoutbox
    assert to_client.to == [CLIENT_EMAIL]
    assert to_client.subject.startswith(
        "Confirmed: Deep tissue massage with Pat Rivers, "
    )
    html = to_client.alternatives[0][0]
    for body in (to_client.body, html):
        assert booking.practitioner.display_name in body
        assert "Deep tissue massage (60 minutes)" in body
        assert when(booking.starts_at) in body
        assert "Seafront Clinic, 12 Marine Parade, Brighton BN2 1TL" in body
        # A guest manages the booking through their private link.
        assert f"http://127.0.0.1:8000{booking.get_manage_url()}" in body
    [(filename, ics, mimetype)] = attachments(to_client)
    assert filename == f"appointment-{booking.pk}.ics"
    assert mimetype == "text/calendar; method=PUBLISH"
    assert "BEGIN:VCALENDAR" in ics and "STATUS:CONFIRMED" in ics
    assert f"DTSTART:{booking.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in ics

    assert to_practitioner.to == [practitioner_email(booking)]
    assert to_practitioner.subject.startswith("New booking: Alex Client, ")
    assert "alex@example.com, 01273 123456" in to_practitioner.body
    assert f"/practitioner/agenda/{booking.pk}/" in to_practitioner.body
    assert booking.manage_token not in to_practitioner.body
    assert attachments(to_practitioner) == []


def test_a_signed_in_client_is_sent_to_their_appointment_page():
    user = UserFactory(email="sam@example.com")
    booking = book(
        bookable_service(),
        london_at(future_day(5), 10),
        email=user.email,
        user=user,
    )

    confirmation = rows(kind="booking.confirmed", to="sam@example.com")[0]
    assert f"http://127.0.0.1:8000/appointments/{booking.pk}/" in confirmation.text_body
    assert booking.manage_token not in confirmation.text_body


def test_without_a_known_place_the_email_says_the_address_will_follow():
    booking = book(bookable_service(), london_at(future_day(5), 10))

    body = rows(kind="booking.confirmed", to=booking.client_email)[0].text_body
    assert f"Where: {booking.practitioner.display_name} will confirm" in body


def test_a_request_for_review_tells_the_client_and_asks_the_practitioner(
    service, mailoutbox
):
    booking = book(
        service,
        london_at(future_day(5), 10),
        email=CLIENT_EMAIL,
        intake={"pregnant": True, "details": ""},
    )

    assert summary() == [
        ("booking.requested", CLIENT_EMAIL, Status.PENDING),
        ("booking.requested", practitioner_email(booking), Status.PENDING),
    ]
    assert outbox.deliver_due() == 2
    to_client, to_practitioner = mailoutbox
    assert to_client.subject.startswith("Booking request received: ")
    assert "will review it" in to_client.body
    assert attachments(to_client) == []
    assert to_practitioner.subject.startswith("Please review a booking request: ")
    assert f"/practitioner/agenda/{booking.pk}/" in to_practitioner.body
    assert reminders(booking) == []


def test_approving_confirms_to_the_client_and_writes_the_reminders(service):
    starts_at = london_at(future_day(5), 10)
    booking = book(
        service, starts_at, email=CLIENT_EMAIL, intake={"unwell": True, "details": ""}
    )

    services.approve_booking(booking=booking)

    # The practitioner approved it themselves: no second "new booking" email.
    assert summary(kind__in=["booking.confirmed", "booking.reminder"]) == [
        ("booking.confirmed", CLIENT_EMAIL, Status.PENDING),
        ("booking.reminder", CLIENT_EMAIL, Status.PENDING),
    ]
    confirmed = rows(kind="booking.confirmed")[0]
    assert confirmed.attachment_filename == f"appointment-{booking.pk}.ics"
    [reminder] = reminders(booking)
    assert reminder.send_after == starts_at - timedelta(hours=24)
    assert reminder.subject.startswith("Reminder: Deep tissue massage with ")
    assert when(starts_at) in reminder.text_body


def test_declining_emails_the_client_the_reason_and_writes_no_reminder(
    service, mailoutbox
):
    booking = book(
        service,
        london_at(future_day(5), 10),
        email=CLIENT_EMAIL,
        intake={"unwell": True, "details": ""},
    )
    OutboundEmail.objects.all().delete()

    services.decline_booking(booking=booking, reason="I do not treat during a fever.")

    assert summary() == [("booking.declined", CLIENT_EMAIL, Status.PENDING)]
    outbox.deliver_due()
    [declined] = mailoutbox
    assert "declined" in declined.subject
    assert "I do not treat during a fever." in declined.body
    assert "/practitioners/" in declined.body  # find someone else


def test_a_client_cancelling_emails_both_and_cancels_the_reminders(service, mailoutbox):
    booking = book(service, london_at(future_day(5), 10), email=CLIENT_EMAIL)
    OutboundEmail.objects.filter(kind="booking.confirmed").delete()

    services.cancel_booking(
        booking=booking, cancelled_by="client", reason="My plans changed."
    )

    assert sorted(summary(kind="booking.cancelled")) == sorted(
        [
            ("booking.cancelled", CLIENT_EMAIL, Status.PENDING),
            ("booking.cancelled", practitioner_email(booking), Status.PENDING),
        ]
    )
    assert [row.status for row in reminders(booking)] == [Status.CANCELLED]
    # Even once its time has come, no reminder is left to send.
    make_everything_due()
    assert outbox.deliver_due() == 2
    to_client = next(m for m in mailoutbox if m.to == [CLIENT_EMAIL])
    to_practitioner = next(m for m in mailoutbox if m.to != [CLIENT_EMAIL])
    assert to_practitioner.subject.startswith("Cancelled by the client: Alex Client")
    assert "My plans changed." in to_practitioner.body
    # The client's own confirmation removes the entry from their calendar; their
    # reason is theirs to remember, not repeated back.
    assert to_client.subject.startswith("Cancelled: Deep tissue massage")
    assert "As you asked" in to_client.body
    assert "My plans changed." not in to_client.body
    [(_, content, mimetype)] = attachments(to_client)
    assert mimetype == "text/calendar; method=CANCEL"
    assert "METHOD:CANCEL" in content


def test_a_practitioner_cancelling_emails_the_client_with_the_reason(service):
    booking = book(service, london_at(future_day(5), 10), email=CLIENT_EMAIL)

    services.cancel_booking(
        booking=booking, cancelled_by="practitioner", reason="I am unwell, sorry."
    )

    [cancelled] = rows(kind="booking.cancelled")
    assert cancelled.to == CLIENT_EMAIL
    assert "I am unwell, sorry." in cancelled.text_body
    assert f"/book/{booking.practitioner.slug}/" in cancelled.text_body
    assert reminders(booking, status=Status.PENDING) == []


def test_rescheduling_emails_both_the_old_and_new_time_and_replaces_the_reminder(
    service, mailoutbox
):
    old = london_at(future_day(5), 10)
    new = london_at(future_day(6), 14)
    booking = book(service, old, email=CLIENT_EMAIL)
    outbox.deliver_due()
    mailoutbox.clear()

    services.reschedule_booking(booking=booking, starts_at=new)

    assert summary(kind="booking.rescheduled") == [
        ("booking.rescheduled", CLIENT_EMAIL, Status.PENDING),
        ("booking.rescheduled", practitioner_email(booking), Status.PENDING),
    ]
    assert [(row.status, row.send_after) for row in reminders(booking)] == [
        (Status.CANCELLED, old - timedelta(hours=24)),
        (Status.PENDING, new - timedelta(hours=24)),
    ]
    assert outbox.deliver_due() == 2
    for message in mailoutbox:
        assert f"New time: {when(new)}" in message.body
        assert f"Old time: {when(old)}" in message.body
    to_client, to_practitioner = mailoutbox
    [(_, ics, _)] = attachments(to_client)
    assert f"DTSTART:{new.astimezone(UTC):%Y%m%dT%H%M%SZ}" in ics
    assert attachments(to_practitioner) == []

    # When the reminders' time comes, only the new time's goes out.
    mailoutbox.clear()
    make_everything_due()
    assert outbox.deliver_due() == 1
    [reminder] = mailoutbox
    assert when(new) in reminder.body and when(old) not in reminder.body


def parse_ics(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """(calendar properties, event properties) of a one-event .ics file, each
    name mapped to 'PARAMS:VALUE' without the name ('ORGANIZER' -> 'CN=..:mailto:..')
    or to the plain value when there are no parameters."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.replace("\r\n ", "").split("\r\n")[:-1]
    assert (lines[0], lines[-1]) == ("BEGIN:VCALENDAR", "END:VCALENDAR")
    calendar: dict[str, str] = {}
    event: dict[str, str] = {}
    target = calendar
    for line in lines[1:-1]:
        if line == "BEGIN:VEVENT":
            assert not event, "one event only"
            target = event
            continue
        if line == "END:VEVENT":
            target = calendar
            continue
        name = re.match(r"[A-Z-]+", line).group()
        assert line[len(name)] in ";:" and name not in target, line
        target[name] = line[len(name) + 1 :]
    return calendar, event


def client_ics(row: OutboundEmail) -> tuple[dict[str, str], dict[str, str]]:
    assert row.attachment_filename.endswith(".ics")
    calendar, event = parse_ics(row.attachment_content)
    method = calendar["METHOD"]
    assert row.attachment_content_type == f"text/calendar; method={method}"
    return calendar, event


def test_each_move_sends_an_ics_that_updates_the_same_calendar_entry(service):
    booking = book(service, london_at(future_day(5), 10), email=CLIENT_EMAIL)
    first = london_at(future_day(6), 14)
    second = london_at(future_day(7), 9)

    services.reschedule_booking(booking=booking, starts_at=first)
    services.reschedule_booking(booking=booking, starts_at=second)

    files = [
        client_ics(row)
        for row in rows(
            to=CLIENT_EMAIL, kind__in=["booking.confirmed", "booking.rescheduled"]
        )
    ]
    assert len(files) == 3
    assert {calendar["METHOD"] for calendar, _ in files} == {"PUBLISH"}
    events = [event for _, event in files]
    assert len({event["UID"] for event in events}) == 1
    assert [int(event["SEQUENCE"]) for event in events] == [0, 1, 2]
    assert [event["DTSTART"] for event in events][1:] == [
        f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}" for moment in (first, second)
    ]
    assert {event["STATUS"] for event in events} == {"CONFIRMED"}


def test_a_cancellation_email_carries_an_ics_that_cancels_the_calendar_entry(
    service, mailoutbox
):
    booking = book(service, london_at(future_day(5), 10), email=CLIENT_EMAIL)
    services.reschedule_booking(booking=booking, starts_at=london_at(future_day(6), 9))
    _, moved = client_ics(rows(kind="booking.rescheduled", to=CLIENT_EMAIL)[0])

    services.cancel_booking(
        booking=booking, cancelled_by="practitioner", reason="I am unwell, sorry."
    )

    [row] = rows(kind="booking.cancelled", to=CLIENT_EMAIL)
    calendar, event = client_ics(row)
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["UID"] == moved["UID"]
    assert int(event["SEQUENCE"]) > int(moved["SEQUENCE"])
    assert event["DTSTART"] == moved["DTSTART"]
    assert event["ORGANIZER"].endswith(f":mailto:{settings.CONTACT_EMAIL}")
    assert event["ATTENDEE"] == f'CN="Alex Client":mailto:{CLIENT_EMAIL}'
    assert "removes the appointment from your calendar" in row.text_body
    outbox.deliver_due()
    [message] = [m for m in mailoutbox if m.subject.startswith("Cancelled: ")]
    [(filename, content, mimetype)] = attachments(message)
    assert filename == f"appointment-{booking.pk}.ics"
    # Gmail and Outlook read the method in the content type and remove the entry.
    assert mimetype == "text/calendar; method=CANCEL"
    assert "METHOD:CANCEL" in content


def test_moving_away_and_back_again_is_emailed_and_reminded_each_time(service):
    first, second = london_at(future_day(5), 10), london_at(future_day(6), 10)
    booking = book(service, first)

    services.reschedule_booking(booking=booking, starts_at=second)
    services.reschedule_booking(booking=booking, starts_at=first)

    assert len(rows(kind="booking.rescheduled")) == 4
    assert [(row.status, row.send_after) for row in reminders(booking)] == [
        (Status.CANCELLED, first - timedelta(hours=24)),
        (Status.CANCELLED, second - timedelta(hours=24)),
        (Status.PENDING, first - timedelta(hours=24)),
    ]


def test_a_repeated_call_for_one_event_queues_nothing_more(service):
    old = london_at(future_day(5), 10)
    booking = book(service, old)
    booking = services.reschedule_booking(
        booking=booking, starts_at=london_at(future_day(6), 10)
    )
    before = summary()

    emails.booking_confirmed(booking)
    emails.booking_rescheduled(booking, previous_starts_at=old)

    assert summary() == before  # and the new time's reminder is still pending
    assert [row.status for row in reminders(booking)] == [
        Status.CANCELLED,
        Status.PENDING,
    ]
    services.cancel_booking(booking=booking, cancelled_by="client")
    count = OutboundEmail.objects.count()
    emails.booking_cancelled(booking, cancelled_by="client")
    assert OutboundEmail.objects.count() == count


def test_a_rescheduled_request_stays_without_reminders_until_approved(service):
    booking = book(service, london_at(future_day(5), 10), intake={"unwell": True})
    new = london_at(future_day(6), 10)

    services.reschedule_booking(booking=booking, starts_at=new)

    client_copy = rows(kind="booking.rescheduled", to=booking.client_email)[0]
    assert "still waiting" in client_copy.text_body
    assert client_copy.attachment_filename == ""
    assert reminders(booking) == []
    services.approve_booking(booking=booking)
    assert [row.send_after for row in reminders(booking)] == [new - timedelta(hours=24)]


# --- reminders ----------------------------------------------------------------


def test_each_configured_offset_gets_a_reminder(service, settings):
    settings.BOOKING_REMINDER_OFFSETS_HOURS = [48, 24, 2]
    starts_at = london_at(future_day(5), 10)

    booking = book(service, starts_at)

    assert [row.send_after for row in reminders(booking)] == [
        starts_at - timedelta(hours=hours) for hours in (48, 24, 2)
    ]
    assert len({row.dedup_key for row in reminders(booking)}) == 3


def test_a_reminder_whose_time_has_passed_at_booking_is_not_written(settings):
    settings.BOOKING_REMINDER_OFFSETS_HOURS = [48, 24, 2]
    starts_at = timezone.now() + timedelta(hours=10)
    booking = BookingFactory(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )

    emails.booking_confirmed(booking)

    assert [row.send_after for row in reminders(booking)] == [
        starts_at - timedelta(hours=2)
    ]


def test_a_reminder_delayed_past_the_start_expires_instead_of_going_out(
    service, mailoutbox
):
    starts_at = london_at(future_day(5), 10)
    booking = book(service, starts_at)
    [reminder] = reminders(booking)
    assert reminder.send_before == starts_at
    outbox.deliver_due()  # the confirmations
    mailoutbox.clear()

    # The workers were down until after the appointment began.
    with mock.patch(
        "django.utils.timezone.now", return_value=starts_at + timedelta(minutes=5)
    ):
        assert outbox.deliver_due() == 0

    reminder.refresh_from_db()
    assert reminder.status == Status.EXPIRED
    assert mailoutbox == []


def test_no_reminders_when_the_setting_is_empty(service, settings):
    settings.BOOKING_REMINDER_OFFSETS_HOURS = []

    booking = book(service, london_at(future_day(5), 10))

    assert reminders(booking) == []
    assert "reminder" not in rows(kind="booking.confirmed")[0].text_body


@pytest.mark.parametrize(
    ("starts_at", "hours", "send_after", "local_send_after"),
    [
        # Clocks go forward at 01:00 GMT on Sunday 29 March 2026: 24 hours before
        # 10:00 BST on the Sunday is 09:00 GMT on the Saturday.
        (london(2026, 3, 29, 10), 24, "2026-03-28T09:00Z", "Sat 09:00 GMT"),
        (london(2026, 3, 29, 18), 24, "2026-03-28T17:00Z", "Sat 17:00 GMT"),
        (london(2026, 3, 30, 10), 48, "2026-03-28T09:00Z", "Sat 09:00 GMT"),
        (london(2026, 3, 30, 10), 24, "2026-03-29T09:00Z", "Sun 10:00 BST"),
        (london(2026, 3, 29, 3), 2, "2026-03-29T00:00Z", "Sun 00:00 GMT"),
        # Clocks go back at 01:00 GMT on Sunday 25 October 2026: 24 hours before
        # 10:00 GMT on the Sunday is 11:00 BST on the Saturday.
        (london(2026, 10, 25, 10), 24, "2026-10-24T10:00Z", "Sat 11:00 BST"),
        (london(2026, 10, 25, 19), 24, "2026-10-24T19:00Z", "Sat 20:00 BST"),
        (london(2026, 10, 26, 10), 48, "2026-10-24T10:00Z", "Sat 11:00 BST"),
        (london(2026, 10, 25, 3), 2, "2026-10-25T01:00Z", "Sun 01:00 GMT"),
    ],
)
def test_reminders_are_hours_of_real_time_before_across_clock_changes(
    starts_at, hours, send_after, local_send_after
):
    [(offset, moment)] = emails.reminder_times(
        starts_at, offsets=[hours], now=datetime(2026, 3, 1, tzinfo=UTC)
    )

    assert offset == hours
    assert moment == datetime.fromisoformat(send_after)
    assert moment.astimezone(LONDON).strftime("%a %H:%M %Z") == local_send_after
    assert starts_at - moment == timedelta(hours=hours)  # elapsed, not wall clock


def test_a_booking_on_the_spring_clock_change_is_reminded_24_real_hours_before():
    booking = BookingFactory(
        starts_at=london(2026, 3, 29, 10), ends_at=london(2026, 3, 29, 11)
    )
    with mock.patch(
        "django.utils.timezone.now", return_value=datetime(2026, 3, 1, tzinfo=UTC)
    ):
        emails.booking_confirmed(booking)

    [reminder] = reminders(booking)
    assert reminder.send_after == london(2026, 3, 28, 9)
    assert "Sunday 29 March, 10:00 BST" in reminder.subject


def test_reminders_are_listed_earliest_first_and_skip_the_past():
    starts_at = london(2026, 10, 25, 10)

    times = emails.reminder_times(
        starts_at, offsets=[2, 48, 24], now=london(2026, 10, 24, 10)
    )

    assert times == [(24, london(2026, 10, 24, 11)), (2, london(2026, 10, 25, 8))]


def test_the_offsets_setting_reads_a_comma_list(monkeypatch):
    monkeypatch.setenv("BOOKING_REMINDER_OFFSETS_HOURS", " 2, 48,24 ,24")
    assert env_hours("BOOKING_REMINDER_OFFSETS_HOURS", "24") == [48, 24, 2]
    monkeypatch.setenv("BOOKING_REMINDER_OFFSETS_HOURS", "")
    assert env_hours("BOOKING_REMINDER_OFFSETS_HOURS", "24") == []
    monkeypatch.delenv("BOOKING_REMINDER_OFFSETS_HOURS")
    assert env_hours("BOOKING_REMINDER_OFFSETS_HOURS", "24") == [24]
    for wrong in ["0", "-2", "1.5", "a day"]:
        monkeypatch.setenv("BOOKING_REMINDER_OFFSETS_HOURS", wrong)
        with pytest.raises(ImproperlyConfigured, match="positive whole hours"):
            env_hours("BOOKING_REMINDER_OFFSETS_HOURS", "24")


# --- privacy ------------------------------------------------------------------


def test_health_answers_never_appear_in_any_email(service, mailoutbox, caplog):
    caplog.set_level(logging.INFO)
    secret = "ZEBRA-HEALTH-7731 my left knee"
    every_answer = {field: True for field, _ in HealthIntake.QUESTIONS}
    booking = book(
        service,
        london_at(future_day(5), 10),
        phone="07700 900555",
        intake={**every_answer, "details": secret},
    )
    services.reschedule_booking(booking=booking, starts_at=london_at(future_day(6), 9))
    services.approve_booking(booking=booking)
    services.cancel_booking(booking=booking, cancelled_by="practitioner", reason="Ill")
    make_everything_due()
    outbox.deliver_due()

    written = rows()
    assert {row.kind for row in written} >= {
        "booking.requested",
        "booking.rescheduled",
        "booking.confirmed",
        "booking.reminder",
        "booking.cancelled",
    }
    texts = [
        text
        for row in written
        for text in (row.subject, row.text_body, row.html_body, row.attachment_content)
    ] + [
        part
        for message in mailoutbox
        for part in (message.subject, message.body, message.alternatives[0][0])
    ]
    forbidden = [secret, "ZEBRA", "knee", "pregnan", "fever", "blood", "cancer"]
    forbidden += [question for _, question in HealthIntake.QUESTIONS]
    for text in texts:
        for word in forbidden:
            assert word.lower() not in text.lower()
    # Logs name the booking, never its contact details or answers.
    assert f"booking {booking.pk}" in caplog.text
    for word in ["07700 900555", "alex@example.com", "ZEBRA"]:
        assert word not in caplog.text


# --- the broker and a real worker ---------------------------------------------


def test_with_the_broker_down_the_booking_succeeds_and_the_sweep_confirms_once(
    service, django_capture_on_commit_callbacks, kicks, mailoutbox, caplog
):
    kicks.side_effect = OperationalError("Error 111 connecting to 127.0.0.1:6379.")

    with django_capture_on_commit_callbacks(execute=True):
        booking = book(service, london_at(future_day(5), 10), email=CLIENT_EMAIL)

    assert Booking.objects.get() == booking
    assert kicks.call_count == 2  # the client's and the practitioner's emails
    assert "the beat sweep will send it" in caplog.text
    assert mailoutbox == []
    # Redis is back: the next sweep delivers; later sweeps send nothing again.
    assert outbox.deliver_due() == 2
    assert outbox.deliver_due() == 0
    confirmations = [m for m in mailoutbox if m.to == [CLIENT_EMAIL]]
    assert len(confirmations) == 1
    assert confirmations[0].subject.startswith("Confirmed: ")


@pytest.fixture
def broker_on_a_closed_port(kicks, monkeypatch):
    """Celery's broker is a port nothing listens on, and conftest's `kicks` mock is
    off: the outbox's kick goes through Celery and kombu to a refused connection.
    (Depending on `kicks` puts the mock back before conftest removes it.)"""
    del deliver_email.apply_async  # the mock: the task's own method shows again
    assert not isinstance(deliver_email.apply_async, mock.Mock)
    monkeypatch.setenv(
        "CELERY_BROKER_WRITE_URL", f"redis://127.0.0.1:{closed_port()}/0"
    )
    monkeypatch.setattr(app.amqp, "_producer_pool", None)  # connect anew, to that
    yield
    deliver_email.apply_async = kicks


def test_with_the_broker_on_a_closed_port_booking_is_quick_and_the_sweep_delivers(
    service,
    broker_on_a_closed_port,
    django_capture_on_commit_callbacks,
    mailoutbox,
    caplog,
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        booking = book(service, london_at(future_day(5), 10), email=CLIENT_EMAIL)
    elapsed = time.monotonic() - started

    assert Booking.objects.get() == booking
    kicks = [c for c in callbacks if not isinstance(c, pagecache._PendingBump)]
    assert len(kicks) == 2  # one kick per email, both refused
    assert elapsed < 3, f"booking took {elapsed:.1f} s with the broker down"
    assert caplog.text.count("Connection refused") == 2
    assert "the beat sweep will send it" in caplog.text
    confirmations = OutboundEmail.objects.filter(kind="booking.confirmed")
    assert set(confirmations.values_list("status", flat=True)) == {Status.PENDING}
    # The next beat sweep delivers them, once.
    assert outbox.deliver_due() == 2
    assert outbox.deliver_due() == 0
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [CLIENT_EMAIL, practitioner_email(booking)]
    )


@pytest.fixture
def worker(transactional_db, tmp_path):
    with mail_worker(tmp_path) as running:
        yield running


def test_a_worker_process_delivers_a_booking_confirmation_then_stops(worker, kicks):
    # The kicks as the outbox makes them, sent to this worker's queue only.
    kicks.side_effect = lambda args, **options: app.send_task(
        deliver_email.name, args=args, queue=worker.queue, ignore_result=True, **options
    )
    service = bookable_service()
    LocationFactory(practitioner=service.practitioner)

    with transaction.atomic():
        booking = book(service, london_at(future_day(5), 10), email=CLIENT_EMAIL)

    def delivered():
        # A file is complete once the backend has written the closing line.
        done = [text for text in worker.emails() if text.rstrip().endswith("-" * 79)]
        return done if len(done) >= 2 else None

    files = wait_for(delivered)
    assert files, f"no email files; worker log:\n{worker.log.read_text()}"
    messages = [email.message_from_string(text, policy=default) for text in files]
    by_recipient = {message["To"]: message for message in messages}
    assert set(by_recipient) == {CLIENT_EMAIL, practitioner_email(booking)}
    confirmation = by_recipient[CLIENT_EMAIL]
    # A long subject is folded; unfolded, it may keep the fold's leading space.
    subject = confirmation["Subject"].strip()
    assert subject.startswith("Confirmed: Deep tissue massage")
    parts = {part.get_content_type(): part for part in confirmation.walk()}
    assert {"text/plain", "text/html", "text/calendar"} <= set(parts)
    assert parts["text/calendar"].get_filename() == f"appointment-{booking.pk}.ics"
    assert wait_for(
        lambda: (
            not OutboundEmail.objects.filter(
                kind="booking.confirmed", status=Status.PENDING
            ).exists()
            and not OutboundEmail.objects.filter(status=Status.SENDING).exists()
        ),
        10,
    )
    assert set(
        OutboundEmail.objects.filter(kind="booking.confirmed").values_list(
            "status", flat=True
        )
    ) == {Status.SENT}
    # The reminder waits for its time, and the worker stops cleanly.
    assert [row.status for row in reminders(booking)] == [Status.PENDING]
    assert worker.stop() is not None
    assert worker.process.poll() is not None
