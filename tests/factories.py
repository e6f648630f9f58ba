from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from notifications.models import OutboundEmail
from users.models import User

TEST_PASSWORD = "a-long-test-passphrase"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Users have a verified primary address unless `verified=False`."""
        if not create:
            return
        EmailAddress.objects.create(
            user=self, email=self.email, primary=True, verified=extracted is not False
        )


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


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
