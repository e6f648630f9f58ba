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


# --- directory ---------------------------------------------------------------
import datetime as _dt  # noqa: E402

from django.utils import timezone as _tz  # noqa: E402

from directory.models import (  # noqa: E402
    Location,
    Place,
    Practitioner,
    Qualification,
    Technique,
)


class TechniqueFactory(factory.django.DjangoModelFactory):
    """Returns the seeded technique when the slug exists (the migration adds ten)."""

    class Meta:
        model = Technique
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"technique-{n}")
    # "deep-tissue" -> "Deep tissue": the same name the seeding migration gives it.
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())
    description = "A technique."


class PractitionerFactory(factory.django.DjangoModelFactory):
    """An approved, insured (so listed) practitioner."""

    class Meta:
        model = Practitioner
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("name", locale="en_GB")
    slug = factory.Sequence(lambda n: f"practitioner-{n}")
    headline = "Deep tissue and holistic massage"
    bio = "I have practised massage for ten years."
    status = Practitioner.Status.APPROVED
    insurance_expires_on = factory.LazyFunction(
        lambda: _tz.localdate() + _dt.timedelta(days=365)
    )
    time_zone = "Europe/London"
    price_from = 45
    price_to = 70
    languages = factory.LazyFunction(lambda: ["English"])

    @factory.post_generation
    def techniques(self, create, extracted, **kwargs):
        if create and extracted:
            self.techniques.add(*extracted)


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification

    practitioner = factory.SubFactory(PractitionerFactory)
    technique = factory.SubFactory(TechniqueFactory, slug="deep-tissue")
    source = Qualification.Source.STAFF


class LocationFactory(factory.django.DjangoModelFactory):
    """Brighton by default."""

    class Meta:
        model = Location

    practitioner = factory.SubFactory(PractitionerFactory)
    name = "Seafront Clinic"
    address = "12 Marine Parade"
    town = "Brighton"
    postcode = "BN2 1TL"
    latitude = 50.8197
    longitude = -0.1301


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place
        django_get_or_create = ("kind", "key")

    kind = Place.Kind.TOWN
    name = "Brighton"
    key = factory.LazyAttribute(lambda o: o.name.upper())
    county = "East Sussex"
    latitude = 50.8225
    longitude = -0.1372


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
