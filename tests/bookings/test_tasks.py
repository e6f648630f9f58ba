"""The periodic bookings job: requests nobody reviewed lapse once their minimum
notice begins, the client and the practitioner are told, once."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from bookings.tasks import lapse_unreviewed_requests
from config.celery import app
from notifications import outbox
from notifications.models import OutboundEmail
from tests.bookings.factories import BookingFactory, BookingPolicyFactory
from tests.directory.factories import PractitionerFactory

Status = Booking.Status


def request(*, hours_ahead: float, notice: int | None = 12, **kwargs) -> Booking:
    """A request waiting for review that starts `hours_ahead` from now, of a
    practitioner whose minimum notice is `notice` hours (None: no policy saved)."""
    practitioner = PractitionerFactory(display_name="Pat Rivers")
    if notice is not None:
        BookingPolicyFactory(practitioner=practitioner, min_notice_hours=notice)
    starts_at = timezone.now() + timedelta(hours=hours_ahead)
    return BookingFactory(
        service__practitioner=practitioner,
        status=Status.PENDING,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        client=None,
        client_name="Alex Client",
        client_email="alex@example.com",
        **kwargs,
    )


def lapsed_emails() -> list[tuple[str, str]]:
    return sorted(
        OutboundEmail.objects.filter(kind="booking.lapsed").values_list("to", "subject")
    )


@pytest.mark.django_db
def test_a_request_whose_notice_has_begun_lapses_and_both_sides_are_told(
    mailoutbox,
):
    booking = request(hours_ahead=11, notice=12)

    assert services.lapse_unreviewed_requests() == 1

    booking.refresh_from_db()
    assert booking.status == Status.DECLINED
    assert booking.status_reason == services.LAPSED_REASON
    assert booking.status_changed_at is not None
    assert not booking.is_active  # the time is free again
    outbox.deliver_due()
    by_recipient = {message.to[0]: message for message in mailoutbox}
    to_client = by_recipient["alex@example.com"]
    assert to_client.subject.startswith("Booking request not confirmed: ")
    assert "Pat Rivers has not been able to review your booking request in time" in (
        to_client.body
    )
    assert f"/book/{booking.practitioner.slug}/" in to_client.body
    to_practitioner = by_recipient[booking.practitioner.user.email]
    assert to_practitioner.subject.startswith("Booking request lapsed: Alex Client")


@pytest.mark.django_db
def test_running_twice_lapses_and_emails_once():
    request(hours_ahead=1, notice=12)

    assert services.lapse_unreviewed_requests() == 1
    emails = lapsed_emails()
    assert services.lapse_unreviewed_requests() == 0

    assert lapsed_emails() == emails
    assert len(emails) == 2


@pytest.mark.django_db
def test_requests_whose_notice_has_not_begun_and_other_bookings_are_left_alone():
    waiting = request(hours_ahead=13, notice=12)
    confirmed = request(hours_ahead=1, notice=12)
    confirmed.status = Status.CONFIRMED
    confirmed.save(update_fields=["status"])

    assert services.lapse_unreviewed_requests() == 0

    waiting.refresh_from_db()
    confirmed.refresh_from_db()
    assert (waiting.status, confirmed.status) == (Status.PENDING, Status.CONFIRMED)
    assert lapsed_emails() == []
    # Once its notice begins, it lapses.
    later = timezone.now() + timedelta(hours=1, minutes=1)
    assert services.lapse_unreviewed_requests(now=later) == 1


@pytest.mark.django_db
def test_without_notice_a_request_lapses_when_it_starts():
    booking = request(hours_ahead=1, notice=0)

    assert services.lapse_unreviewed_requests() == 0
    assert services.lapse_unreviewed_requests(now=booking.starts_at) == 1


@pytest.mark.django_db
def test_without_a_saved_policy_the_default_notice_counts():
    inside = request(hours_ahead=11, notice=None)
    outside = request(hours_ahead=13, notice=None)

    assert services.lapse_unreviewed_requests() == 1

    inside.refresh_from_db()
    outside.refresh_from_db()
    assert (inside.status, outside.status) == (Status.DECLINED, Status.PENDING)


@pytest.mark.django_db(transaction=True)
def test_a_request_being_reviewed_is_skipped_and_lapses_on_a_later_run_if_still_due():
    booking = request(hours_ahead=1, notice=12)
    locked, release = threading.Event(), threading.Event()

    def practitioner_reviewing():
        try:
            with transaction.atomic():
                Booking.objects.select_for_update().get(pk=booking.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    reviewer = threading.Thread(target=practitioner_reviewing)
    reviewer.start()
    try:
        assert locked.wait(timeout=10)
        assert services.lapse_unreviewed_requests() == 0
    finally:
        release.set()
        reviewer.join(timeout=10)

    booking.refresh_from_db()
    assert booking.status == Status.PENDING
    assert services.lapse_unreviewed_requests() == 1


@pytest.mark.django_db
def test_an_approved_request_never_lapses():
    booking = request(hours_ahead=11, notice=12)
    services.approve_booking(booking=booking)

    assert services.lapse_unreviewed_requests() == 0

    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED


@pytest.mark.django_db
def test_the_task_runs_the_service_and_can_run_twice():
    request(hours_ahead=1, notice=12)

    assert lapse_unreviewed_requests() == 1
    assert lapse_unreviewed_requests() == 0
    assert lapse_unreviewed_requests.acks_late
    task = lapse_unreviewed_requests
    assert 0 < task.soft_time_limit < task.time_limit


def test_beat_runs_the_job_every_five_minutes_and_drops_a_late_run():
    entry = settings.CELERY_BEAT_SCHEDULE["bookings-lapse-unreviewed-requests"]

    assert entry["task"] == lapse_unreviewed_requests.name
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 300
    assert 0 < entry["options"]["expires"] < 300
