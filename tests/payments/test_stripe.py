"""Stripe through its official SDK, against a local server that answers the Stripe
API endpoints the site uses, and webhooks signed with Stripe's own scheme."""

import json
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications.models import OutboundEmail
from payments import services, webhooks
from payments.models import Checkout, LedgerEntry, WebhookEvent
from payments.providers import ProviderError
from tests.payments import helpers

pytestmark = pytest.mark.django_db


def test_a_checkout_is_a_stripe_checkout_session_for_the_exact_amount(
    stripe_server, open_checkout
):
    checkout = open_checkout(amount=4550)

    [call] = stripe_server.calls("/v1/checkout/sessions")
    assert call.form["mode"] == "payment"
    assert call.form["line_items[0][price_data][unit_amount]"] == "4550"
    assert call.form["line_items[0][price_data][currency]"] == "gbp"
    assert call.form["client_reference_id"] == "thing:1"
    assert call.form["metadata[checkout]"] == str(checkout.pk)
    assert call.form["payment_intent_data[metadata][reference]"] == "thing:1"
    assert call.form["success_url"].endswith("/done/")
    assert call.form["customer_email"] == "pat@example.com"
    assert call.idempotency_key == f"checkout-{checkout.pk}"
    assert checkout.provider == "stripe"
    assert checkout.session_id.startswith("cs_test_local")
    assert checkout.url.startswith("https://checkout.stripe.com/")


def test_asking_twice_while_the_first_is_open_gives_the_same_checkout(
    stripe_server, open_checkout
):
    first, second = open_checkout(), open_checkout()
    assert first.pk == second.pk
    assert len(stripe_server.calls("/v1/checkout/sessions")) == 1


@pytest.mark.parametrize("amount", [0, -100])
def test_nothing_to_pay_never_calls_stripe(stripe_server, open_checkout, amount):
    with pytest.raises(ValueError):
        open_checkout(amount=amount)
    assert stripe_server.requests == []
    assert not Checkout.objects.exists()


@pytest.mark.parametrize("amount", [45.5, "4550", True])
def test_amounts_that_are_not_whole_pence_are_refused(
    stripe_server, open_checkout, amount
):
    with pytest.raises(TypeError):
        open_checkout(amount=amount)
    assert stripe_server.requests == []


def test_stripe_failing_changes_nothing_and_says_so(stripe_server, open_checkout):
    stripe_server.fail_next.append((500, "api_error"))
    with pytest.raises(ProviderError, match="could not reach"):
        open_checkout()
    assert not Checkout.objects.exists()


def test_a_signed_completed_session_records_one_payment_and_tells_its_domain(
    client, stripe_server, open_checkout, domain
):
    checkout = open_checkout()
    response = helpers.post(client, helpers.completed(checkout, intent="pi_1"))

    assert response.status_code == 200
    payment = LedgerEntry.objects.get()
    assert (payment.kind, payment.amount_pence, payment.provider_reference) == (
        "payment",
        4500,
        "pi_1",
    )
    assert payment.reference == "thing:1" and payment.checkout == checkout
    assert domain.calls == [("received", payment.pk)]
    checkout.refresh_from_db()
    assert checkout.status == "completed"
    receipt = OutboundEmail.objects.get(kind="payment.receipt")
    assert receipt.to == "pat@example.com"
    assert "£45" in receipt.subject and payment.receipt_number in receipt.text_body
    assert "Ada Hughes" in receipt.text_body and "pi_1" in receipt.text_body


def _nothing_recorded():
    return (
        not LedgerEntry.objects.exists()
        and not WebhookEvent.objects.exists()
        and Checkout.objects.filter(status="completed").count() == 0
    )


def test_a_tampered_body_is_400_and_changes_nothing(
    client, stripe_server, open_checkout
):
    checkout = open_checkout()
    payload = json.dumps(helpers.completed(checkout))
    header = helpers.signed(payload)
    tampered = payload.replace('"amount_total": 4500', '"amount_total": 1')
    assert tampered != payload
    response = helpers.post(client, tampered, header=header)
    assert response.status_code == 400
    assert _nothing_recorded()


@pytest.mark.parametrize(
    "header",
    [
        "",
        "t=1,v1=abc",
        "nonsense",
        "signed with another secret",
        "too old",
    ],
)
def test_wrongly_signed_events_are_400_and_change_nothing(
    client, stripe_server, open_checkout, header
):
    checkout = open_checkout()
    payload = json.dumps(helpers.completed(checkout))
    if header == "signed with another secret":
        header = helpers.signed(payload, secret="whsec_someone_else")
    elif header == "too old":
        header = helpers.signed(payload, timestamp=int(time.time()) - 3600)
    response = client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": header} if header else {},
    )
    assert response.status_code == 400
    assert _nothing_recorded()


def test_without_a_webhook_secret_every_event_is_refused(
    client, stripe_server, open_checkout, settings
):
    checkout = open_checkout()
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert helpers.post(client, helpers.completed(checkout)).status_code == 400
    assert _nothing_recorded()


@pytest.mark.parametrize("body", ["not json", "[]", '{"id": "evt_1"}', '{"id": 5}'])
def test_a_signed_body_that_is_not_an_event_is_400(client, stripe_server, body):
    assert helpers.post(client, body).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_signed_event_holding_a_nul_is_400_and_records_nothing(
    client, stripe_server, open_checkout
):
    checkout = open_checkout()
    event = helpers.completed(checkout)
    event["data"]["object"]["customer_details"]["name"] = "Pat\x00Payer"
    assert helpers.post(client, event).status_code == 400
    assert _nothing_recorded() and not WebhookEvent.objects.exists()


def test_a_card_holder_name_across_lines_is_recorded_on_one(
    client, stripe_server, open_checkout
):
    checkout = open_checkout()
    event = helpers.completed(checkout)
    event["data"]["object"]["customer_details"]["name"] = "Pat\r\nPayer\u202e\x07"
    assert helpers.post(client, event).status_code == 200
    assert LedgerEntry.objects.get().payer_name == "Pat Payer"


def test_the_webhook_only_takes_post(client, stripe_server):
    assert client.get("/payments/stripe/webhook/").status_code == 405


def test_a_replayed_event_has_no_second_effect(
    client, stripe_server, open_checkout, domain
):
    checkout = open_checkout()
    event = helpers.completed(checkout)
    assert helpers.post(client, event).status_code == 200
    assert helpers.post(client, event).status_code == 200
    assert LedgerEntry.objects.count() == 1
    assert WebhookEvent.objects.count() == 1
    assert len(domain.calls) == 1
    assert OutboundEmail.objects.filter(kind="payment.receipt").count() == 1


def test_the_same_session_in_two_events_is_one_payment(
    client, stripe_server, open_checkout, domain
):
    checkout = open_checkout()
    helpers.post(client, helpers.completed(checkout, intent="pi_1"))
    helpers.post(client, helpers.completed(checkout, intent="pi_1"))
    assert LedgerEntry.objects.count() == 1
    assert WebhookEvent.objects.get(status="ignored").note == (
        "This payment is already recorded."
    )
    assert len(domain.calls) == 1


def test_an_unknown_event_type_is_200_and_ignored(client, stripe_server):
    response = helpers.post(client, helpers.event("customer.created", {"id": "cus_1"}))
    assert response.status_code == 200
    assert WebhookEvent.objects.get().status == "ignored"
    assert not LedgerEntry.objects.exists()


def test_a_session_that_is_not_ours_is_ignored(client, stripe_server, open_checkout):
    checkout = open_checkout()
    checkout.session_id = "cs_someone_else"
    assert helpers.post(client, helpers.completed(checkout)).status_code == 200
    assert not LedgerEntry.objects.exists()


def test_a_refund_event_before_its_payment_waits_then_counts(
    client, stripe_server, open_checkout, domain
):
    checkout = open_checkout()
    refund = helpers.charge_refunded("pi_1", amount=4500, refunded=1500)
    assert helpers.post(client, refund).status_code == 200
    assert WebhookEvent.objects.get().status == "deferred"
    assert not LedgerEntry.objects.exists()

    helpers.post(client, helpers.completed(checkout, intent="pi_1"))

    payment = LedgerEntry.objects.get(kind="payment")
    [recorded] = payment.refunds.all()
    assert recorded.amount_pence == 1500
    assert payment.refunded_pence == 1500
    assert WebhookEvent.objects.get(event_id=refund["id"]).status == "processed"
    assert domain.calls == [("received", payment.pk), ("refunded", 1500)]


def test_a_refund_through_the_api_goes_to_stripe_once_and_the_webhook_adds_nothing(
    client, stripe_server, open_checkout, domain
):
    checkout = open_checkout()
    helpers.post(client, helpers.completed(checkout, intent="pi_1"))
    payment = LedgerEntry.objects.get()

    refund = services.refund(payment=payment, amount_pence=2000, reason="Goodwill.")

    [call] = stripe_server.calls("/v1/refunds")
    assert call.form["payment_intent"] == "pi_1" and call.form["amount"] == "2000"
    assert call.idempotency_key == f"refund-{payment.pk}-0-2000"
    assert refund.provider_reference.startswith("re_local")
    payment.refresh_from_db()
    assert payment.refunded_pence == 2000
    email = OutboundEmail.objects.get(kind="payment.refund")
    assert "Refund of £20" in email.subject and "Goodwill." in email.text_body

    helpers.post(client, helpers.charge_refunded("pi_1", amount=4500, refunded=2000))
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_a_refund_made_in_stripes_dashboard_is_recorded_from_its_webhook(
    client, stripe_server, open_checkout, domain
):
    checkout = open_checkout()
    helpers.post(client, helpers.completed(checkout, intent="pi_1"))
    helpers.post(client, helpers.charge_refunded("pi_1", amount=4500, refunded=4500))
    payment = LedgerEntry.objects.get(kind="payment")
    assert payment.refunded_pence == 4500
    assert stripe_server.calls("/v1/refunds") == []


def test_stripe_refusing_a_refund_records_nothing(client, stripe_server, open_checkout):
    checkout = open_checkout()
    helpers.post(client, helpers.completed(checkout, intent="pi_1"))
    payment = LedgerEntry.objects.get()
    stripe_server.fail_next.append((402, "invalid_request_error"))
    with pytest.raises(ProviderError):
        services.refund(payment=payment, amount_pence=100)
    payment.refresh_from_db()
    assert payment.refunded_pence == 0
    assert LedgerEntry.objects.count() == 1


def test_never_more_refunded_than_paid(client, stripe_server, open_checkout):
    checkout = open_checkout()
    helpers.post(client, helpers.completed(checkout, intent="pi_1"))
    payment = LedgerEntry.objects.get()
    services.refund(payment=payment, amount_pence=4000)
    with pytest.raises(services.PaymentError, match="At most £5"):
        services.refund(payment=payment, amount_pence=501)
    assert len(stripe_server.calls("/v1/refunds")) == 1


def test_a_domain_that_can_no_longer_take_the_money_gets_it_refunded_with_an_apology(
    client, stripe_server, open_checkout, domain
):
    checkout = open_checkout()
    domain.refuse = "The time you chose was taken while you were paying."
    helpers.post(client, helpers.completed(checkout, intent="pi_1"))

    payment = LedgerEntry.objects.get(kind="payment")
    assert payment.refunded_pence == 4500
    [call] = stripe_server.calls("/v1/refunds")
    assert call.form["amount"] == "4500"
    email = OutboundEmail.objects.get(kind="payment.returned")
    assert "We are sorry" in email.subject
    assert "taken while you were paying" in email.text_body
    assert not OutboundEmail.objects.filter(kind="payment.receipt").exists()


def test_an_expired_session_closes_the_checkout_and_tells_the_domain(
    client, stripe_server, open_checkout, domain
):
    checkout = open_checkout()
    helpers.post(client, helpers.expired(checkout))
    checkout.refresh_from_db()
    assert checkout.status == "expired"
    assert domain.calls == [("expired", checkout.pk)]


def test_expiring_a_checkout_expires_the_stripe_session(stripe_server, open_checkout):
    checkout = open_checkout()
    assert services.expire_checkouts(reference="thing:1") == 1
    [call] = stripe_server.calls("/v1/checkout/sessions/")
    assert call.path == f"/v1/checkout/sessions/{checkout.session_id}/expire"
    checkout.refresh_from_db()
    assert checkout.status == "expired"
    assert services.expire_checkouts(reference="thing:1") == 0


def test_a_declined_attempt_is_noted_and_the_checkout_stays_open(
    client, stripe_server, open_checkout, domain
):
    checkout = open_checkout()
    failed = helpers.event(
        "payment_intent.payment_failed",
        {
            "id": "pi_9",
            "object": "payment_intent",
            "metadata": {"checkout": str(checkout.pk)},
            "last_payment_error": {"message": "Your card has insufficient funds."},
        },
    )
    assert helpers.post(client, failed).status_code == 200
    checkout.refresh_from_db()
    assert checkout.status == "open"
    assert checkout.last_failure == "Your card has insufficient funds."
    assert domain.calls == [("failed", "Your card has insufficient funds.")]


def test_a_dispute_marks_the_payment_and_tells_staff(
    client, stripe_server, open_checkout, settings
):
    checkout = open_checkout()
    helpers.post(client, helpers.completed(checkout, intent="pi_1"))
    dispute = helpers.event(
        "charge.dispute.created",
        {
            "id": "dp_1",
            "object": "dispute",
            "payment_intent": "pi_1",
            "amount": 4500,
            "reason": "fraudulent",
        },
    )
    helpers.post(client, dispute)
    assert LedgerEntry.objects.get().disputed_at is not None
    email = OutboundEmail.objects.get(kind="payment.dispute")
    assert email.to == settings.CONTACT_EMAIL and "fraudulent" in email.text_body


def _locks_the_domain_first(domain, act) -> None:
    """Run `act` and check the lock order: the domain's lock() is asked for
    before any checkout or ledger row is locked (docs/architecture.md)."""
    domain.locks.clear()
    with CaptureQueriesContext(connection) as queries:
        marks: list[int] = []
        domain.on_lock = lambda: marks.append(len(queries.captured_queries))
        act()
    domain.on_lock = None
    assert domain.locks and set(domain.locks) == {"thing:1"}
    payment_locks = [
        index
        for index, query in enumerate(queries.captured_queries)
        if "FOR UPDATE" in query["sql"]
        and ('"payments_checkout"' in query["sql"] or "ledger" in query["sql"])
    ]
    assert payment_locks, "nothing of payments was locked"
    assert marks[0] <= payment_locks[0]


def test_every_event_and_refund_locks_the_domains_rows_before_its_own(
    stripe_server, open_checkout, domain
):
    checkout = open_checkout()
    failed = helpers.event(
        "payment_intent.payment_failed",
        {"id": "pi_1", "metadata": {"checkout": str(checkout.pk)}},
    )
    dispute = helpers.event(
        "charge.dispute.created", {"id": "dp_1", "payment_intent": "pi_1"}
    )
    for event in [
        failed,
        helpers.completed(checkout, intent="pi_1"),
        helpers.charge_refunded("pi_1", amount=4500, refunded=500),
        dispute,
    ]:
        _locks_the_domain_first(
            domain, lambda event=event: webhooks.process(event, provider="stripe")
        )
    payment = LedgerEntry.objects.get(kind="payment")
    _locks_the_domain_first(
        domain, lambda: services.refund(payment=payment, amount_pence=500)
    )
    _locks_the_domain_first(
        domain,
        lambda: services.refund_reference(reference="thing:1", amount_pence=500),
    )
    second = open_checkout(amount=1000)
    _locks_the_domain_first(
        domain,
        lambda: webhooks.process(helpers.expired(second), provider="stripe"),
    )
    _locks_the_domain_first(
        domain, lambda: services.expire_checkouts(reference="thing:1")
    )
    assert LedgerEntry.objects.get(kind="payment").refunded_pence == 1500


def test_the_ledger_refuses_more_refunds_than_the_payment_and_any_deletion(
    client, stripe_server, open_checkout
):
    checkout = open_checkout()
    helpers.post(client, helpers.completed(checkout, intent="pi_1"))
    payment = LedgerEntry.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            kind="refund",
            reference="thing:1",
            amount_pence=4501,
            provider="stripe",
            refund_of=payment,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            kind="payment", reference="thing:1", amount_pence=0, provider="manual"
        )
    with pytest.raises(Exception, match="never deleted"), transaction.atomic():
        LedgerEntry.objects.filter(pk=payment.pk).delete()
    with pytest.raises(Exception, match="never changes"), transaction.atomic():
        LedgerEntry.objects.filter(pk=payment.pk).update(amount_pence=1)
    payment.refresh_from_db()
    assert (payment.amount_pence, payment.refunded_pence) == (4500, 0)


def test_process_is_the_same_handler_for_every_provider(stripe_server, open_checkout):
    checkout = open_checkout()
    assert webhooks.process(helpers.completed(checkout), provider="stripe") is not None
    assert LedgerEntry.objects.count() == 1
