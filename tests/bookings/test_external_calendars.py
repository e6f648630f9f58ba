"""A practitioner's other calendars: read through the local calendar server, their
busy times block slots in the picker, the API and the booking re-check; failures
keep the last good data and are told once."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from bookings import external_calendars
from bookings.availability import compute_slots
from bookings.external_calendars import CalendarError, add_calendar, refresh_calendar
from bookings.models import BusyTime, ExternalCalendar
from bookings.services import BookingError, SlotTaken
from notifications import outbox
from notifications.models import OutboundEmail
from tests.bookings.calendar_server import sample
from tests.bookings.factories import book, bookable_service
from tests.clock import LONDON, london_at

pytestmark = pytest.mark.django_db

# The samples' events are in March and April 2027; "now" is a week before.
NOW = datetime(2027, 2, 22, 9, tzinfo=UTC)


@pytest.fixture
def service():
    return bookable_service(
        hours=((9, 17),), duration=60, slot_interval_minutes=60, max_advance_days=90
    )


@pytest.fixture
def practitioner(service):
    return service.practitioner


def starts_on(service, day: date, now=NOW) -> list[str]:
    found = compute_slots(service=service, first_day=day, last_day=day, now=now)
    return [f"{slot.starts_at.astimezone(LONDON):%H:%M}" for slot in found]


ALL_DAY = [f"{hour:02d}:00" for hour in range(9, 17)]


def connect(calendar_server, practitioner, name="google_clinic.ics", now=NOW):
    calendar_server.publish(f"/{name}", sample(name))
    return add_calendar(
        practitioner=practitioner,
        name="Clinic",
        url=calendar_server.url(f"/{name}"),
        now=now,
    )


def test_a_google_calendar_blocks_exactly_its_busy_slots(
    calendar_server, practitioner, service
):
    calendar = connect(calendar_server, practitioner)

    assert calendar.state == ExternalCalendar.State.OK
    assert calendar.busy_count == 5
    # Tuesday 2 March: the clinic shift 10:00-12:00.
    assert starts_on(service, date(2027, 3, 2)) == [
        t for t in ALL_DAY if t not in {"10:00", "11:00"}
    ]
    # Thursday 4 March: an all-day conference.
    assert starts_on(service, date(2027, 3, 4)) == []
    # Friday 5 March: an all-day birthday marked free blocks nothing.
    assert starts_on(service, date(2027, 3, 5)) == ALL_DAY
    # Tuesday 9 March: that week's shift moved to 14:00-16:00.
    assert starts_on(service, date(2027, 3, 9)) == [
        t for t in ALL_DAY if t not in {"14:00", "15:00"}
    ]
    # 16 March taken out of the series, 23 March cancelled.
    assert starts_on(service, date(2027, 3, 16)) == ALL_DAY
    assert starts_on(service, date(2027, 3, 23)) == ALL_DAY
    # After the clock change the shift is still 10:00-12:00 on the wall clock.
    assert starts_on(service, date(2027, 3, 30)) == [
        t for t in ALL_DAY if t not in {"10:00", "11:00"}
    ]
    # Monday 1 March: the lunch marked free blocks nothing.
    assert starts_on(service, date(2027, 3, 1)) == ALL_DAY


def test_outlook_and_apple_calendars_block_their_slots(
    calendar_server, practitioner, service
):
    connect(calendar_server, practitioner, "outlook_gym.ics")
    connect(calendar_server, practitioner, "apple_home.ics")

    # Saturday gym at 10:00, before and after the clock change.
    for day in (date(2027, 3, 20), date(2027, 3, 27), date(2027, 4, 3)):
        assert "10:00" not in starts_on(service, day)
        assert "14:00" in starts_on(service, day)  # the "free" event
    # A tentative half hour blocks the hour it touches.
    assert starts_on(service, date(2027, 3, 24))[0] == "10:00"
    # Working elsewhere is not busy.
    assert starts_on(service, date(2027, 3, 25)) == ALL_DAY
    # Floating 15:00 on the practitioner's wall clock; 09:00 in New York.
    assert "15:00" not in starts_on(service, date(2027, 3, 10))
    assert "14:00" not in starts_on(service, date(2027, 3, 11))


def test_buffers_keep_clear_of_busy_time_like_bookings(calendar_server):
    service = bookable_service(
        duration=60,
        slot_interval_minutes=60,
        buffer_after_minutes=30,
        max_advance_days=90,
    )
    connect(calendar_server, service.practitioner)
    # 09:00-10:00 plus 30 minutes after would meet the 10:00 shift.
    assert starts_on(service, date(2027, 3, 2))[:1] == ["12:00"]


def test_booking_a_busy_time_is_refused_on_the_server(calendar_server, practitioner):
    service = practitioner.services.get()
    now = datetime.now(UTC)
    day = (now + timedelta(days=3)).astimezone(LONDON).date()
    busy_at = london_at(day, 10)
    calendar_server.publish(
        "/c.ics",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\n"
        f"DTSTART:{busy_at.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n"
        f"DTEND:{(busy_at + timedelta(hours=1)).astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n",
    )
    add_calendar(
        practitioner=practitioner, name="Clinic", url=calendar_server.url("/c.ics")
    )

    with pytest.raises(SlotTaken):
        book(service, busy_at)
    assert book(service, london_at(day, 11)).starts_at == london_at(day, 11)


def test_the_slots_api_leaves_out_busy_time(calendar_server, practitioner, client):
    service = practitioner.services.get()
    day = (datetime.now(UTC) + timedelta(days=3)).astimezone(LONDON).date()
    busy_at = london_at(day, 9)
    calendar_server.publish(
        "/c.ics",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\n"
        f"DTSTART:{busy_at.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n"
        f"DTEND:{(busy_at + timedelta(hours=2)).astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n",
    )
    add_calendar(
        practitioner=practitioner, name="Clinic", url=calendar_server.url("/c.ics")
    )

    response = client.get(
        reverse("bookings:api-slots", args=[practitioner.slug]),
        {"service": service.pk, "from": day.isoformat(), "to": day.isoformat()},
    )

    starts = [slot["start"][11:16] for slot in response.json()["slots"]]
    assert starts == [t for t in ALL_DAY if t not in {"09:00", "10:00"}]


def test_a_calendar_that_cannot_be_read_is_not_added(calendar_server, practitioner):
    with pytest.raises(CalendarError, match="no calendar at this address"):
        add_calendar(
            practitioner=practitioner,
            name="Clinic",
            url=calendar_server.url("/missing.ics"),
            now=NOW,
        )
    with pytest.raises(CalendarError, match="private or local network"):
        add_calendar(
            practitioner=practitioner,
            name="Clinic",
            url="http://169.254.169.254/latest/meta-data/",
            now=NOW,
        )
    assert not ExternalCalendar.objects.exists()
    assert not BusyTime.objects.exists()


def test_the_same_address_twice_and_too_many_calendars_are_refused(
    calendar_server, practitioner, settings
):
    connect(calendar_server, practitioner)
    with pytest.raises(CalendarError, match="already added"):
        connect(calendar_server, practitioner)
    settings.BOOKINGS_CALENDARS_PER_PRACTITIONER = 1
    with pytest.raises(CalendarError, match="up to 1 calendars"):
        connect(calendar_server, practitioner, "apple_home.ics")
    assert ExternalCalendar.objects.count() == 1


def test_a_refresh_is_conditional_and_an_unchanged_calendar_keeps_its_times(
    calendar_server, practitioner
):
    calendar = connect(calendar_server, practitioner)
    later = NOW + timedelta(minutes=20)

    outcome = refresh_calendar(calendar_id=calendar.pk, now=later)

    assert outcome.ok and not outcome.changed
    last = calendar_server.requests[-1]
    assert last.headers["If-None-Match"] == calendar.etag
    assert BusyTime.objects.filter(calendar=calendar).count() == 5
    calendar.refresh_from_db()
    assert calendar.last_checked_at == later


def test_a_changed_calendar_replaces_its_busy_times(calendar_server, practitioner):
    calendar = connect(calendar_server, practitioner)
    calendar_server.publish("/google_clinic.ics", sample("apple_home.ics"))

    outcome = refresh_calendar(calendar_id=calendar.pk, now=NOW + timedelta(hours=1))

    assert outcome.changed
    assert list(
        BusyTime.objects.filter(calendar=calendar).values_list("starts_at", flat=True)
    ) == [
        datetime(2027, 3, 10, 15, tzinfo=UTC),
        datetime(2027, 3, 11, 14, tzinfo=UTC),
    ]


def test_a_week_on_the_window_has_moved_and_the_calendar_is_read_in_full(
    calendar_server, practitioner
):
    calendar = connect(calendar_server, practitioner)
    refresh_calendar(calendar_id=calendar.pk, now=NOW + timedelta(days=8))
    assert "If-None-Match" not in calendar_server.requests[-1].headers


def test_failures_keep_the_last_busy_times_and_are_told_once(
    calendar_server, practitioner, settings
):
    settings.BOOKINGS_CALENDAR_FAILURES_TO_ALERT = 3
    calendar = connect(calendar_server, practitioner)
    calendar_server.publish("/google_clinic.ics", b"", status=404)
    moment = NOW

    for attempt in range(1, 6):
        moment += timedelta(hours=1)
        outcome = refresh_calendar(calendar_id=calendar.pk, now=moment)
        assert not outcome.ok
        calendar.refresh_from_db()
        assert calendar.failures == attempt
        expected = "failing" if attempt >= 3 else "ok"
        assert calendar.state == expected

    assert "no calendar at this address" in calendar.last_error
    assert calendar.failing_since == NOW + timedelta(hours=1)
    assert BusyTime.objects.filter(calendar=calendar).count() == 5
    [email] = OutboundEmail.objects.filter(kind="calendar.failing")
    assert email.to == practitioner.user.email
    assert "no calendar at this address" in email.text_body
    assert calendar.url not in email.text_body  # the secret address stays secret
    # Retries back off: at most every six hours.
    assert calendar.next_check_at - calendar.last_checked_at == timedelta(hours=4)

    calendar_server.publish("/google_clinic.ics", sample("google_clinic.ics"))
    assert refresh_calendar(calendar_id=calendar.pk, now=moment).ok
    calendar.refresh_from_db()
    assert (calendar.state, calendar.failures, calendar.last_error) == ("ok", 0, "")
    assert calendar.failure_emailed_at is None


def test_a_new_run_of_failures_is_told_again(calendar_server, practitioner, settings):
    settings.BOOKINGS_CALENDAR_FAILURES_TO_ALERT = 1
    calendar = connect(calendar_server, practitioner)
    calendar_server.publish("/google_clinic.ics", b"", status=500)
    refresh_calendar(calendar_id=calendar.pk, now=NOW + timedelta(hours=1))
    calendar_server.publish("/google_clinic.ics", sample("google_clinic.ics"))
    refresh_calendar(calendar_id=calendar.pk, now=NOW + timedelta(hours=2))
    calendar_server.publish("/google_clinic.ics", b"", status=500)
    refresh_calendar(calendar_id=calendar.pk, now=NOW + timedelta(hours=3))
    assert OutboundEmail.objects.filter(kind="calendar.failing").count() == 2


def test_the_failing_email_is_delivered_with_the_reason(
    calendar_server, practitioner, settings
):
    settings.BOOKINGS_CALENDAR_FAILURES_TO_ALERT = 1
    calendar = connect(calendar_server, practitioner)
    calendar_server.publish("/google_clinic.ics", b"<html>", content_type="text/html")
    refresh_calendar(calendar_id=calendar.pk, now=NOW + timedelta(hours=1))
    outbox.deliver_due()
    [message] = mail.outbox
    assert message.subject == "We cannot read your calendar “Clinic”"
    assert "web page, not a calendar" in message.body


def test_the_beat_job_queues_each_due_calendar_once(
    calendar_server, practitioner, monkeypatch
):
    queued = []
    monkeypatch.setattr(external_calendars, "queue_refresh", queued.append)
    calendar = connect(calendar_server, practitioner)
    other = connect(calendar_server, practitioner, "apple_home.ics")
    ExternalCalendar.objects.filter(pk=other.pk).update(
        next_check_at=NOW + timedelta(hours=2)
    )
    due = NOW + timedelta(minutes=16)

    assert external_calendars.refresh_due_calendars(now=due) == 1
    assert external_calendars.refresh_due_calendars(now=due) == 0
    assert queued == [calendar.pk]


def test_the_refresh_task_reads_the_calendar(calendar_server, practitioner):
    from bookings.tasks import refresh_external_calendar

    calendar = connect(calendar_server, practitioner)
    calendar_server.publish("/google_clinic.ics", sample("apple_home.ics"))
    assert refresh_external_calendar.apply(args=[calendar.pk]).get() is True
    assert refresh_external_calendar.apply(args=[calendar.pk + 99]).get() is False


def test_removing_a_calendar_frees_its_times(calendar_server, practitioner, service):
    calendar = connect(calendar_server, practitioner)
    external_calendars.remove_calendar(calendar=calendar, now=NOW)
    assert not BusyTime.objects.exists()
    assert starts_on(service, date(2027, 3, 4)) == ALL_DAY


def test_a_hand_refresh_moments_after_a_read_does_not_fetch_again(
    calendar_server, practitioner
):
    calendar = connect(calendar_server, practitioner)
    before = len(calendar_server.requests)
    outcome = refresh_calendar(
        calendar_id=calendar.pk, now=NOW + timedelta(seconds=5), manual=True
    )
    assert outcome.ok and "moments ago" in outcome.message
    assert len(calendar_server.requests) == before


def test_busy_time_costs_no_extra_query_for_the_slots(
    calendar_server, practitioner, service, django_assert_num_queries
):
    connect(calendar_server, practitioner)
    with django_assert_num_queries(1):
        compute_slots(
            service=service,
            first_day=date(2027, 3, 1),
            last_day=date(2027, 3, 14),
            now=NOW,
        )


def test_an_unknown_calendar_refresh_is_harmless():
    outcome = refresh_calendar(calendar_id=12345)
    assert not outcome.ok


def test_busy_times_are_kept_for_the_booking_window_only(calendar_server, practitioner):
    calendar_server.publish(
        "/long.ics",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\n"
        "DTSTART:20270301T090000Z\r\nDTEND:20270301T100000Z\r\n"
        "RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )
    calendar = add_calendar(
        practitioner=practitioner,
        name="Weekly",
        url=calendar_server.url("/long.ics"),
        now=NOW,
    )
    last = BusyTime.objects.filter(calendar=calendar).order_by("starts_at").last()
    # 90 days' window, a day and a week more.
    assert last.starts_at <= NOW + timedelta(days=98)
    assert calendar.covered_until == NOW + timedelta(days=98)


def test_booking_errors_are_not_calendar_errors():
    # The pages catch each service's own error; neither swallows the other.
    assert not issubclass(CalendarError, BookingError)


@pytest.mark.django_db(transaction=True)
def test_the_beat_job_hands_calendars_to_a_real_worker(tmp_path, monkeypatch):
    """The job queues; a real Celery worker process reads the calendar. Outside the
    tests' own settings the worker refuses local addresses, so the calendar here
    fails safely, keeping its busy times."""
    from config.celery import app
    from tests.notifications.worker import mail_worker, wait_for

    service = bookable_service()
    calendar = ExternalCalendar.objects.create(
        practitioner=service.practitioner,
        name="Clinic",
        url="http://127.0.0.1:6379/calendar.ics",
        state=ExternalCalendar.State.OK,
        next_check_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    BusyTime.objects.create(
        calendar=calendar,
        practitioner=service.practitioner,
        starts_at=datetime.now(UTC) + timedelta(days=2),
        ends_at=datetime.now(UTC) + timedelta(days=2, hours=1),
    )
    with mail_worker(tmp_path) as worker:
        monkeypatch.setattr(
            external_calendars,
            "queue_refresh",
            lambda pk: app.send_task(
                external_calendars.REFRESH_TASK,
                args=[pk],
                queue=worker.queue,
                ignore_result=True,
            ),
        )

        assert external_calendars.refresh_due_calendars() == 1

        def failed_once():
            calendar.refresh_from_db()
            return calendar.failures == 1

        assert wait_for(failed_once), worker.log.read_text()
    assert "private or local network" in calendar.last_error
    assert BusyTime.objects.filter(calendar=calendar).count() == 1
    log = worker.log.read_text()
    assert f"calendar {calendar.pk}: could not be read" in log
    assert calendar.url not in log  # the address is a secret, even in logs
