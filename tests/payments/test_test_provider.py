"""The built-in test provider (no Stripe keys): the same rows and the same webhook
handler as Stripe, reached with events signed by Stripe's scheme."""

import json

import pytest

from notifications.models import OutboundEmail
from payments import providers, services, webhooks
from payments.models import Checkout, LedgerEntry, WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""


def page(checkout) -> str:
    return f"/payments/test-checkout/{checkout.session_id}/"


def test_without_keys_checkouts_go_to_the_clearly_labelled_test_page(
    client, open_checkout
):
    checkout = open_checkout()
    assert checkout.provider == "test"
    assert checkout.url == page(checkout)
    html = client.get(checkout.url).content.decode()
    assert "Test payment — no money moves" in html
    for button in ["Pay £45", "Decline", "Abandon"]:
        assert button in html


def test_pay_records_the_payment_through_the_webhook_handler_and_returns(
    client, open_checkout, domain, django_capture_on_commit_callbacks
):
    checkout = open_checkout()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page(checkout), {"action": "pay", "name": "Pat Payer"})

    assert response.status_code == 302 and response.url == "/done/"
    payment = LedgerEntry.objects.get()
    assert (payment.provider, payment.kind, payment.amount_pence) == (
        "test",
        "payment",
        4500,
    )
    assert payment.provider_reference.startswith("pi_test_")
    assert payment.payer_name == "Pat Payer"
    event = WebhookEvent.objects.get()
    assert (event.type, event.provider, event.status) == (
        "checkout.session.completed",
        "test",
        "processed",
    )
    assert domain.calls == [("received", payment.pk)]
    assert OutboundEmail.objects.filter(kind="payment.receipt").count() == 1


def test_paying_twice_on_the_test_page_is_one_payment(client, open_checkout, domain):
    checkout = open_checkout()
    client.post(page(checkout), {"action": "pay"})
    second = client.post(page(checkout), {"action": "pay"})
    assert second.status_code == 200  # the page now says it is paid
    assert "This checkout is paid" in second.content.decode()
    assert LedgerEntry.objects.count() == 1 and len(domain.calls) == 1


def test_decline_keeps_the_checkout_open_with_the_reason(client, open_checkout, domain):
    checkout = open_checkout()
    response = client.post(page(checkout), {"action": "decline"}, follow=True)
    assert "Your card was declined" in response.content.decode()
    checkout.refresh_from_db()
    assert checkout.status == "open" and "declined" in checkout.last_failure
    assert not LedgerEntry.objects.exists()
    assert domain.calls[0][0] == "failed"


def test_abandon_expires_the_checkout_and_goes_back(client, open_checkout, domain):
    checkout = open_checkout()
    response = client.post(page(checkout), {"action": "abandon"})
    assert response.url == "/back/"
    checkout.refresh_from_db()
    assert checkout.status == "expired"
    assert domain.calls == [("expired", checkout.pk)]
    assert client.post(page(checkout), {"action": "pay"}).status_code == 200
    assert not LedgerEntry.objects.exists()


def test_an_unknown_session_is_404(client):
    assert client.get("/payments/test-checkout/cs_test_nope/").status_code == 404
    unknown = "/payments/test-checkout/cs_test_nobodyknowsthisone/"
    assert client.get(unknown).status_code == 404
    assert client.post(unknown, {"action": "pay"}).status_code == 404


@pytest.mark.parametrize(
    "suffix", ["%00/", "%00", "/../receipts/x/", "%0A/", "%E2%80%AE/"]
)
def test_a_hostile_session_id_or_receipt_token_is_404(client, open_checkout, suffix):
    checkout = open_checkout()
    base = page(checkout).rstrip("/")
    assert client.get(base + suffix).status_code == 404
    assert client.get(f"/payments/receipts/{'A' * 32}{suffix}").status_code == 404


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Pat\nView your receipt: https://evil.example/", "one line"),
        ("Pat\x00Payer", "Null characters are not allowed"),
        ("Pat\u202ePayer", "invisible control character"),
        ("P" * 151, "150 characters or fewer (it has 151)."),
    ],
)
def test_a_name_that_is_not_one_line_pays_nothing_and_says_why(
    client, open_checkout, domain, name, message
):
    checkout = open_checkout()
    response = client.post(page(checkout), {"action": "pay", "name": name})
    assert response.status_code == 200
    assert message in response.content.decode()
    checkout.refresh_from_db()
    assert checkout.status == "open"
    assert not LedgerEntry.objects.exists() and not WebhookEvent.objects.exists()
    assert domain.calls == []


def test_an_unknown_button_pays_nothing(client, open_checkout, domain):
    checkout = open_checkout()
    response = client.post(page(checkout), {"action": "refund-me", "name": "Pat"})
    assert response.status_code == 200
    assert "Choose one of the buttons" in response.content.decode()
    assert not LedgerEntry.objects.exists() and domain.calls == []


def test_a_test_refund_records_the_refund_and_its_event_adds_nothing(
    client, open_checkout, domain, django_capture_on_commit_callbacks
):
    checkout = open_checkout()
    client.post(page(checkout), {"action": "pay"})
    payment = LedgerEntry.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        refund = services.refund(payment=payment, amount_pence=4500, reason="Sorry.")
    assert refund.provider == "test" and refund.provider_reference.startswith(
        "re_test_"
    )
    refunded = WebhookEvent.objects.get(type="charge.refunded")
    assert refunded.status == "ignored"  # already on the ledger
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_the_test_providers_events_need_its_own_signature():
    event = {"id": "evt_x", "type": "customer.created", "data": {"object": {}}}
    payload = json.dumps(event)
    with pytest.raises(webhooks.BadWebhook):
        webhooks.handle_signed(
            payload=payload.encode(),
            signature=providers.sign(payload, "whsec_guessed"),
            provider="test",
        )
    assert webhooks.handle_signed(
        payload=payload.encode(),
        signature=providers.sign(payload, providers.test_webhook_secret()),
        provider="test",
    )


def test_the_stripe_endpoint_refuses_the_test_providers_events(client):
    payload = json.dumps({"id": "evt_x", "type": "t", "data": {"object": {}}})
    response = client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={
            "Stripe-Signature": providers.sign(payload, providers.test_webhook_secret())
        },
    )
    assert response.status_code == 400


def test_the_receipt_shows_the_payment_the_refunds_and_what_it_was_for(
    client, open_checkout, domain
):
    checkout = open_checkout()
    client.post(page(checkout), {"action": "pay"})
    payment = LedgerEntry.objects.get()
    html = client.get(payment.get_receipt_url()).content.decode()
    for text in [
        payment.receipt_number,
        "Hot stone massage (90 minutes)",
        "Ada Hughes",
        "Diploma in Holistic Massage",
        "Friday 12 March 2027, 10:00 GMT",
        "£45",
        payment.provider_reference,
        "no money moved",
    ]:
        assert text in html, text

    services.refund(payment=payment, amount_pence=1500)
    html = client.get(payment.get_receipt_url()).content.decode()
    assert "Refunded £15 of £45" in html


def test_a_wrong_receipt_token_is_404_and_a_refund_has_no_receipt_of_its_own(
    client, open_checkout, domain
):
    checkout = open_checkout()
    client.post(page(checkout), {"action": "pay"})
    payment = LedgerEntry.objects.get()
    refund = services.refund(payment=payment, amount_pence=100)
    assert client.get("/payments/receipts/not-a-token/").status_code == 404
    assert client.get(f"/payments/receipts/{refund.receipt_token}/").status_code == 404
    assert refund.get_receipt_url() == payment.get_receipt_url()


def test_a_checkout_opened_without_keys_is_refunded_by_the_test_provider_later(
    client, open_checkout, stripe_server, settings
):
    settings.STRIPE_SECRET_KEY = ""
    checkout = open_checkout()
    client.post(page(checkout), {"action": "pay"})
    settings.STRIPE_SECRET_KEY = "sk_test_local_server"  # keys set afterwards
    payment = LedgerEntry.objects.get()
    services.refund(payment=payment, amount_pence=4500)
    assert stripe_server.requests == []
    assert Checkout.objects.get().provider == "test"
