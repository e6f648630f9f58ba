"""Payments in a person's data download, and what deleting their account does.

Ledger rows are the school's accounts and are kept (HMRC asks for six years), but
without the person: the name and email on their rows are scrubbed and the link to
the account goes. See `users.privacy` for how these are called.
"""

from django.db.models import Q

from notifications import outbox
from users.models import User
from users.privacy import isoformat

from .models import Checkout, LedgerEntry
from .money import format_pence

DELETED_NAME = "Deleted account"


def _theirs(user: User):
    # Their account's payments, and guest payments made with its address.
    return Q(payer=user) | Q(payer_email__iexact=user.email)


def export(user: User) -> dict:
    rows = LedgerEntry.objects.filter(_theirs(user)).order_by("created_at", "pk")
    return {
        "payments": [
            {
                "what": entry.get_kind_display(),
                "for": entry.description or entry.reference,
                "amount": format_pence(entry.amount_pence),
                "method": entry.get_method_display(),
                "payment_reference": entry.provider_reference,
                "recorded_at": isoformat(entry.created_at),
                "receipt": entry.receipt_number if entry.is_money_in else "",
            }
            for entry in rows
        ]
    }


def erase(user: User) -> None:
    theirs = LedgerEntry.objects.filter(_theirs(user))
    rows = list(theirs.values_list("pk", "payer_email"))
    theirs.update(payer=None, payer_name=DELETED_NAME, payer_email="")
    Checkout.objects.filter(Q(payer=user) | Q(payer_email__iexact=user.email)).update(
        payer=None, payer_email=""
    )
    # The receipts and refund notices about their payments (whoever they went to,
    # and the addresses they gave when paying) keep only the fact they were sent.
    outbox.scrub(
        related_keys=[f"ledger:{pk}" for pk, _ in rows],
        addresses=[address for _, address in rows],
    )
