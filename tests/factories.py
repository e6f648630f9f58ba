import factory
from allauth.account.models import EmailAddress

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


# --- blog --------------------------------------------------------------------
from django.contrib.auth.models import Group  # noqa: E402

from blog.models import Disclaimer, Post, Tag, Video  # noqa: E402


class EditorFactory(UserFactory):
    """Staff in the Editors group (created by a blog migration), not a superuser."""

    is_staff = True

    @factory.post_generation
    def editors_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name="Editors"))


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tag-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())


class DisclaimerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disclaimer

    title = "Health disclaimer"
    body = "Massage is not a substitute for medical advice."


class PostFactory(factory.django.DjangoModelFactory):
    """A published post whose time has passed (so live)."""

    class Meta:
        model = Post
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    author = factory.SubFactory(StaffFactory)
    summary = "What this article is about."
    body = "An opening paragraph.\n\n## A heading\n\n- one\n- two\n"
    status = Post.Status.PUBLISHED
    publish_at = factory.LazyFunction(lambda: _tz.now() - _dt.timedelta(days=1))

    @factory.post_generation
    def techniques(self, create, extracted, **kwargs):
        if create and extracted:
            self.techniques.add(*extracted)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class VideoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Video

    post = factory.SubFactory(PostFactory)
    url = "https://www.youtube.com/watch?v=abcDEF12345"
    title = "Self-massage for a stiff lower back"
