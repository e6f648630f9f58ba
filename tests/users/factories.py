"""Test data for the users app: people with a verified address, staff."""

import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value

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

    @factory.post_generation
    def two_factor(self, create, extracted, **kwargs):
        """Staff have an authenticator app, as the site requires of them
        (`two_factor=False`: not yet); its secret is kept as `totp_secret`."""
        self.totp_secret = None
        if not create or extracted is False:
            return
        if extracted or self.is_staff or self.is_superuser:
            self.totp_secret = generate_totp_secret()
            TOTP.activate(self, self.totp_secret)


def totp_code(user, step: int = 0) -> str:
    """What the person's authenticator app shows now (`step` periods later)."""
    return f"{hotp_value(user.totp_secret, int(time.time()) // 30 + step):06d}"


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True
