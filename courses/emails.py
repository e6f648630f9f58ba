"""The emails courses send: one function per event.

Services call these inside the same transaction as the change they announce, so an
email exists exactly when its change was committed. Each will hand its message to the
notifications outbox; until then each logs one line (ids only: no names, addresses or
questionnaire answers in logs).
"""

import logging

from .models import Enrolment, WaitingListEntry

logger = logging.getLogger(__name__)


def _log(kind: str, pk: int, event: str) -> None:
    logger.info("%s %s: %s", kind, pk, event)


def enrolment_received(enrolment: Enrolment) -> None:
    """A place is reserved: what happens next and how to pay the deposit
    (`enrolment.deposit_instructions`), by `enrolment.reserved_until`."""
    _log("enrolment", enrolment.pk, "enrolment_received")


def enrolment_confirmed(enrolment: Enrolment) -> None:
    """Staff recorded the deposit: the place is confirmed; venue, dates, balance."""
    _log("enrolment", enrolment.pk, "enrolment_confirmed")


def enrolment_cancelled(enrolment: Enrolment) -> None:
    """The enrolment is cancelled; `enrolment.cancel_reason` says why (the student,
    staff, an unpaid deposit, or the course date was cancelled)."""
    _log("enrolment", enrolment.pk, "enrolment_cancelled")


def waiting_list_offer(entry: WaitingListEntry) -> None:
    """A place came up: it is held for this student until `entry.offer_expires_at`;
    a link to the course date page to enrol."""
    _log("waiting-list entry", entry.pk, "waiting_list_offer")


def waiting_list_offer_expired(entry: WaitingListEntry) -> None:
    """The offer lapsed and the place went to the next in line."""
    _log("waiting-list entry", entry.pk, "waiting_list_offer_expired")


def course_starts_soon(enrolment: Enrolment) -> None:
    """A reminder about a week before the start: venue, dates, schedule, balance."""
    _log("enrolment", enrolment.pk, "course_starts_soon")
