"""Building, signing and posting the events Stripe sends, for the tests."""

import json
import secrets
import time

import stripe

WEBHOOK_SECRET = "whsec_local_test_secret"


def event(event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{secrets.token_hex(8)}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
    }


def completed(checkout, *, intent: str = "pi_local_1", amount: int | None = None, **kw):
    """checkout.session.completed for a checkout opened on the local Stripe."""
    return event(
        "checkout.session.completed",
        {
            "id": checkout.session_id,
            "object": "checkout.session",
            "amount_total": checkout.amount_pence if amount is None else amount,
            "currency": "gbp",
            "client_reference_id": checkout.reference,
            "customer_details": {"email": checkout.payer_email, "name": "Pat Payer"},
            "metadata": {"checkout": str(checkout.pk)},
            "payment_intent": intent,
            "payment_status": "paid",
            "status": "complete",
        },
        **kw,
    )


def expired(checkout, **kw):
    return event(
        "checkout.session.expired",
        {"id": checkout.session_id, "object": "checkout.session", "status": "expired"},
        **kw,
    )


def charge_refunded(intent: str, *, amount: int, refunded: int, **kw):
    return event(
        "charge.refunded",
        {
            "id": f"ch_for_{intent}",
            "object": "charge",
            "amount": amount,
            "amount_refunded": refunded,
            "payment_intent": intent,
        },
        **kw,
    )


def signed(payload: str, secret: str = WEBHOOK_SECRET, timestamp=None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=timestamp
    )


def post(client, body: dict | str, *, secret: str = WEBHOOK_SECRET, header=None):
    """POST an event to the Stripe webhook as Stripe does."""
    payload = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": header or signed(payload, secret)},
    )


def pay_on_test_provider(checkout, name: str = "") -> None:
    """What the test provider's Pay button does: a signed checkout.session.completed
    for `checkout`, handed to the webhook handler."""
    from payments import providers

    providers.deliver(
        providers.session_event(
            "checkout.session.completed",
            checkout,
            payment_intent="pi_" + checkout.session_id.removeprefix("cs_"),
            name=name,
        )
    )


def checkout_of(reference: str):
    from payments.models import Checkout

    return Checkout.objects.filter(reference=reference).latest("created_at")
