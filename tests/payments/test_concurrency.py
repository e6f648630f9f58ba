"""Deliveries that race: real threads, each with its own connection, released
together (tests/conftest.py: run_together)."""

import pytest

from payments import services, webhooks
from payments.models import LedgerEntry, WebhookEvent
from tests.payments import helpers

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_deliveries_of_the_same_event_at_once_make_one_payment(
    run_together, open_checkout, domain
):
    checkout = open_checkout()
    event = helpers.completed(checkout, intent="pi_race")
    results = run_together(
        *[lambda: webhooks.process(event, provider="test") for _ in range(2)]
    )
    assert not any(isinstance(result, Exception) for result in results), results
    assert sum(result is None for result in results) == 1  # the repeat
    assert LedgerEntry.objects.count() == 1
    assert WebhookEvent.objects.count() == 1
    assert len(domain.calls) == 1


def test_two_events_for_the_same_session_at_once_make_one_payment(
    run_together, open_checkout, domain
):
    checkout = open_checkout()
    events = [helpers.completed(checkout, intent="pi_race") for _ in range(4)]
    results = run_together(
        *[lambda e=e: webhooks.process(e, provider="test") for e in events]
    )
    assert not any(isinstance(result, Exception) for result in results), results
    assert LedgerEntry.objects.count() == 1
    assert WebhookEvent.objects.count() == 4
    assert len(domain.calls) == 1


def test_two_refunds_at_once_never_refund_more_than_was_paid(
    run_together, open_checkout, domain
):
    checkout = open_checkout()
    webhooks.process(helpers.completed(checkout, intent="pi_r"), provider="test")
    payment = LedgerEntry.objects.get()
    results = run_together(
        *[lambda: services.refund(payment=payment, amount_pence=3000) for _ in range(3)]
    )
    assert sum(isinstance(result, services.PaymentError) for result in results) == 2
    payment.refresh_from_db()
    assert payment.refunded_pence == 3000
