"""Test data for the directory: techniques, listed practitioners, their places."""

from datetime import timedelta

import factory
from django.utils import timezone
from django.utils.text import slugify

from directory.models import (
    Location,
    Place,
    Practitioner,
    Qualification,
    Technique,
)
from directory.names import place_key
from tests.users.factories import UserFactory


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
        lambda: timezone.localdate() + timedelta(days=365)
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
        django_get_or_create = ("kind", "ref")

    kind = Place.Kind.TOWN
    name = "Brighton"
    key = factory.LazyAttribute(
        lambda o: place_key(o.name) if o.kind == Place.Kind.TOWN else o.name.upper()
    )
    ref = factory.LazyAttribute(
        lambda o: f"test:{o.key}" if o.kind == Place.Kind.TOWN else o.key
    )
    slug = factory.LazyAttribute(
        lambda o: slugify(o.name) if o.kind == Place.Kind.TOWN else ""
    )
    county = "East Sussex"
    latitude = 50.8225
    longitude = -0.1372
