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


# --- courses -----------------------------------------------------------------
from decimal import Decimal  # noqa: E402

from django.db.models import F  # noqa: E402

from courses.models import (  # noqa: E402
    Course,
    CourseDate,
    Enrolment,
    WaitingListEntry,
)


class CourseFactory(factory.django.DjangoModelFactory):
    """A published diploma teaching holistic massage (unless `techniques=[...]`)."""

    class Meta:
        model = Course
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Massage Diploma {n}")
    slug = factory.Sequence(lambda n: f"massage-diploma-{n}")
    summary = "A practical diploma in holistic massage, taught over six weekends."
    description = "## What you learn\n\nHolistic massage, anatomy and client care."
    level = Course.Level.DIPLOMA
    total_hours = 120
    price = Decimal("1650.00")
    deposit = Decimal("300.00")
    is_published = True

    @factory.post_generation
    def techniques(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [
                TechniqueFactory(name="Holistic massage", slug="holistic-massage")
            ]
        self.techniques.add(*extracted)


class CourseDateFactory(factory.django.DjangoModelFactory):
    """Brighton, starting in two months, twelve places, open."""

    class Meta:
        model = CourseDate

    course = factory.SubFactory(CourseFactory)
    venue_name = "The Old Library"
    venue_address = "1 North Street"
    venue_town = "Brighton"
    venue_postcode = "BN1 1AA"
    starts_on = factory.LazyFunction(lambda: _tz.localdate() + _dt.timedelta(days=60))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + _dt.timedelta(days=90))
    enrolment_deadline = factory.LazyAttribute(
        lambda o: o.starts_on - _dt.timedelta(days=14)
    )
    schedule = "Six weekends, Saturday and Sunday 9:30–17:00"
    places = 12
    status = CourseDate.Status.OPEN


def _take_place(course_date: CourseDate) -> None:
    # Factories bypass the services, so they keep the counter honest themselves.
    CourseDate.objects.filter(pk=course_date.pk).update(
        places_taken=F("places_taken") + 1
    )
    course_date.refresh_from_db(fields=["places_taken"])


class EnrolmentFactory(factory.django.DjangoModelFactory):
    """A reservation (deposit due); its place is counted on the course date."""

    class Meta:
        model = Enrolment

    course_date = factory.SubFactory(CourseDateFactory)
    student = factory.SubFactory(UserFactory)
    status = Enrolment.Status.RESERVED
    full_name = factory.LazyAttribute(lambda o: o.student.full_name or "A Student")
    phone = "07700 900123"
    experience = Enrolment.Experience.NONE
    motivation = "I would like to become a massage therapist."
    price = factory.LazyAttribute(lambda o: o.course_date.price)
    deposit = factory.LazyAttribute(lambda o: o.course_date.deposit)
    reserved_until = factory.LazyFunction(lambda: _tz.now() + _dt.timedelta(hours=72))
    deposit_paid_at = factory.LazyAttribute(
        lambda o: (
            _tz.now()
            if o.status in {Enrolment.Status.CONFIRMED, Enrolment.Status.COMPLETED}
            else None
        )
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        enrolment = super()._create(model_class, *args, **kwargs)
        if enrolment.holds_place:
            _take_place(enrolment.course_date)
        return enrolment


class WaitingListEntryFactory(factory.django.DjangoModelFactory):
    """Someone waiting in line; an `OFFERED` one holds a place like an enrolment."""

    class Meta:
        model = WaitingListEntry

    course_date = factory.SubFactory(CourseDateFactory)
    student = factory.SubFactory(UserFactory)
    position = factory.Sequence(lambda n: n + 1)
    status = WaitingListEntry.Status.WAITING
    offer_expires_at = factory.LazyAttribute(
        lambda o: (
            _tz.now() + _dt.timedelta(hours=48)
            if o.status == WaitingListEntry.Status.OFFERED
            else None
        )
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        entry = super()._create(model_class, *args, **kwargs)
        if entry.status == WaitingListEntry.Status.OFFERED:
            _take_place(entry.course_date)
        return entry


def full_course_date(places: int = 2, **kwargs) -> CourseDate:
    """An open course date whose every place is reserved."""
    course_date = CourseDateFactory(places=places, **kwargs)
    for _ in range(places):
        EnrolmentFactory(course_date=course_date)
    course_date.refresh_from_db()
    return course_date


# --- bookings ----------------------------------------------------------------
from bookings.models import (  # noqa: E402
    Booking,
    BookingPolicy,
    CalendarFeed,
    DateOverride,
    HealthIntake,
    Service,
    TimeOff,
    WeeklyHours,
)


def london(year, month, day, hour=0, minute=0) -> _dt.datetime:
    """An aware datetime on the Europe/London wall clock."""
    from zoneinfo import ZoneInfo

    return _dt.datetime(
        year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/London")
    )


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    practitioner = factory.SubFactory(PractitionerFactory)
    name = "Deep tissue massage"
    technique = factory.SubFactory(TechniqueFactory, slug="deep-tissue")
    duration_minutes = 60
    price = 55
    is_active = True

    @factory.post_generation
    def locations(self, create, extracted, **kwargs):
        if create and extracted:
            self.locations.add(*extracted)


class BookingPolicyFactory(factory.django.DjangoModelFactory):
    """No buffers, no notice: tests switch on what they check."""

    class Meta:
        model = BookingPolicy
        django_get_or_create = ("practitioner",)

    practitioner = factory.SubFactory(PractitionerFactory)
    buffer_before_minutes = 0
    buffer_after_minutes = 0
    slot_interval_minutes = 15
    min_notice_hours = 0
    max_advance_days = 60
    cancellation_cutoff_hours = 24
    new_clients_need_approval = False


class WeeklyHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeeklyHours

    practitioner = factory.SubFactory(PractitionerFactory)
    weekday = 0
    start_time = _dt.time(9, 0)
    end_time = _dt.time(17, 0)
    location = None


class DateOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DateOverride

    practitioner = factory.SubFactory(PractitionerFactory)
    date = factory.LazyFunction(lambda: _tz.localdate() + _dt.timedelta(days=7))
    start_time = _dt.time(10, 0)
    end_time = _dt.time(14, 0)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    practitioner = factory.SubFactory(PractitionerFactory)
    starts_at = factory.LazyFunction(lambda: _tz.now() + _dt.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + _dt.timedelta(days=1))
    reason = "Holiday"


class BookingFactory(factory.django.DjangoModelFactory):
    """A confirmed booking for a signed-up client, ten days ahead at 10:00 London."""

    class Meta:
        model = Booking

    service = factory.SubFactory(ServiceFactory)
    practitioner = factory.SelfAttribute("service.practitioner")
    client = factory.SubFactory(UserFactory)
    client_name = factory.LazyAttribute(
        lambda o: o.client.full_name if o.client else "Guest"
    )
    client_email = factory.LazyAttribute(
        lambda o: o.client.email if o.client else "guest@example.com"
    )
    client_phone = "01273 123456"
    starts_at = factory.LazyFunction(
        lambda: _dt.datetime.combine(
            _tz.localdate() + _dt.timedelta(days=10),
            _dt.time(10, 0),
            tzinfo=_tz.get_current_timezone(),
        )
    )
    ends_at = factory.LazyAttribute(
        lambda o: o.starts_at + _dt.timedelta(minutes=o.service.duration_minutes)
    )
    blocked_starts_at = factory.SelfAttribute("starts_at")
    blocked_ends_at = factory.SelfAttribute("ends_at")
    status = Booking.Status.CONFIRMED


class HealthIntakeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthIntake

    booking = factory.SubFactory(BookingFactory)
    consent_given_at = factory.LazyFunction(_tz.now)


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarFeed

    practitioner = factory.SubFactory(PractitionerFactory)


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
