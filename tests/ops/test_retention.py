from datetime import timedelta

import pytest
from django.utils import timezone

from config.sessions import SessionStore
from config.tasks import clear_expired_sessions
from notifications import outbox
from notifications.models import OutboundEmail
from notifications.tasks import strip_old_email_bodies
from tests.notifications.factories import OutboundEmailFactory
from users.models import Session

pytestmark = pytest.mark.django_db


def sent(days_ago: float, **fields) -> OutboundEmail:
    at = timezone.now() - timedelta(days=days_ago)
    return OutboundEmailFactory(
        status="sent",
        sent_at=at,
        send_after=at,
        attachment_filename="booking.ics",
        attachment_content="BEGIN:VCALENDAR",
        **fields,
    )


def test_bodies_of_emails_sent_over_ninety_days_ago_are_stripped():
    old, recent = sent(91), sent(89)

    assert strip_old_email_bodies() == 1
    assert strip_old_email_bodies() == 0  # a second run finds nothing

    old.refresh_from_db()
    assert (old.text_body, old.html_body, old.attachment_content) == ("", "", "")
    # What was sent to whom, and when, stays.
    assert old.to and old.subject and old.sent_at and old.status == "sent"
    assert old.attachment_filename == "booking.ics"
    recent.refresh_from_db()
    assert recent.text_body and recent.html_body and recent.attachment_content


def test_the_retention_period_is_a_setting(settings):
    settings.NOTIFICATIONS_KEEP_BODIES_DAYS = 30
    email = sent(31)
    assert strip_old_email_bodies() == 1
    email.refresh_from_db()
    assert email.text_body == ""


def test_finished_unsent_emails_are_stripped_and_pending_ones_never():
    failed = OutboundEmailFactory(status="failed", attempts=5)
    pending = OutboundEmailFactory(send_after=timezone.now() - timedelta(days=200))
    OutboundEmail.objects.filter(pk__in=[failed.pk, pending.pk]).update(
        created_at=timezone.now() - timedelta(days=100)
    )

    assert outbox.strip_old_bodies() == 1
    failed.refresh_from_db()
    pending.refresh_from_db()
    assert failed.text_body == ""
    assert pending.text_body


def test_expired_sessions_are_cleared_and_live_ones_kept():
    live, expired = SessionStore(), SessionStore()
    live["x"] = expired["x"] = 1
    live.create()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    assert clear_expired_sessions() == 1
    assert clear_expired_sessions() == 0
    assert list(Session.objects.values_list("session_key", flat=True)) == [
        live.session_key
    ]
