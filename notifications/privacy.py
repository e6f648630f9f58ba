"""Emails to a person in their data download, and what deletion does to them.

See `users.privacy` for how these are called. Emails count as someone's when they
went to one of their *verified* addresses.
"""

import operator
from functools import reduce

from django.db.models import Q, QuerySet

from users.models import User
from users.privacy import isoformat, verified_addresses

from . import outbox
from .models import OutboundEmail

Status = OutboundEmail.Status
# Kept rows lose their address and bodies; `.invalid` never receives mail.
REDACTED_TO = outbox.SCRUBBED_TO


def _addressed_to(addresses: list[str]) -> QuerySet[OutboundEmail]:
    if not addresses:
        return OutboundEmail.objects.none()
    return OutboundEmail.objects.filter(
        reduce(operator.or_, (Q(to__iexact=address) for address in addresses))
    )


def export(user: User) -> dict:
    emails = _addressed_to(verified_addresses(user)).order_by("created_at", "pk")
    return {
        "emails_to_you": [
            {
                "subject": email.subject,
                "to": email.to,
                "status": email.get_status_display(),
                "sent": isoformat(email.sent_at),
                "queued": isoformat(email.created_at),
            }
            for email in emails.only("subject", "to", "status", "sent_at", "created_at")
        ]
    }


def erase(user: User) -> None:
    """Cancel what has not gone out to them (reminders, and the notices the other
    apps' erase just queued for them), then strip the address, subject and bodies
    from the record of what did. A row a worker is sending right now goes out as
    it is. (The apps' own erase scrubs the emails *about* the person that went to
    someone else, by their related keys.)"""
    addresses = verified_addresses(user)
    _addressed_to(addresses).filter(status__in=[Status.PENDING, Status.FAILED]).update(
        status=Status.CANCELLED
    )
    outbox.scrub(addresses=addresses)
