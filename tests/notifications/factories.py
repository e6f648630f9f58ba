"""Test data for the notifications app: outbox rows."""

from datetime import timedelta

import factory
from django.utils import timezone

from notifications.models import OutboundEmail


class OutboundEmailFactory(factory.django.DjangoModelFactory):
    """A pending email that is already due, as enqueue() would have written it."""

    class Meta:
        model = OutboundEmail

    to = factory.Sequence(lambda n: f"recipient{n}@example.com")
    subject = factory.Sequence(lambda n: f"Your appointment #{n}")
    text_body = "Hello,\n\nSee you soon.\n"
    html_body = "<p>Hello,</p><p>See you soon.</p>"
    dedup_key = factory.Sequence(lambda n: f"test:{n}")
    kind = "test.message"
    send_after = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))
