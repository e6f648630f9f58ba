"""Test data for the bookings app: services, working hours, bookings, and a
bookable practitioner to book through the service."""

from datetime import datetime, time, timedelta

import factory
from django.utils import timezone

from bookings import services
from bookings.models import (
    Booking,
    BookingPolicy,
    CalendarFeed,
    DateOverride,
    ExternalCalendar,
    HealthIntake,
    Service,
    TimeOff,
    WaitlistRequest,
    WeeklyHours,
)
from tests.directory.factories import PractitionerFactory, TechniqueFactory
from tests.users.factories import UserFactory

NO_HEALTH_ISSUES = {"details": ""}


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
    start_time = time(9, 0)
    end_time = time(17, 0)
    location = None


class DateOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DateOverride

    practitioner = factory.SubFactory(PractitionerFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))
    start_time = time(10, 0)
    end_time = time(14, 0)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    practitioner = factory.SubFactory(PractitionerFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(days=1))
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
        lambda: datetime.combine(
            timezone.localdate() + timedelta(days=10),
            time(10, 0),
            tzinfo=timezone.get_current_timezone(),
        )
    )
    ends_at = factory.LazyAttribute(
        lambda o: o.starts_at + timedelta(minutes=o.service.duration_minutes)
    )
    blocked_starts_at = factory.SelfAttribute("starts_at")
    blocked_ends_at = factory.SelfAttribute("ends_at")
    status = Booking.Status.CONFIRMED
    hold_expires_at = factory.LazyAttribute(
        lambda o: (
            timezone.now() + timedelta(minutes=15)
            if o.status == Booking.Status.AWAITING_PAYMENT
            else None
        )
    )


class HealthIntakeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthIntake

    booking = factory.SubFactory(BookingFactory)
    consent_given_at = factory.LazyFunction(timezone.now)


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarFeed

    practitioner = factory.SubFactory(PractitionerFactory)


class ExternalCalendarFactory(factory.django.DjangoModelFactory):
    """A connected calendar as stored, never fetched: tests that read one use
    the calendar_server fixture and bookings.external_calendars."""

    class Meta:
        model = ExternalCalendar

    practitioner = factory.SubFactory(PractitionerFactory)
    name = "Clinic diary"
    url = factory.Sequence(lambda n: f"https://calendar.example.com/private-{n}.ics")


class WaitlistRequestFactory(factory.django.DjangoModelFactory):
    """A request for the next two weeks, as joining the waiting list makes it
    (without its email)."""

    class Meta:
        model = WaitlistRequest

    service = factory.SubFactory(ServiceFactory)
    practitioner = factory.SelfAttribute("service.practitioner")
    name = "Sam Waiting"
    email = factory.Sequence(lambda n: f"waiting{n}@example.com")
    first_day = factory.LazyFunction(timezone.localdate)
    last_day = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=13))


def bookable_service(*, hours=((9, 17),), duration=60, practitioner=None, **policy):
    """A listed practitioner working every day, with a policy and one service."""
    practitioner = practitioner or PractitionerFactory()
    BookingPolicyFactory(practitioner=practitioner, **policy)
    for weekday in range(7):
        for start, end in hours:
            WeeklyHoursFactory(
                practitioner=practitioner,
                weekday=weekday,
                start_time=time(start),
                end_time=time(end),
            )
    practitioner.offers_online_booking = True
    practitioner.save(update_fields=["offers_online_booking"])
    return ServiceFactory(practitioner=practitioner, duration_minutes=duration)


def book(service, starts_at, *, name="Alex Client", email="alex@example.com", **kw):
    """A booking made through the service, as the booking flow makes it."""
    values = {
        "service": service,
        "starts_at": starts_at,
        "name": name,
        "email": email,
        "phone": "01273 123456",
        "intake": NO_HEALTH_ISSUES,
        "consent": True,
    }
    values.update(kw)
    return services.book_appointment(**values)
