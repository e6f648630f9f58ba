"""The email outbox: enqueue, deliver, retry, cancel, recover, and the admin."""

import logging
import re
import smtplib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import app
from core import pagecache
from notifications import outbox
from notifications.models import OutboundEmail
from notifications.tasks import deliver_due_emails, deliver_email
from tests.notifications.factories import OutboundEmailFactory
from tests.notifications.worker import closed_port
from tests.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = OutboundEmail.Status
CHANGELIST = "admin:notifications_outboundemail_changelist"


def enqueue_message(**overrides):
    arguments = {
        "to": "chris@example.com",
        "subject": "Your booking is confirmed",
        "template": "message",
        "context": {
            "greeting": "Hello Chris,",
            "paragraphs": ["Your appointment is on Friday at 10:00."],
            "action_url": "https://www.example.com/bookings/42/",
            "action_label": "View your booking",
        },
        "dedup_key": "booking:42:confirmed",
        "kind": "booking.confirmed",
        "related_key": "booking:42",
    }
    return outbox.enqueue(**(arguments | overrides))


def make_recipient_fail(monkeypatch, recipient: str) -> None:
    """The mail server refuses every message to `recipient`."""
    send_messages = locmem.EmailBackend.send_messages

    def refuse(self, messages):
        if any(recipient in message.to for message in messages):
            raise smtplib.SMTPRecipientsRefused({recipient: (550, b"No such user")})
        return send_messages(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse)


def make_due(email: OutboundEmail) -> None:
    OutboundEmail.objects.filter(pk=email.pk).update(
        send_after=timezone.now() - timedelta(seconds=1)
    )


# enqueue


def test_enqueue_writes_one_row_rendered_from_the_templates():
    email = enqueue_message()

    row = OutboundEmail.objects.get()
    assert row == email
    assert row.status == Status.PENDING
    assert row.to == "chris@example.com"
    assert row.subject == "Your booking is confirmed"
    assert row.kind == "booking.confirmed"
    assert row.related_key == "booking:42"
    assert row.attempts == 0
    assert row.send_after <= timezone.now()
    assert "Hello Chris," in row.text_body
    assert "View your booking: https://www.example.com/bookings/42/" in row.text_body
    assert settings.CONTACT_EMAIL in row.text_body
    assert settings.SITE_URL in row.text_body
    assert "<p" not in row.text_body
    assert 'href="https://www.example.com/bookings/42/"' in row.html_body
    assert f"mailto:{settings.CONTACT_EMAIL}" in row.html_body
    assert "Holistic Touch" in row.html_body


def test_enqueue_escapes_the_context_in_html_but_not_in_text():
    enqueue_message(context={"paragraphs": ["Tom & Jerry <b>welcome</b>"]})

    row = OutboundEmail.objects.get()
    assert "Tom &amp; Jerry &lt;b&gt;welcome&lt;/b&gt;" in row.html_body
    assert "Tom & Jerry <b>welcome</b>" in row.text_body


def test_a_template_without_an_html_version_makes_a_text_only_email(tmp_path, settings):
    (tmp_path / "notifications" / "email").mkdir(parents=True)
    (tmp_path / "notifications" / "email" / "plain.txt").write_text("Hi {{ name }}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]

    enqueue_message(template="plain", context={"name": "Chris"})
    outbox.deliver_due()

    row = OutboundEmail.objects.get()
    assert (row.text_body, row.html_body) == ("Hi Chris\n", "")
    assert mail.outbox[0].alternatives == []


def test_enqueue_keeps_line_breaks_out_of_the_subject():
    enqueue_message(subject="Your booking\r\nBcc: everyone@example.com")

    assert OutboundEmail.objects.get().subject == (
        "Your booking Bcc: everyone@example.com"
    )


def test_the_same_dedup_key_twice_writes_one_row_and_returns_none_the_second_time():
    first = enqueue_message()
    second = enqueue_message(subject="Something else")

    assert first is not None
    assert second is None
    assert OutboundEmail.objects.get().subject == "Your booking is confirmed"


def test_a_dedup_key_stays_taken_after_the_email_was_sent_or_cancelled():
    OutboundEmailFactory(dedup_key="booking:42:confirmed", status=Status.CANCELLED)

    assert enqueue_message() is None
    assert OutboundEmail.objects.count() == 1


def test_a_lost_dedup_race_leaves_the_callers_transaction_usable():
    enqueue_message()
    # As if a concurrent enqueue committed the key between our check and insert.
    with mock.patch.object(OutboundEmail.objects, "filter") as filter_:
        filter_.return_value.exists.return_value = False
        assert enqueue_message() is None
    assert OutboundEmail.objects.count() == 1


def test_other_integrity_errors_are_not_taken_for_a_duplicate():
    with pytest.raises(IntegrityError):
        enqueue_message(attachment=outbox.Attachment(filename="", content="BEGIN"))


def test_enqueue_refuses_an_invalid_address_or_an_empty_key():
    with pytest.raises(ValidationError):
        enqueue_message(to="not-an-address")
    with pytest.raises(ValueError, match="dedup_key"):
        enqueue_message(dedup_key="")
    assert not OutboundEmail.objects.exists()


def test_an_enqueue_rolled_back_with_its_transaction_leaves_no_row_and_no_kick(
    django_capture_on_commit_callbacks, kicks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_message()
        raise RuntimeError("the booking failed")

    assert not OutboundEmail.objects.exists()
    assert callbacks == []
    kicks.assert_not_called()


def test_after_commit_the_delivery_task_is_kicked(
    django_capture_on_commit_callbacks, kicks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        email = enqueue_message()
        kicks.assert_not_called()

    # The other callback renews the page cache's generations (core.pagecache).
    own = [c for c in callbacks if not isinstance(c, pagecache._PendingBump)]
    assert len(own) == 1
    kicks.assert_called_once_with((email.pk,), retry_policy=outbox.KICK_RETRY_POLICY)


def test_the_kicked_task_delivers_the_email(django_capture_on_commit_callbacks, kicks):
    with django_capture_on_commit_callbacks(execute=True):
        email = enqueue_message()
    (args,), _ = kicks.call_args

    assert deliver_email(*args) is True
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["chris@example.com"]
    email.refresh_from_db()
    assert email.status == Status.SENT


def test_a_reminder_for_later_is_not_kicked(django_capture_on_commit_callbacks, kicks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_message(send_after=timezone.now() + timedelta(hours=24))

    kicks.assert_not_called()


def test_a_duplicate_enqueue_kicks_nothing(django_capture_on_commit_callbacks, kicks):
    enqueue_message()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_message()

    assert callbacks == []


def test_with_the_broker_down_the_row_commits_and_the_sweep_sends_it_once(
    django_capture_on_commit_callbacks, kicks, caplog
):
    kicks.side_effect = OperationalError("Error 111 connecting to 127.0.0.1:6379.")

    with django_capture_on_commit_callbacks(execute=True):
        email = enqueue_message()

    assert OutboundEmail.objects.get().status == Status.PENDING
    assert f"Could not queue delivery of outbound email {email.pk}" in caplog.text
    assert outbox.deliver_due() == 1
    assert outbox.deliver_due() == 0
    assert len(mail.outbox) == 1


def test_an_attachment_travels_with_the_email():
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    enqueue_message(attachment=outbox.Attachment(filename="booking.ics", content=ics))

    outbox.deliver_due()

    (message,) = mail.outbox
    assert message.alternatives[0].mimetype == "text/html"
    (attachment,) = message.attachments
    assert attachment.filename == "booking.ics"
    assert attachment.mimetype == "text/calendar"
    assert "BEGIN:VCALENDAR" in attachment.content


def test_every_row_gets_its_message_id_when_queued():
    first = enqueue_message(dedup_key="k:1")
    second = enqueue_message(dedup_key="k:2")
    for email in (first, second):
        assert re.fullmatch(r"<[^<>@\s]+@127\.0\.0\.1>", email.message_id)
    assert first.message_id != second.message_id
    assert OutboundEmail.objects.get(pk=first.pk).message_id == first.message_id


def test_account_emails_and_payment_receipts_carry_their_rows_message_id(
    client, settings, django_capture_on_commit_callbacks
):
    """allauth's emails (through the account adapter) and the payments app's
    receipts are outbox rows like the rest: each leaves with its own id."""
    from payments import services as payments
    from tests.payments.helpers import pay_on_test_provider

    settings.STRIPE_SECRET_KEY = ""
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Robin New",
            "email": "robin@example.com",
            "password1": "a-long-test-passphrase",
            "password2": "a-long-test-passphrase",
        },
    )
    checkout = payments.start_checkout(
        reference="thing:1",
        purpose="full",
        description="Hot stone massage",
        amount_pence=4500,
        success_url="/done/",
        cancel_url="/back/",
        hold_until=timezone.now() + timedelta(minutes=15),
        payer_email="pat@example.com",
    )
    with django_capture_on_commit_callbacks(execute=True):
        pay_on_test_provider(checkout, name="Pat Payer")
    rows = {row.kind: row for row in OutboundEmail.objects.all()}
    assert {
        "account.email_confirmation_signup",
        "payment.receipt",
    } <= set(rows), sorted(rows)
    outbox.deliver_due()
    sent = {message.to[0]: message.message()["Message-ID"] for message in mail.outbox}
    for row in rows.values():
        assert row.message_id and sent[row.to] == row.message_id, row.kind
    assert len(set(sent.values())) == len(sent)


def test_the_message_id_stays_when_the_site_address_changes_between_sends(settings):
    email = enqueue_message()
    outbox.deliver_due()
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=Status.PENDING, sent_at=None
    )
    settings.SITE_URL = "https://www.holistictouch.example"
    outbox.deliver_due()

    first, second = (message.message()["Message-ID"] for message in mail.outbox)
    assert first == second == email.message_id


def test_a_resent_email_carries_the_same_message_id():
    email = OutboundEmailFactory()
    outbox.deliver_due()
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=Status.PENDING, sent_at=None
    )
    outbox.deliver_due()

    first, second = (message.message()["Message-ID"] for message in mail.outbox)
    assert first == second
    assert first.startswith(f"<outbox.{email.pk}.")


# deliver_due


def test_deliver_due_sends_due_rows_only_and_marks_them_sent():
    due = OutboundEmailFactory()
    later = OutboundEmailFactory(send_after=timezone.now() + timedelta(hours=1))

    assert outbox.deliver_due() == 1

    (message,) = mail.outbox
    assert message.to == [due.to]
    assert message.subject == due.subject
    assert message.body == due.text_body
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Status.SENT
    assert due.sent_at is not None
    assert later.status == Status.PENDING


def test_delivering_twice_sends_one_email(mailoutbox):
    OutboundEmailFactory()

    outbox.deliver_due()
    outbox.deliver_due()

    assert len(mailoutbox) == 1


def test_deliver_due_stops_at_the_limit_oldest_first():
    now = timezone.now()
    emails = [
        OutboundEmailFactory(send_after=now - timedelta(minutes=minutes))
        for minutes in (1, 3, 2)
    ]

    assert outbox.deliver_due(limit=2) == 2

    assert [message.to[0] for message in mail.outbox] == [
        emails[1].to,
        emails[2].to,
    ]
    assert outbox.deliver_due(limit=2) == 1


def test_the_sweep_claims_no_new_email_once_its_time_budget_is_spent(
    monkeypatch, settings
):
    settings.NOTIFICATIONS_SWEEP_BUDGET_SECONDS = 45
    clock = [1000.0]
    monkeypatch.setattr(outbox, "monotonic", lambda: clock[0])
    send_messages = locmem.EmailBackend.send_messages

    def slow(self, messages):
        clock[0] += 20  # each send takes 20 s
        return send_messages(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", slow)
    OutboundEmailFactory.create_batch(5)

    # Claims at 0, 20 and 40 s into the run; at 60 s the budget is spent.
    assert outbox.deliver_due() == 3

    statuses = list(OutboundEmail.objects.values_list("status", "attempts"))
    assert sorted(statuses) == [(Status.PENDING, 0)] * 2 + [(Status.SENT, 0)] * 3
    assert outbox.deliver_due() == 2  # the next run takes the rest
    assert len(mail.outbox) == 5


def test_a_reminder_goes_out_once_its_time_has_come():
    reminder = OutboundEmailFactory(send_after=timezone.now() + timedelta(hours=24))
    assert outbox.deliver_due() == 0

    make_due(reminder)

    assert outbox.deliver_due() == 1


def test_deliver_one_sends_a_pending_due_row_once():
    email = OutboundEmailFactory()

    assert outbox.deliver_one(pk=email.pk) is True
    assert outbox.deliver_one(pk=email.pk) is False
    assert len(mail.outbox) == 1


def test_deliver_one_leaves_rows_that_are_not_due_or_not_pending_alone():
    later = OutboundEmailFactory(send_after=timezone.now() + timedelta(hours=1))
    claimed = OutboundEmailFactory(status=Status.SENDING, claimed_at=timezone.now())
    cancelled = OutboundEmailFactory(status=Status.CANCELLED)

    for email in (later, claimed, cancelled):
        assert outbox.deliver_one(pk=email.pk) is False
    assert outbox.deliver_one(pk=0) is False
    assert mail.outbox == []


def test_both_tasks_can_run_twice():
    email = OutboundEmailFactory()
    OutboundEmailFactory()

    assert deliver_email(email.pk) is True
    assert deliver_email(email.pk) is False
    assert deliver_due_emails() == 1
    assert deliver_due_emails() == 0
    assert len(mail.outbox) == 2


# send_before: too late to send


def test_enqueue_keeps_the_send_before_time():
    starts = timezone.now() + timedelta(days=2)

    email = enqueue_message(send_after=starts - timedelta(days=1), send_before=starts)

    email.refresh_from_db()
    assert email.send_before == starts


def test_a_row_past_its_send_before_expires_instead_of_being_sent(caplog):
    now = timezone.now()
    late = OutboundEmailFactory(
        send_after=now - timedelta(hours=3), send_before=now - timedelta(minutes=1)
    )
    in_time = OutboundEmailFactory(
        send_after=now - timedelta(hours=3), send_before=now + timedelta(hours=1)
    )
    unlimited = OutboundEmailFactory(send_after=now - timedelta(hours=3))

    assert outbox.deliver_one(pk=late.pk) is False
    assert outbox.deliver_due() == 2

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [in_time.to, unlimited.to]
    )
    late.refresh_from_db()
    assert late.status == Status.EXPIRED
    assert late.sent_at is None
    assert "1 outbound emails expired unsent" in caplog.text
    assert outbox.deliver_due() == 0


def test_a_retry_that_would_come_after_send_before_expires(monkeypatch):
    make_recipient_fail(monkeypatch, "bounce@example.com")
    email = OutboundEmailFactory(
        to="bounce@example.com", send_before=timezone.now() + timedelta(seconds=30)
    )

    assert outbox.deliver_due() == 0
    email.refresh_from_db()
    assert email.send_after > email.send_before  # the backoff outlasts it
    with mock.patch("django.utils.timezone.now", return_value=email.send_after):
        assert outbox.deliver_due() == 0

    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.EXPIRED, 1)
    assert mail.outbox == []


# cancel


def test_cancel_leaves_nothing_to_send():
    enqueue_message()
    enqueue_message(
        dedup_key="booking:42:reminder",
        kind="booking.reminder",
        send_after=timezone.now() + timedelta(hours=24),
    )
    other = enqueue_message(dedup_key="booking:43:confirmed", related_key="booking:43")

    assert outbox.cancel(related_key="booking:42") == 2

    OutboundEmail.objects.update(send_after=timezone.now() - timedelta(seconds=1))
    assert outbox.deliver_due() == 1
    assert [message.to for message in mail.outbox] == [[other.to]]


def test_cancel_can_pick_kinds():
    enqueue_message()
    reminder = enqueue_message(dedup_key="booking:42:reminder", kind="booking.reminder")

    assert outbox.cancel(related_key="booking:42", kinds=["booking.reminder"]) == 1

    reminder.refresh_from_db()
    assert reminder.status == Status.CANCELLED
    assert OutboundEmail.objects.filter(status=Status.PENDING).count() == 1


def test_cancel_can_keep_some_rows():
    old = enqueue_message(dedup_key="booking:42:reminder:old", kind="booking.reminder")
    new = enqueue_message(dedup_key="booking:42:reminder:new", kind="booking.reminder")

    cancelled = outbox.cancel(
        related_key="booking:42",
        kinds=["booking.reminder"],
        keep=["booking:42:reminder:new"],
    )

    assert cancelled == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (Status.CANCELLED, Status.PENDING)


def test_cancel_leaves_sent_and_in_flight_rows_as_they_are():
    sent = OutboundEmailFactory(
        related_key="booking:42", status=Status.SENT, sent_at=timezone.now()
    )
    sending = OutboundEmailFactory(
        related_key="booking:42", status=Status.SENDING, claimed_at=timezone.now()
    )

    assert outbox.cancel(related_key="booking:42") == 0

    sent.refresh_from_db()
    sending.refresh_from_db()
    assert sent.status == Status.SENT
    assert sending.status == Status.SENDING


def test_cancelled_and_sent_rows_are_never_sent_again():
    OutboundEmailFactory(status=Status.CANCELLED)
    OutboundEmailFactory(status=Status.SENT, sent_at=timezone.now())
    failed = OutboundEmailFactory(status=Status.FAILED)

    assert outbox.deliver_due() == 0
    assert outbox.deliver_one(pk=failed.pk) is False
    assert mail.outbox == []


# failures and retries


def test_an_smtp_failure_is_retried_with_backoff_and_the_other_email_still_goes(
    monkeypatch,
):
    make_recipient_fail(monkeypatch, "bounce@example.com")
    failing = OutboundEmailFactory(to="bounce@example.com")
    fine = OutboundEmailFactory(send_after=failing.send_after + timedelta(seconds=1))

    before = timezone.now()
    assert outbox.deliver_due() == 1
    after = timezone.now()

    assert [message.to for message in mail.outbox] == [[fine.to]]
    failing.refresh_from_db()
    assert failing.status == Status.PENDING
    assert failing.attempts == 1
    assert "SMTPRecipientsRefused" in failing.last_error
    backoff = timedelta(seconds=settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2)
    assert before + backoff <= failing.send_after <= after + backoff
    # Not due again until the backoff has passed.
    assert outbox.deliver_due() == 0


def test_log_lines_name_the_row_never_the_recipient(monkeypatch, caplog):
    make_recipient_fail(monkeypatch, "Bounce@Example.com")
    failing = OutboundEmailFactory(to="Bounce@Example.com")
    fine = OutboundEmailFactory(to="chris@example.com")

    with caplog.at_level(logging.DEBUG, logger="notifications"):
        for _ in range(settings.NOTIFICATIONS_MAX_ATTEMPTS):
            make_due(failing)
            outbox.deliver_due()

    assert f"Outbound email {failing.pk} failed: SMTPRecipientsRefused" in caplog.text
    attempts = settings.NOTIFICATIONS_MAX_ATTEMPTS
    assert f"Outbound email {failing.pk} failed {attempts} times" in caplog.text
    for address in (failing.to, fine.to):
        assert address.lower() not in caplog.text.lower()
    failing.refresh_from_db()
    assert failing.to in failing.last_error  # staff still see it in the admin


def test_backoff_doubles_with_each_attempt(monkeypatch, settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 10
    make_recipient_fail(monkeypatch, "bounce@example.com")
    email = OutboundEmailFactory(to="bounce@example.com")

    waits = []
    for _ in range(3):
        make_due(email)
        started = timezone.now()
        outbox.deliver_due()
        email.refresh_from_db()
        waits.append(round((email.send_after - started).total_seconds()))

    assert waits == [20, 40, 80]


def test_after_max_attempts_the_email_is_failed_with_the_last_error(monkeypatch):
    make_recipient_fail(monkeypatch, "bounce@example.com")
    email = OutboundEmailFactory(to="bounce@example.com")

    for _ in range(settings.NOTIFICATIONS_MAX_ATTEMPTS):
        make_due(email)
        outbox.deliver_due()

    email.refresh_from_db()
    assert email.status == Status.FAILED
    assert email.attempts == settings.NOTIFICATIONS_MAX_ATTEMPTS
    assert "550" in email.last_error
    make_due(email)
    assert outbox.deliver_due() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
        smtplib.SMTPConnectError(421, b"Too busy, try later"),
    ],
)
def test_with_the_mail_server_unreachable_the_sweep_stops_and_charges_nothing(
    monkeypatch, error, caplog
):
    tries = []

    def unreachable(self):
        tries.append(error)
        raise error

    monkeypatch.setattr(locmem.EmailBackend, "open", unreachable)
    emails = OutboundEmailFactory.create_batch(3)

    assert outbox.deliver_due() == 0
    assert outbox.deliver_one(pk=emails[0].pk) is False

    assert len(tries) == 2  # once per run, not once per row
    rows = OutboundEmail.objects.all()
    assert {(row.status, row.attempts) for row in rows} == {(Status.PENDING, 0)}
    assert "mail server unavailable" in rows.get(pk=emails[0].pk).last_error
    assert "delivery stops until the next run" in caplog.text
    # The server is back: the next sweep sends each of them once.
    monkeypatch.undo()
    assert outbox.deliver_due() == 3
    assert outbox.deliver_due() == 0
    assert len(mail.outbox) == 3


def test_a_real_smtp_connection_refused_charges_no_attempt(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
        }
    }
    OutboundEmailFactory.create_batch(2)

    assert outbox.deliver_due() == 0

    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {
        (Status.PENDING, 0)
    }


def test_a_failure_after_connecting_is_the_rows_and_the_others_still_go(
    monkeypatch,
):
    send_messages = locmem.EmailBackend.send_messages
    calls = []

    def drop_the_first(self, messages):
        calls.append(messages)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return send_messages(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", drop_the_first)
    first = OutboundEmailFactory()
    OutboundEmailFactory(send_after=first.send_after + timedelta(seconds=1))

    assert outbox.deliver_due() == 1

    first.refresh_from_db()
    assert (first.status, first.attempts) == (Status.PENDING, 1)


def test_retry_puts_a_failed_email_back_with_a_fresh_count(
    django_capture_on_commit_callbacks, kicks
):
    email = OutboundEmailFactory(
        status=Status.FAILED,
        attempts=5,
        last_error="SMTPRecipientsRefused",
        send_after=timezone.now() - timedelta(days=1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.retry(pk=email.pk) is True

    email.refresh_from_db()
    assert email.status == Status.PENDING
    assert email.attempts == 0
    kicks.assert_called_once_with((email.pk,), retry_policy=outbox.KICK_RETRY_POLICY)
    assert outbox.deliver_due() == 1


def test_retry_changes_nothing_unless_the_email_failed():
    sent = OutboundEmailFactory(status=Status.SENT, sent_at=timezone.now())
    pending = OutboundEmailFactory(attempts=2)

    assert outbox.retry(pk=sent.pk) is False
    assert outbox.retry(pk=pending.pk) is False
    pending.refresh_from_db()
    assert pending.attempts == 2


# a worker killed mid-delivery


def test_a_row_stuck_in_sending_beyond_the_stale_limit_is_sent_exactly_once_more():
    stale = timedelta(seconds=settings.NOTIFICATIONS_STALE_SENDING_SECONDS + 1)
    email = OutboundEmailFactory(
        status=Status.SENDING, claimed_at=timezone.now() - stale
    )

    assert outbox.deliver_due() == 1
    assert outbox.deliver_due() == 0

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert email.attempts == 1


def test_a_recent_sending_row_is_left_alone():
    email = OutboundEmailFactory(
        status=Status.SENDING, claimed_at=timezone.now() - timedelta(seconds=30)
    )

    assert outbox.deliver_due() == 0

    email.refresh_from_db()
    assert email.status == Status.SENDING
    assert mail.outbox == []


def test_a_row_that_keeps_getting_stuck_ends_failed():
    stale = timedelta(seconds=settings.NOTIFICATIONS_STALE_SENDING_SECONDS + 1)
    email = OutboundEmailFactory(
        status=Status.SENDING,
        claimed_at=timezone.now() - stale,
        attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS - 1,
    )

    assert outbox.deliver_due() == 0

    email.refresh_from_db()
    assert email.status == Status.FAILED
    assert "interrupted" in email.last_error


def test_a_slow_worker_finishing_after_stale_recovery_marks_the_row_sent():
    email = OutboundEmailFactory()
    claimed = outbox._claim(OutboundEmail.objects.filter(pk=email.pk))
    # Meanwhile the row was taken for stale and put back to pending.
    OutboundEmail.objects.filter(pk=email.pk).update(status=Status.PENDING)

    with outbox._Mailer() as mailer:
        assert outbox._deliver(claimed, mailer) == 1

    assert outbox.deliver_due() == 0
    assert len(mail.outbox) == 1


# wiring


def test_beat_sweeps_the_outbox_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["deliver-due-emails"]
    assert entry["task"] == deliver_due_emails.name
    assert entry["schedule"] == 60
    assert deliver_due_emails.name in app.tasks
    assert deliver_email.name in app.tasks


def schedule_period(schedule) -> timedelta:
    """Time between two runs of a CELERY_BEAT_SCHEDULE entry."""
    if isinstance(schedule, int | float):
        return timedelta(seconds=schedule)
    last_run = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    _, step, _ = schedule.remaining_delta(last_run)  # a crontab
    return (last_run + step) - last_run


@pytest.mark.parametrize("name", list(settings.CELERY_BEAT_SCHEDULE))
def test_every_periodic_job_is_a_known_task_that_expires_before_its_next_run(name):
    entry = settings.CELERY_BEAT_SCHEDULE[name]
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery

    assert entry["task"] in app.tasks
    expires = timedelta(seconds=entry["options"]["expires"])
    assert timedelta(0) < expires < schedule_period(entry["schedule"])


def test_the_operations_guide_lists_every_periodic_job_and_when_it_expires():
    guide = (Path(settings.BASE_DIR) / "docs" / "operations.md").read_text()
    celery = guide.split("\n## Celery\n", 1)[1].split("\n## ", 1)[0]
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in celery.splitlines()
        if line.startswith("| `")
    }

    assert set(rows) == set(settings.CELERY_BEAT_SCHEDULE)
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert f"`{entry['task']}`" in rows[name]
        assert f"| {entry['options']['expires']} s |" in rows[name]


def test_the_delivery_tasks_ack_late_and_have_time_limits():
    for task in (deliver_email, deliver_due_emails):
        assert task.acks_late
        assert task.ignore_result
        assert 0 < task.soft_time_limit < task.time_limit
        assert task.time_limit < settings.NOTIFICATIONS_STALE_SENDING_SECONDS
    # The sweep stops claiming with time left for a slow connect and a slow send.
    budget = (
        settings.NOTIFICATIONS_SWEEP_BUDGET_SECONDS + 2 * settings.MAIL_TIMEOUT_SECONDS
    )
    assert budget <= deliver_due_emails.soft_time_limit


def test_seed_demo_queues_one_example_email():
    call_command("seed_demo")
    queued = OutboundEmail.objects.count()
    call_command("seed_demo")

    assert OutboundEmail.objects.count() == queued
    email = OutboundEmail.objects.get(kind="demo.welcome")
    assert email.to == "client@demo.example"
    assert email.kind == "demo.welcome"


# admin


def test_staff_see_the_outbox_and_can_search_it(client):
    OutboundEmailFactory(subject="Reminder: Friday 10:00", dedup_key="booking:7:r")
    OutboundEmailFactory(subject="Something else")
    client.force_login(StaffFactory())

    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert "Reminder: Friday 10:00" in response.content.decode()

    response = client.get(reverse(CHANGELIST), {"q": "booking:7"})
    html = response.content.decode()
    assert "Reminder: Friday 10:00" in html
    assert "Something else" not in html

    response = client.get(reverse(CHANGELIST), {"status__exact": "sent"})
    assert "Reminder: Friday 10:00" not in response.content.decode()


def test_staff_can_read_an_email_but_not_edit_it(client):
    email = OutboundEmailFactory(html_body="<p>Hello <b>Chris</b></p>")
    client.force_login(StaffFactory())

    url = reverse("admin:notifications_outboundemail_change", args=[email.pk])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;b&gt;Chris&lt;/b&gt;" in html
    assert 'name="subject"' not in html

    client.post(url, {"subject": "Changed"})
    email.refresh_from_db()
    assert email.subject != "Changed"
    add_url = reverse("admin:notifications_outboundemail_add")
    assert client.get(add_url).status_code == 403


def test_the_retry_action_queues_failed_emails_again(client):
    failed = OutboundEmailFactory(status=Status.FAILED, attempts=5)
    sent = OutboundEmailFactory(status=Status.SENT, sent_at=timezone.now())
    client.force_login(StaffFactory())

    response = client.post(
        reverse(CHANGELIST),
        {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )

    assert "1 failed email queued again." in response.content.decode()
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.PENDING, 0)
    assert sent.status == Status.SENT


def test_the_cancel_action_cancels_pending_emails_only(client):
    pending = OutboundEmailFactory()
    sent = OutboundEmailFactory(status=Status.SENT, sent_at=timezone.now())
    client.force_login(StaffFactory())

    response = client.post(
        reverse(CHANGELIST),
        {"action": "cancel_pending", "_selected_action": [pending.pk, sent.pk]},
        follow=True,
    )

    assert "1 pending email cancelled." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Status.CANCELLED
    assert outbox.deliver_due() == 0


def test_a_user_who_is_not_staff_cannot_open_the_outbox(client):
    email = OutboundEmailFactory(subject="Private reminder")
    client.force_login(UserFactory())

    for url in (
        reverse(CHANGELIST),
        reverse("admin:notifications_outboundemail_change", args=[email.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "Private reminder" not in response.content.decode()
    response = client.post(
        reverse(CHANGELIST),
        {"action": "cancel_pending", "_selected_action": [email.pk]},
    )
    email.refresh_from_db()
    assert email.status == Status.PENDING
