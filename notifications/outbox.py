"""The transactional email outbox: write emails with the change, deliver them after.

A domain service calls `enqueue()` inside its own transaction, so an email exists
exactly when the change it reports was committed. After the commit a Celery task is
kicked to deliver it at once; a beat job runs `deliver_due()` every minute and sends
whatever is due and was missed (broker down, worker killed, reminders whose
`send_after` has come). A row with a `send_before` time that passes before it could
go (a reminder delayed past its appointment) is never sent: it becomes `expired`.

Delivery claims one row at a time with `SELECT ... FOR UPDATE SKIP LOCKED` in a
short transaction and marks it `sending` before talking to the mail server, so two
workers never send the same row. A worker that dies while a row is `sending` leaves
it there; `deliver_due()` puts it back after NOTIFICATIONS_STALE_SENDING_SECONDS.
When no connection to the mail server can be opened at all, the row goes back
untried and the run stops: an outage is no row's fault, so it costs no attempts.
"""

import contextlib
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import MIMEPart
from email.utils import make_msgid
from time import monotonic
from typing import Any
from urllib.parse import urlsplit

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from core.db import constraint_name

from .models import OutboundEmail

logger = logging.getLogger(__name__)

Status = OutboundEmail.Status
DEDUP_CONSTRAINT = "outbound_email_unique_dedup_key"
DELIVER_TASK = "notifications.tasks.deliver_email"
KICK_RETRY_POLICY = {"max_retries": 0}


class MailServerUnavailable(Exception):
    """No connection to the mail server could be opened; nothing was sent."""


@dataclass(frozen=True)
class Attachment:
    """A small text attachment stored with the row, e.g. an .ics calendar file."""

    filename: str
    content: str
    content_type: str = "text/calendar"


@transaction.atomic
def enqueue(
    *,
    to: str,
    subject: str,
    template: str,
    context: Mapping[str, Any],
    dedup_key: str,
    send_after: datetime | None = None,
    send_before: datetime | None = None,
    kind: str = "",
    related_key: str = "",
    attachment: Attachment | None = None,
) -> OutboundEmail | None:
    """Queue one email, rendered now from `notifications/email/<template>.txt`
    (required) and `.html` (optional), to be sent at or after `send_after`
    (default: now) and, if `send_before` is given, only before that time (after
    it the row expires unsent: give reminders their event's start).

    Call it inside the transaction that makes the change, so the email is written
    only if the change commits (called outside one, it commits on its own).

    Returns the new row, or **None when a row with this `dedup_key` already
    exists** (whatever its status): nothing is written and nothing is kicked.
    Concurrent calls with one key never raise; one of them wins. Raises
    ValidationError for an invalid address and ValueError for an empty key.

    An email that is due now is handed to a worker right after the commit; a later
    one (a reminder) is picked up by the beat sweep within a minute of its time.
    """
    if not dedup_key:
        raise ValueError("An outbound email needs a dedup_key.")
    validate_email(to)
    if OutboundEmail.objects.filter(dedup_key=dedup_key).exists():
        return None

    subject = " ".join(subject.split())  # a header cannot hold a line break
    text_body, html_body = render(
        template=template, context={"subject": subject, **context}
    )
    email = OutboundEmail(
        to=to,
        subject=subject,
        message_id=new_message_id(),
        text_body=text_body,
        html_body=html_body,
        send_after=send_after or timezone.now(),
        send_before=send_before,
        dedup_key=dedup_key,
        kind=kind,
        related_key=related_key,
    )
    if attachment is not None:
        email.attachment_filename = attachment.filename
        email.attachment_content_type = attachment.content_type
        email.attachment_content = attachment.content
    try:
        # A savepoint: losing the race to a concurrent enqueue with the same key
        # must leave the caller's transaction usable (ON CONFLICT DO NOTHING).
        with transaction.atomic():
            email.save(force_insert=True)
    except IntegrityError as error:
        if constraint_name(error) != DEDUP_CONSTRAINT:
            raise
        return None

    if email.send_after <= timezone.now():
        transaction.on_commit(lambda: _kick(email.pk))
    return email


def render(*, template: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """The text and HTML bodies of `notifications/email/<template>`."""
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "contact_email": settings.CONTACT_EMAIL,
        **context,
    }
    name = f"notifications/email/{template}"
    text = render_to_string(f"{name}.txt", context)
    # Template tags leave blank lines and trailing spaces behind; mail shows them.
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    text_body = re.sub(r"\n{3,}", "\n\n", text) + "\n"
    try:
        html_template = get_template(f"{name}.html")
    except TemplateDoesNotExist:
        return text_body, ""  # a text-only email
    return text_body, html_template.render(context)


def cancel(
    *,
    related_key: str,
    kinds: Iterable[str] | None = None,
    keep: Iterable[str] = (),
) -> int:
    """Cancel the rows of one object that are still pending (not being sent, not
    sent), e.g. the reminders of a booking that was cancelled or moved.

    `keep` lists dedup keys to leave alone: when replacing an object's reminders,
    enqueue the new ones and cancel the rest, and a repeated call keeps them.

    Call it in the same transaction as the change. Returns how many were cancelled.
    A row a worker has already claimed (`sending`) goes out regardless.
    """
    if not related_key:
        raise ValueError("cancel() needs a related_key.")
    rows = OutboundEmail.objects.filter(related_key=related_key, status=Status.PENDING)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    if keep := list(keep):
        rows = rows.exclude(dedup_key__in=keep)
    return rows.update(status=Status.CANCELLED)


# What a scrubbed row keeps of its address and subject; `.invalid` never gets mail.
SCRUBBED_TO = "deleted@deleted.invalid"
SCRUBBED_SUBJECT = "(removed: the person it was about deleted their account)"


def scrub(*, related_keys: Iterable[str] = (), addresses: Iterable[str] = ()) -> int:
    """Strip a person from the record of emails, keeping only the fact that each
    was sent (kind, status, times, keys): the rows of their objects
    (`related_keys`, whoever they went to) and the rows addressed to them
    (`addresses`, compared case-insensitively) lose their subject and bodies, and
    their address where it is one of `addresses`.

    Rows still pending or being sent are left alone: cancel what must not go out
    first (`cancel`), and write what must still go (a notice to the other party)
    without the person's details. Call it inside the deletion's transaction.
    """
    addresses = sorted({address.lower() for address in addresses if address})
    keys = [key for key in related_keys if key]
    if not keys and not addresses:
        return 0
    about = Q(related_key__in=keys)
    for address in addresses:
        about |= Q(to__iexact=address)
    rows = OutboundEmail.objects.filter(about).exclude(
        status__in=[Status.PENDING, Status.SENDING]
    )
    # The bodies first: the rows are found by their address, changed last.
    count = rows.update(
        subject=SCRUBBED_SUBJECT,
        text_body="",
        html_body="",
        attachment_filename="",
        attachment_content_type="",
        attachment_content="",
        last_error="",
    )
    theirs = Q(pk__in=[])
    for address in addresses:
        theirs |= Q(to__iexact=address)
    rows.filter(theirs).update(to=SCRUBBED_TO)
    return count


def cancel_pending(*, pks: Iterable[int]) -> int:
    """Cancel the given rows that are still pending (the admin's action)."""
    return OutboundEmail.objects.filter(pk__in=list(pks), status=Status.PENDING).update(
        status=Status.CANCELLED
    )


@transaction.atomic
def retry(*, pk: int) -> bool:
    """Give a failed row a fresh start: pending, due now, attempts back to 0.

    Returns False (and changes nothing) when the row is not failed.
    """
    updated = OutboundEmail.objects.filter(pk=pk, status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, send_after=timezone.now()
    )
    if updated:
        transaction.on_commit(lambda: _kick(pk))
    return bool(updated)


def deliver_due(*, limit: int = 100, budget_seconds: float | None = None) -> int:
    """Send up to `limit` due rows, oldest first; returns how many were sent.

    Claims no new row once `budget_seconds` (default
    NOTIFICATIONS_SWEEP_BUDGET_SECONDS) have passed, so the row in hand can still
    finish well inside the task's soft time limit; the rest wait for the next run.

    Call it outside any transaction: each claim commits on its own, and the mail
    server is never talked to while a row lock is held.
    """
    if budget_seconds is None:
        budget_seconds = settings.NOTIFICATIONS_SWEEP_BUDGET_SECONDS
    stop_at = monotonic() + budget_seconds
    requeue_stale()
    expire_overdue()
    sent = 0
    with _Mailer() as mailer:
        for _ in range(limit):
            if monotonic() >= stop_at:
                logger.info("Outbox sweep out of time after %d emails.", sent)
                break
            email = _claim(OutboundEmail.objects.all())
            if email is None:
                break
            try:
                sent += _deliver(email, mailer)
            except MailServerUnavailable:
                break  # every other row would fail the same way; the next run tries
    return sent


def deliver_one(*, pk: int) -> bool:
    """Send one row if it is pending and due (the after-commit kick).

    Returns False when another worker has it, it was already sent or cancelled,
    it is not due yet, or its `send_before` has passed (the sweep expires it).
    Safe to run any number of times.
    """
    email = _claim(OutboundEmail.objects.filter(pk=pk))
    if email is None:
        return False
    with _Mailer() as mailer:
        try:
            return bool(_deliver(email, mailer))
        except MailServerUnavailable:
            return False  # put back: the beat sweep tries again


def requeue_stale() -> int:
    """Put rows stuck in `sending` for longer than the stale limit back to pending.

    A row stays `sending` only if the worker sending it was killed (or lost its
    database connection) between claiming it and recording the outcome. Whether
    the mail server accepted that message is unknown, so it is sent once more:
    the recipient may get it twice rather than not at all. Each recovery counts as
    an attempt, so a row that keeps killing workers ends `failed` rather than
    looping.

    Keep NOTIFICATIONS_STALE_SENDING_SECONDS well above the tasks' hard time limits
    plus MAIL_TIMEOUT_SECONDS, or a slow but live delivery is taken for a dead one.
    """
    cutoff = timezone.now() - timedelta(
        seconds=settings.NOTIFICATIONS_STALE_SENDING_SECONDS
    )
    last_try = settings.NOTIFICATIONS_MAX_ATTEMPTS - 1
    count = OutboundEmail.objects.filter(
        status=Status.SENDING, claimed_at__lt=cutoff
    ).update(
        attempts=F("attempts") + 1,
        status=Case(
            When(attempts__gte=last_try, then=Value(Status.FAILED)),
            default=Value(Status.PENDING),
        ),
        last_error="Delivery was interrupted (worker stopped?); it may have gone out.",
    )
    if count:
        logger.warning("Requeued %d outbound emails stuck in sending.", count)
    return count


def expire_overdue() -> int:
    """Mark pending rows whose `send_before` has passed expired: too late to send."""
    count = OutboundEmail.objects.filter(
        status=Status.PENDING, send_before__lte=timezone.now()
    ).update(status=Status.EXPIRED)
    if count:
        logger.info(
            "%d outbound emails expired unsent (past their send_before).", count
        )
    return count


def strip_old_bodies(*, older_than_days: int | None = None) -> int:
    """Empty the bodies and attachments of emails finished more than
    `older_than_days` (default NOTIFICATIONS_KEEP_BODIES_DAYS) ago: sent ones by
    their sending time, failed, cancelled and expired ones by their creation.
    Recipient, subject, kind, keys, status and times stay, so the admin still shows
    what was sent to whom and when. Returns how many rows were stripped; a second
    run finds none."""
    if older_than_days is None:
        older_than_days = settings.NOTIFICATIONS_KEEP_BODIES_DAYS
    cutoff = timezone.now() - timedelta(days=older_than_days)
    finished = Q(status=Status.SENT, sent_at__lt=cutoff) | Q(
        status__in=[Status.FAILED, Status.CANCELLED, Status.EXPIRED],
        created_at__lt=cutoff,
    )
    count = (
        OutboundEmail.objects.filter(finished)
        .exclude(text_body="", html_body="", attachment_content="")
        .update(text_body="", html_body="", attachment_content="")
    )
    if count:
        logger.info("Stripped the bodies of %d old outbound emails.", count)
    return count


def overdue_count(*, minutes: int | None = None) -> int:
    """How many pending emails were due more than `minutes` (default
    NOTIFICATIONS_STALE_AFTER_MINUTES) ago and are still unsent: non-zero means
    delivery has stalled (no worker, no beat, or the mail server down)."""
    if minutes is None:
        minutes = settings.NOTIFICATIONS_STALE_AFTER_MINUTES
    cutoff = timezone.now() - timedelta(minutes=minutes)
    return OutboundEmail.objects.filter(
        status__in=[Status.PENDING, Status.SENDING], send_after__lt=cutoff
    ).count()


def _claim(rows: QuerySet[OutboundEmail]) -> OutboundEmail | None:
    now = timezone.now()
    with transaction.atomic():
        email = (
            rows.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, send_after__lte=now)
            .exclude(send_before__lte=now)
            .order_by("send_after", "pk")
            .first()
        )
        if email is None:
            return None
        email.status = Status.SENDING
        email.claimed_at = now
        email.save(update_fields=["status", "claimed_at"])
    return email


def _deliver(email: OutboundEmail, mailer: "_Mailer") -> int:
    try:
        mailer.send(_message(email))
    except MailServerUnavailable as error:
        _release(email, error)
        raise
    except SoftTimeLimitExceeded as error:
        # The task ran out of time mid-send: record it and let the task end.
        _record_failure(email, error)
        raise
    except Exception as error:
        # Any failure of one row (SMTP refusal, a bad address, a broken template
        # value) is that row's problem: record it, go on with the next one.
        logger.warning(
            "Outbound email %s failed: %s", email.pk, _for_log(error, email.to)
        )
        _record_failure(email, error)
        mailer.reset()
        return 0
    # The message left: record that even if the row was requeued as stale meanwhile,
    # so it is not sent yet again.
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return 1


def _release(email: OutboundEmail, error: MailServerUnavailable) -> None:
    """Put a claimed row back as it was: due now, no attempt counted."""
    logger.warning(
        "Mail server unavailable (%s): outbound email %s put back untried; "
        "delivery stops until the next run.",
        error,
        email.pk,
    )
    OutboundEmail.objects.filter(
        pk=email.pk, status=Status.SENDING, claimed_at=email.claimed_at
    ).update(
        status=Status.PENDING,
        claimed_at=None,
        last_error=f"Not sent yet: mail server unavailable ({error})"[:2000],
    )


def _for_log(error: BaseException, address: str) -> str:
    """The error for a log line, without the recipient's address: SMTP errors
    quote it, and logs name emails by row id only (the admin shows the rest)."""
    text = f"{type(error).__name__}: {error}"
    return re.sub(re.escape(address), "<recipient>", text, flags=re.IGNORECASE)


def _record_failure(email: OutboundEmail, error: BaseException) -> None:
    attempts = email.attempts + 1
    now = timezone.now()
    if attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        changes = {"status": Status.FAILED}
        logger.error(
            "Outbound email %s failed %d times; giving up.", email.pk, attempts
        )
    else:
        backoff = settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2**attempts
        changes = {
            "status": Status.PENDING,
            "send_after": now + timedelta(seconds=backoff),
        }
    # Only while our claim stands: a stale-recovered row belongs to whoever has it now.
    OutboundEmail.objects.filter(
        pk=email.pk, status=Status.SENDING, claimed_at=email.claimed_at
    ).update(
        attempts=attempts,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        **changes,
    )


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        to=[email.to],
        headers={"Message-ID": email.message_id or _message_id(email)},
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    if email.attachment_filename:
        kind, *params = email.attachment_content_type.split(";")
        if params and kind.strip().startswith("text/"):
            message.attach(_text_part(email, kind.strip(), params))
        else:
            message.attach(
                email.attachment_filename,
                email.attachment_content,
                email.attachment_content_type or "application/octet-stream",
            )
    return message


def new_message_id() -> str:
    """A Message-ID unique to one outbox row, on the site's domain (RFC 5322)."""
    return make_msgid(idstring="outbox", domain=_domain())


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _text_part(email: OutboundEmail, kind: str, params: list[str]) -> MIMEPart:
    """A text attachment whose content type has parameters, kept: mail apps read
    `text/calendar; method=CANCEL` to know what an .ics file does."""
    part = MIMEPart()
    part.set_content(
        email.attachment_content,
        subtype=kind.split("/", 1)[1],
        filename=email.attachment_filename,
        params={
            name.strip().lower(): value.strip().strip('"')
            for name, _, value in (param.partition("=") for param in params)
            if name.strip()
        },
    )
    return part


def _message_id(email: OutboundEmail) -> str:
    # Rows queued before message_id existed: derived from the row, as before.
    created = email.created_at.strftime("%Y%m%d%H%M%S%f")
    return f"<outbox.{email.pk}.{created}@{_domain()}>"


class _Mailer:
    """One connection to the email backend for a batch, opened on first use and
    dropped after an error so the next row starts on a fresh one."""

    def __init__(self) -> None:
        self.connection: BaseEmailBackend | None = None

    def __enter__(self) -> "_Mailer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.reset()

    def send(self, message: EmailMultiAlternatives) -> None:
        if self.connection is None:
            self.connection = self._open()
        self.connection.send_messages([message])

    @staticmethod
    def _open() -> BaseEmailBackend:
        connection = None
        try:
            connection = mailers.default
            connection.open()
        except Exception as error:
            # Refused, timed out, unknown host, TLS or login refused: it is the
            # server (or our settings), not the message.
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.close()
            raise MailServerUnavailable(f"{type(error).__name__}: {error}") from error
        return connection

    def reset(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.close()
        except Exception:
            logger.debug("Closing the email connection failed.", exc_info=True)
        self.connection = None


def _kick(pk: int) -> None:
    try:
        # Found by name in Celery's registry (NotificationsConfig.ready() loads
        # tasks.py): the tasks call this module, and it need not know them.
        deliver_email = current_app.tasks[DELIVER_TASK]
        # One publish attempt: while the broker is down a request must not wait on
        # it, and a missed kick only delays the email to the next beat sweep (a
        # minute); the row is already committed. With max_retries=0 kombu gives up
        # at the first connection error (at once when refused, after the broker's
        # socket_connect_timeout when unreachable); retry=False would skip kombu's
        # retry loop but leave redis-py's own reconnect backoff (about 6 s).
        deliver_email.apply_async((pk,), retry_policy=KICK_RETRY_POLICY)
    except Exception as error:
        # Whatever the broker client raises (kombu, redis-py, socket errors), or no
        # task registered by that name: the caller's transaction has committed and
        # its request must go on.
        logger.warning(
            "Could not queue delivery of outbound email %s (%s: %s); the beat "
            "sweep will send it.",
            pk,
            type(error).__name__,
            error,
        )
