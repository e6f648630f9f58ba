"""Test data for the courses: published courses, open dates, enrolments and the
waiting list, each counting the places it holds as the services would."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.db.models import F
from django.utils import timezone

from courses import services
from courses.models import (
    Course,
    CourseDate,
    Enrolment,
    WaitingListEntry,
)
from tests.directory.factories import TechniqueFactory
from tests.users.factories import UserFactory

# The enrolment form's answers, as a student would give them.
ENROLMENT_DETAILS = {
    "full_name": "Rosa Student",
    "phone": "07700 900123",
    "experience": "none",
    "motivation": "I want to train as a massage therapist.",
    "heard_about": "friend",
    "access_needs": "",
}


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
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=90))
    enrolment_deadline = factory.LazyAttribute(
        lambda o: o.starts_on - timedelta(days=14)
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
    reserved_until = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=72))
    deposit_paid_at = factory.LazyAttribute(
        lambda o: (
            timezone.now()
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
            timezone.now() + timedelta(hours=48)
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


def enrol(course_date, student=None, **overrides) -> Enrolment:
    """An enrolment made through the service, as the enrolment form makes it."""
    return services.enrol_student(
        course_date=course_date,
        student=student or UserFactory(),
        **(ENROLMENT_DETAILS | overrides),
    )
