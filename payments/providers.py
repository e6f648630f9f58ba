"""The two ways of taking money: Stripe, and the built-in test provider.

With STRIPE_SECRET_KEY set, new checkouts go to Stripe-hosted Checkout through
Stripe's official SDK (no card data ever reaches the site). Without it (a fresh
`make run`, the tests, CI) they go to the built-in test provider: a page that says
"Test payment — no money moves", whose buttons build the events Stripe would send,
sign them the way Stripe signs them and hand them to the same webhook handler.

A checkout and its payment remember which provider took them, so a payment taken
by the test provider is refunded by the test provider even after keys are set.
"""

import functools
import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any, Protocol

import stripe
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from core.links import absolute_url

from .models import Checkout, LedgerEntry, Provider

logger = logging.getLogger(__name__)


class ProviderError(Exception):
    """The payment provider could not do it; the message is for the person."""


@dataclass(frozen=True)
class Session:
    session_id: str
    url: str


class PaymentProvider(Protocol):
    name: str

    def create_session(self, checkout: Checkout) -> Session: ...

    def expire_session(self, checkout: Checkout) -> None: ...

    def refund(
        self, payment: LedgerEntry, *, amount_pence: int, idempotency_key: str
    ) -> str: ...

    def webhook_secret(self) -> str: ...


def current() -> PaymentProvider:
    """The provider new checkouts use."""
    return get(Provider.STRIPE if settings.STRIPE_SECRET_KEY else Provider.TEST)


def get(name: str) -> PaymentProvider:
    if name == Provider.STRIPE:
        return StripeProvider()
    if name == Provider.TEST:
        return TestProvider()
    raise ProviderError(f"There is no payment provider called {name!r}.")


def is_test_mode() -> bool:
    return not settings.STRIPE_SECRET_KEY


# --- Stripe ---------------------------------------------------------------------


@functools.cache
def _stripe_client(key: str, api_base: str, retries: int, timeout: int):
    # One client (and its connection pool) per configuration.
    return stripe.StripeClient(
        key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def stripe_client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise ProviderError(
            "Card payments through Stripe are not set up on this site (no "
            "STRIPE_SECRET_KEY)."
        )
    return _stripe_client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_MAX_NETWORK_RETRIES,
        settings.STRIPE_TIMEOUT_SECONDS,
    )


def _unavailable(error: stripe.StripeError, doing: str) -> ProviderError:
    # Stripe's message can name our account's settings: it goes to the log only.
    logger.warning("stripe: %s failed: %s", doing, error.__class__.__name__)
    return ProviderError(
        "We could not reach our card payment provider just now. Nothing was "
        "charged or changed; please try again in a few minutes."
    )


class StripeProvider:
    name = Provider.STRIPE

    def create_session(self, checkout: Checkout) -> Session:
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "gbp",
                        "unit_amount": checkout.amount_pence,
                        "product_data": {"name": checkout.description},
                    },
                }
            ],
            "client_reference_id": checkout.reference,
            "metadata": _metadata(checkout),
            "payment_intent_data": {"metadata": _metadata(checkout)},
            "success_url": absolute_url(checkout.success_url),
            "cancel_url": absolute_url(checkout.cancel_url),
            "expires_at": int(checkout.expires_at.timestamp()),
        }
        if checkout.payer_email:
            params["customer_email"] = checkout.payer_email
        try:
            session = stripe_client().v1.checkout.sessions.create(
                params=params,
                options={"idempotency_key": f"checkout-{checkout.pk}"},
            )
        except stripe.StripeError as error:
            raise _unavailable(error, f"checkout {checkout.pk}") from error
        return Session(session_id=session.id, url=session.url or "")

    def expire_session(self, checkout: Checkout) -> None:
        try:
            stripe_client().v1.checkout.sessions.expire(checkout.session_id)
        except stripe.StripeError as error:
            # Already paid or expired at Stripe: its own webhook tells us which.
            logger.info(
                "stripe: expiring checkout %s: %s",
                checkout.pk,
                error.__class__.__name__,
            )

    def refund(
        self, payment: LedgerEntry, *, amount_pence: int, idempotency_key: str
    ) -> str:
        try:
            refund = stripe_client().v1.refunds.create(
                params={
                    "payment_intent": payment.provider_reference,
                    "amount": amount_pence,
                    "metadata": {"reference": payment.reference},
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise _unavailable(error, f"refund of ledger entry {payment.pk}") from error
        if refund.status in {"failed", "canceled"}:
            raise ProviderError("The card payment provider refused the refund.")
        return refund.id

    def webhook_secret(self) -> str:
        return settings.STRIPE_WEBHOOK_SECRET


def _metadata(checkout: Checkout) -> dict[str, str]:
    return {
        "checkout": str(checkout.pk),
        "reference": checkout.reference,
        "purpose": checkout.purpose,
    }


# --- the built-in test provider -------------------------------------------------


class TestProvider:
    """Stripe's part, played by the site itself: ids shaped like Stripe's, events
    shaped like Stripe's, signed with Stripe's scheme, handled by the same code."""

    name = Provider.TEST
    __test__ = False  # not a pytest test class

    def create_session(self, checkout: Checkout) -> Session:
        session_id = f"cs_test_{secrets.token_urlsafe(24)}"
        path = reverse("payments:test-checkout", kwargs={"session_id": session_id})
        return Session(session_id=session_id, url=path)

    def expire_session(self, checkout: Checkout) -> None:
        # Stripe announces an expired session with a webhook; so does this.
        transaction.on_commit(
            lambda: deliver(session_event("checkout.session.expired", checkout))
        )

    def refund(
        self, payment: LedgerEntry, *, amount_pence: int, idempotency_key: str
    ) -> str:
        payment_pk = payment.pk
        # After the refund is recorded, the charge.refunded event Stripe would send.
        transaction.on_commit(lambda: deliver(charge_refunded_event(payment_pk)))
        return f"re_test_{secrets.token_urlsafe(18)}"

    def webhook_secret(self) -> str:
        return test_webhook_secret()


def test_webhook_secret() -> str:
    """The test provider's signing secret, derived from SECRET_KEY: nobody outside
    can sign an event the test provider would accept."""
    import hashlib
    import hmac

    digest = hmac.new(
        settings.SECRET_KEY.encode(), b"payments-test-provider", hashlib.sha256
    ).hexdigest()
    return f"whsec_test_{digest}"


test_webhook_secret.__test__ = False  # type: ignore[attr-defined]


def _event(event_type: str, obj: dict) -> dict:
    return {
        "id": f"evt_test_{secrets.token_urlsafe(18)}",
        "object": "event",
        "api_version": "test-provider",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
    }


def session_event(
    event_type: str,
    checkout: Checkout,
    *,
    payment_intent: str | None = None,
    name: str = "",
) -> dict:
    """checkout.session.completed or .expired for a test checkout."""
    completed = event_type == "checkout.session.completed"
    return _event(
        event_type,
        {
            "id": checkout.session_id,
            "object": "checkout.session",
            "amount_total": checkout.amount_pence,
            "currency": "gbp",
            "client_reference_id": checkout.reference,
            "customer_details": {"email": checkout.payer_email, "name": name},
            "metadata": _metadata(checkout),
            "payment_intent": payment_intent,
            "payment_status": "paid" if completed else "unpaid",
            "status": "complete" if completed else "expired",
        },
    )


def payment_failed_event(checkout: Checkout, *, message: str) -> dict:
    return _event(
        "payment_intent.payment_failed",
        {
            "id": f"pi_test_{secrets.token_urlsafe(18)}",
            "object": "payment_intent",
            "amount": checkout.amount_pence,
            "currency": "gbp",
            "metadata": _metadata(checkout),
            "last_payment_error": {"message": message, "code": "card_declined"},
            "status": "requires_payment_method",
        },
    )


def charge_refunded_event(payment_pk: int) -> dict:
    payment = LedgerEntry.objects.get(pk=payment_pk)
    return _event(
        "charge.refunded",
        {
            "id": f"ch_test_{payment.pk}",
            "object": "charge",
            "amount": payment.amount_pence,
            "amount_refunded": payment.refunded_pence,
            "currency": "gbp",
            "payment_intent": payment.provider_reference,
            "refunded": payment.refunded_pence == payment.amount_pence,
        },
    )


def sign(payload: str, secret: str) -> str:
    """The Stripe-Signature header for `payload`, by the SDK's own scheme."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret)


def deliver(event: dict) -> None:
    """Sign a test provider event and hand it to the webhook handler, as Stripe
    would deliver it to /payments/stripe/webhook/."""
    from .webhooks import handle_signed

    payload = json.dumps(event)
    handle_signed(
        payload=payload.encode(),
        signature=sign(payload, test_webhook_secret()),
        provider=Provider.TEST,
    )
