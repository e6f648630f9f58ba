"""The outbox under real concurrency: threads on separate connections, and a real
Celery worker process delivering from the test database."""

import signal
import threading
import time
from email import message_from_bytes

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import transaction

from config.celery import app
from notifications import outbox
from notifications.models import OutboundEmail
from notifications.tasks import deliver_email
from tests.notifications.factories import OutboundEmailFactory
from tests.notifications.smtp import SMTPServer
from tests.notifications.worker import binding_keys, mail_worker, wait_for

Status = OutboundEmail.Status


@pytest.fixture
def slow_mail_server(monkeypatch):
    """Each send takes a moment, so concurrent deliverers really overlap."""
    send_messages = locmem.EmailBackend.send_messages

    def slow(self, messages):
        time.sleep(0.01)
        return send_messages(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", slow)


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_send_each_email_exactly_once(
    slow_mail_server, run_together
):
    emails = OutboundEmailFactory.create_batch(30)

    sent = run_together(outbox.deliver_due, outbox.deliver_due)

    assert all(isinstance(count, int) for count in sent), sent
    assert sum(sent) == 30
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        email.to for email in emails
    )
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.django_db(transaction=True)
def test_the_kick_and_the_sweep_at_once_send_each_email_exactly_once(
    slow_mail_server, run_together
):
    emails = OutboundEmailFactory.create_batch(10)

    def kick_each():
        return sum(outbox.deliver_one(pk=email.pk) for email in emails)

    sent = run_together(kick_each, outbox.deliver_due)

    assert all(isinstance(count, int) for count in sent), sent
    assert sum(sent) == 10
    assert len(mail.outbox) == 10
    assert len({message.to[0] for message in mail.outbox}) == 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_enqueues_with_one_dedup_key_write_one_row_and_never_raise(
    run_together,
):
    first_inserted = threading.Event()

    def enqueue():
        return outbox.enqueue(
            to="chris@example.com",
            subject="Reminder",
            template="message",
            context={"paragraphs": ["See you tomorrow."]},
            dedup_key="booking:42:reminder",
        )

    def first():
        with transaction.atomic():
            email = enqueue()
            first_inserted.set()
            # Hold the uncommitted row while the second enqueue runs into it.
            time.sleep(0.5)
        return email

    def second():
        first_inserted.wait(timeout=10)
        return enqueue()

    winner, loser = run_together(first, second)

    assert isinstance(winner, OutboundEmail), winner
    assert loser is None
    assert OutboundEmail.objects.count() == 1


# A real worker process


@pytest.fixture
def worker(transactional_db, tmp_path):
    with mail_worker(tmp_path) as running:
        yield running.queue, running.mail_dir, running.log


def test_a_worker_process_delivers_the_kicked_email_to_a_file(worker, kicks):
    queue, mail_dir, log = worker
    # The kick as enqueue() makes it, sent to this worker's queue only.
    kicks.side_effect = lambda args, **options: app.send_task(
        deliver_email.name, args=args, queue=queue, ignore_result=True, **options
    )

    with transaction.atomic():
        email = outbox.enqueue(
            to="chris@example.com",
            subject="Your booking is confirmed",
            template="message",
            context={"greeting": "Hello Chris,", "paragraphs": ["Friday, 10:00."]},
            dedup_key="booking:42:confirmed",
        )

    # Marked sent once the file backend has written and closed the file: read it
    # only then (a file seen earlier may still be empty).
    sent = wait_for(
        lambda: OutboundEmail.objects.get(pk=email.pk).status == Status.SENT
    )
    files = list(mail_dir.glob("*.log"))
    assert sent and files, f"no email sent; worker log:\n{log.read_text()}"
    content = files[0].read_text()
    assert "Subject: Your booking is confirmed" in content
    assert "To: chris@example.com" in content


def test_a_stopped_test_worker_leaves_no_queue_keys_in_redis(
    transactional_db, tmp_path
):
    with mail_worker(tmp_path) as worker:
        # The worker declares its queue when it starts consuming.
        assert wait_for(lambda: binding_keys(worker.queue)), worker.log.read_text()

    assert binding_keys(worker.queue) == []


def test_a_worker_killed_mid_smtp_resends_with_the_same_message_id(
    transactional_db, tmp_path, kicks, settings
):
    """kill -9 while the mail server holds the message but has not answered: the
    row stays `sending`, the sweep sends it again after the stale limit, and both
    copies carry the row's Message-ID, so mail clients show one email."""
    with SMTPServer() as server:
        server.mailbox.hang_after_data.set()
        smtp = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(server.port),
        }
        with mail_worker(tmp_path, **smtp) as worker:
            kicks.side_effect = lambda args, **options: app.send_task(
                deliver_email.name,
                args=args,
                queue=worker.queue,
                ignore_result=True,
                **options,
            )
            with transaction.atomic():
                email = outbox.enqueue(
                    to="chris@example.com",
                    subject="Your booking is confirmed",
                    template="message",
                    context={"greeting": "Hello Chris,", "paragraphs": ["Friday."]},
                    dedup_key="booking:42:confirmed",
                )
            assert server.mailbox.received.wait(60), worker.log.read_text()
            worker.process.send_signal(signal.SIGKILL)
            worker.process.wait(10)
        assert OutboundEmail.objects.get(pk=email.pk).status == Status.SENDING

        server.mailbox.hang_after_data.clear()
        settings.MAILERS = {
            "default": {
                "BACKEND": smtp["EMAIL_BACKEND"],
                "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 20},
            }
        }
        settings.NOTIFICATIONS_STALE_SENDING_SECONDS = 0
        assert outbox.deliver_due() == 1

    first, second = (message_from_bytes(raw) for raw in server.mailbox.messages)
    assert first["Message-ID"] == second["Message-ID"] == email.message_id
    row = OutboundEmail.objects.get(pk=email.pk)
    assert row.status == Status.SENT
    assert row.attempts == 1
