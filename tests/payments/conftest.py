from datetime import timedelta

import pytest
from django.utils import timezone

from payments import registry, services
from payments.registry import PaymentHandler, ReceiptDetails, Refused


class Recorder(PaymentHandler):
    """A domain for the tests: records every call; refuses when told to."""

    def __init__(self):
        self.calls: list[tuple[str, object]] = []
        self.refuse: str | None = None
        self.locks: list[str] = []  # references, in the order lock() was asked
        self.on_lock = None  # called at each lock(), when set

    def lock(self, reference):
        self.locks.append(reference)
        if self.on_lock is not None:
            self.on_lock()

    def payment_received(self, entry, *, now):
        self.calls.append(("received", entry.pk))
        return Refused(self.refuse) if self.refuse else None

    def checkout_expired(self, checkout, *, now):
        self.calls.append(("expired", checkout.pk))

    def payment_failed(self, checkout, *, message, now):
        self.calls.append(("failed", message))

    def refunded(self, refund, *, now):
        self.calls.append(("refunded", refund.amount_pence))

    def receipt(self, reference):
        return ReceiptDetails(
            title="Hot stone massage (90 minutes)",
            provider_name="Ada Hughes",
            provider_details=["Diploma in Holistic Massage"],
            lines=[("Date", "Friday 12 March 2027, 10:00 GMT")],
            customer_name="Pat Payer",
            back_url="/appointments/1/",
            back_label="Back to the appointment",
        )


@pytest.fixture
def domain():
    recorder = Recorder()
    registry.register("thing", recorder)
    yield recorder
    registry.unregister("thing")


@pytest.fixture
def open_checkout(domain):
    """A checkout of £45 for thing:1, opened with whatever provider is current."""

    def make(amount=4500, reference="thing:1", purpose="full", **kw):
        return services.start_checkout(
            reference=reference,
            purpose=purpose,
            description="Hot stone massage",
            amount_pence=amount,
            success_url="/done/",
            cancel_url="/back/",
            hold_until=timezone.now() + timedelta(minutes=15),
            payer_email="pat@example.com",
            **kw,
        )

    return make
