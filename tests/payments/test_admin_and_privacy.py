"""The payments admin (read only, refunds through the service), a booking's ledger
in the bookings admin, and payments in "Your data"."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from bookings import billing, services
from bookings.models import Service
from payments import privacy
from payments.models import LedgerEntry
from tests.bookings.factories import book, bookable_service
from tests.clock import future_day, london_at
from tests.payments.helpers import checkout_of, pay_on_test_provider
from tests.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def paid_booking():
    service = bookable_service()
    Service.objects.filter(pk=service.pk).update(payment_mode="full")
    service.refresh_from_db()
    client = UserFactory(email="pat@example.com", full_name="Pat Payer")
    booking = book(
        service, london_at(future_day(3), 10), user=client, email="pat@example.com"
    )
    services.start_payment(booking=booking)
    pay_on_test_provider(checkout_of(billing.reference(booking)), name="Pat Payer")
    return booking


@pytest.mark.parametrize("model", ["ledgerentry", "checkout", "webhookevent"])
def test_the_payments_admin_pages_render_and_nothing_is_added(
    staff_client, paid_booking, model
):
    listing = staff_client.get(reverse(f"admin:payments_{model}_changelist"))
    assert listing.status_code == 200
    add = reverse(f"admin:payments_{model}_add")
    assert add not in listing.content.decode()
    assert staff_client.get(add).status_code == 403


def test_a_ledger_row_cannot_be_edited_or_deleted_in_the_admin(
    staff_client, paid_booking
):
    payment = LedgerEntry.objects.get()
    change = reverse("admin:payments_ledgerentry_change", args=[payment.pk])
    response = staff_client.post(change, {"amount_pence": 1})
    payment.refresh_from_db()
    assert payment.amount_pence == 5500
    delete = reverse("admin:payments_ledgerentry_delete", args=[payment.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert response.status_code in {200, 403}
    assert LedgerEntry.objects.count() == 1


def test_staff_refund_a_payment_from_the_ledger_with_a_reason(
    staff_client, paid_booking
):
    payment = LedgerEntry.objects.get()
    changelist = reverse("admin:payments_ledgerentry_changelist")
    data = {"action": "refund_payments", ACTION_CHECKBOX_NAME: [payment.pk]}
    page = staff_client.post(changelist, data)
    assert "Refund these?" in page.content.decode()
    assert not LedgerEntry.objects.filter(kind="refund").exists()

    staff_client.post(
        changelist,
        {**data, "apply": "1", "amount": "10.50", "reason": "Ran short."},
        follow=True,
    )
    refund = LedgerEntry.objects.get(kind="refund")
    assert refund.amount_pence == 1050 and refund.note == "Ran short."
    assert refund.recorded_by.is_staff

    response = staff_client.post(
        changelist,
        {**data, "apply": "1", "amount": "50", "reason": "Again."},
        follow=True,
    )
    assert "At most £44.50" in response.content.decode()
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_the_booking_admin_shows_its_ledger_and_refunds_it(staff_client, paid_booking):
    page = staff_client.get(
        reverse("admin:bookings_booking_change", args=[paid_booking.pk])
    ).content.decode()
    assert "Card payment" in page and "£55" in page
    staff_client.post(
        reverse("admin:bookings_booking_changelist"),
        {
            "action": "refund",
            ACTION_CHECKBOX_NAME: [paid_booking.pk],
            "apply": "1",
            "amount": "",
            "reason": "Goodwill.",
        },
    )
    assert LedgerEntry.objects.get(kind="payment").refunded_pence == 5500


def test_someone_without_staff_access_gets_no_ledger(client, paid_booking):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:payments_ledgerentry_changelist"))
    assert response.status_code == 302


def test_your_data_lists_payments_and_deletion_keeps_the_rows_without_the_person(
    paid_booking,
):
    user = paid_booking.client
    exported = privacy.export(user)["payments"]
    assert [row["amount"] for row in exported] == ["£55"]
    assert exported[0]["receipt"].startswith("RCT-")
    assert privacy.export(UserFactory())["payments"] == []

    privacy.erase(user)
    payment = LedgerEntry.objects.get()
    assert payment.payer is None and payment.payer_email == ""
    assert payment.payer_name == privacy.DELETED_NAME
    assert payment.amount_pence == 5500


def test_deletion_scrubs_the_receipts_about_their_payments(paid_booking):
    """Even one sent to the address typed on the card page, not the account's."""
    from notifications import outbox
    from notifications.models import OutboundEmail

    outbox.deliver_due()
    receipt = OutboundEmail.objects.get(kind="payment.receipt")
    assert receipt.status == "sent"
    LedgerEntry.objects.update(payer_email="pat.card@example.com")
    OutboundEmail.objects.filter(pk=receipt.pk).update(to="pat.card@example.com")
    untouched = OutboundEmail.objects.exclude(related_key=receipt.related_key).exclude(
        to__iexact="pat@example.com"
    )
    before = {row.pk: row.subject for row in untouched}

    privacy.erase(paid_booking.client)
    receipt.refresh_from_db()
    assert receipt.subject == outbox.SCRUBBED_SUBJECT
    assert receipt.to == outbox.SCRUBBED_TO
    assert receipt.text_body == receipt.html_body == ""
    assert receipt.kind == "payment.receipt" and receipt.status == "sent"
    assert {row.pk: row.subject for row in untouched.all()} == before
