"""The permission matrix, generated from the URL conf.

Every route of the site is walked. A route that takes someone's objects is filled
with *another* person's: signed in as someone else it must answer 404 (never 403,
which would confirm the object exists), and anonymous it must send to the login
page. A route without parameters is private unless listed as public: anonymous
gets the login page. A new route fails this test until it is placed in one of the
tables below, so nobody has to remember to write its permission test.
"""

from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django.utils import timezone

from courses import services as course_services
from courses.models import Enrolment, TeachingDay
from directory.models import ApplicationDocument, Practitioner
from tests.blog.factories import PostFactory, VideoFactory
from tests.bookings.factories import (
    BookingFactory,
    CalendarFeedFactory,
    DateOverrideFactory,
    ExternalCalendarFactory,
    TimeOffFactory,
    WeeklyHoursFactory,
    bookable_service,
)
from tests.courses.factories import (
    CourseDateFactory,
    EnrolmentFactory,
    WaitingListEntryFactory,
)
from tests.directory.factories import (
    LocationFactory,
    PlaceFactory,
    PractitionerFactory,
)
from tests.reviews.factories import ReviewFactory
from tests.urlconf import Route, routes
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

# Routes of other packages, checked by their own tests (allauth, the admin).
FOREIGN_PREFIXES = ("account_", "mfa_", "admin:")

# Anyone may open these (no parameters, or public objects given in PUBLIC_KWARGS).
PUBLIC = {
    "home",
    "healthz",
    "healthz-live",
    "healthz-ready",
    "favicon",
    "robots",
    "sitemap",
    "sitemap-section",
    "about",
    "csp-report",
    # Signed by Stripe (a request without the signature is a 400), never a session.
    "payments:stripe-webhook",
    "users:account-deleted",
    "directory:search",
    "directory:profile",
    "bookings:choose-service",
    "bookings:choose-time",
    "bookings:details",
    "bookings:health",
    "bookings:api-slots",
    # Anyone may ask to hear of an earlier time (rate limited per IP and address).
    "bookings:waitlist-join",
    "courses:list",
    "courses:detail",
    "courses:date",
    "courses:verify",
    "directory:techniques",
    "directory:technique",
    "directory:town",
    "videos:list",
    "videos:detail",
    "blog:list",
    "blog:feed-rss",
    "blog:feed-atom",
    "blog:technique",
    "blog:tag",
    "blog:detail",
    "reviews:list",
}
# Health checks answer 503 (JSON naming the part) while a part they watch is down;
# here /healthz/ready finds no beat heartbeat. That is their answer, not an error.
HEALTH_CHECKS = {"healthz", "healthz-live", "healthz-ready"}
# Signed in, anyone may use these on public objects (anonymous: the login page).
SIGNED_IN_ON_PUBLIC = {"courses:enrol", "courses:join-waiting-list"}
# Staff pages without parameters: the login page when anonymous, and a 404 (as if
# there were no such page) to anyone signed in without the staff permission.
STAFF_ONLY = {"directory:applications"}
# Addressed by a secret in the URL: a token that is not theirs is a 404 to all.
BEARER = {
    "bookings:confirmation",
    "bookings:manage",
    "bookings:manage-cancel",
    "bookings:manage-reschedule",
    "bookings:manage-ics",
    "bookings:manage-new-link",
    "bookings:calendar-feed",
    "bookings:pay",
    # The stop link in every waiting-list email.
    "bookings:waitlist-stop",
    "payments:test-checkout",
    "payments:receipt",
    # A certificate's number is the key to its public page: an unknown one is a
    # 404 to everyone.
    "courses:verify-number",
    # A guest's review link and the "never ask me again" link of an invitation.
    "reviews:guest-write",
    "reviews:stop",
}
NOT_THEIRS = "NotTheirTokenNotTheirToken12345"


@dataclass
class World:
    """Objects of an owner (a client who books and enrols, a practitioner with a
    practice, an editor's draft) and public ones, for the routes' parameters."""

    client_booking: object
    practitioner_booking: object
    location: object
    service: object
    hours: object
    override: object
    time_off: object
    external_calendar: object
    enrolment: object
    waiting: object
    draft: object
    course_date: object
    teaching_day: object
    graduate: object
    public_post: object
    video: object
    town: object
    review: object
    applicant: object
    applicant_document: object


def _world() -> World:
    owner = UserFactory()
    service = bookable_service()
    practitioner = service.practitioner
    CalendarFeedFactory(practitioner=practitioner)
    course_date = CourseDateFactory()
    full_date = CourseDateFactory(places=1)
    EnrolmentFactory(course_date=full_date)
    public_post = PostFactory()
    public_post.techniques.add(service.technique)
    soon = timezone.now().replace(microsecond=0) + timedelta(days=20)
    teaching_day = TeachingDay.objects.create(
        course_date=course_date,
        day=course_date.starts_on,
        starts_at=time(9, 30),
        ends_at=time(17),
    )
    # The owner finished a course yesterday and holds its certificate.
    today = timezone.localdate()
    finished = CourseDateFactory(
        starts_on=today - timedelta(days=2),
        ends_on=today - timedelta(days=1),
        enrolment_deadline=today - timedelta(days=9),
    )
    graduate = EnrolmentFactory(
        student=owner, course_date=finished, status=Enrolment.Status.CONFIRMED
    )
    course_services.complete_enrolment(enrolment=graduate)
    applicant = PractitionerFactory(status=Practitioner.Status.APPLIED)
    return World(
        client_booking=BookingFactory(client=owner),
        practitioner_booking=BookingFactory(
            service=service, starts_at=soon, ends_at=soon + timedelta(hours=1)
        ),
        location=LocationFactory(practitioner=practitioner),
        service=service,
        hours=WeeklyHoursFactory(practitioner=practitioner, weekday=3),
        override=DateOverrideFactory(practitioner=practitioner),
        time_off=TimeOffFactory(practitioner=practitioner),
        external_calendar=ExternalCalendarFactory(practitioner=practitioner),
        enrolment=EnrolmentFactory(student=owner, course_date=course_date),
        waiting=WaitingListEntryFactory(student=owner, course_date=full_date),
        draft=PostFactory(status="draft"),
        course_date=course_date,
        teaching_day=teaching_day,
        graduate=graduate,
        public_post=public_post,
        video=VideoFactory(techniques=[service.technique]),
        town=PlaceFactory(name="Brighton"),
        review=ReviewFactory(),
        applicant=applicant,
        applicant_document=ApplicationDocument.objects.create(
            practitioner=applicant,
            kind=ApplicationDocument.Kind.INSURANCE,
            stored_name="applications/matrix-test.pdf",
            original_name="insurance.pdf",
            content_type="application/pdf",
            size=1,
        ),
    )


# Someone else's object for each private route's parameters.
OWNED_KWARGS = {
    "directory:location-edit": lambda w: {"pk": w.location.pk},
    "directory:location-delete": lambda w: {"pk": w.location.pk},
    "bookings:appointment": lambda w: {"pk": w.client_booking.pk},
    "bookings:appointment-cancel": lambda w: {"pk": w.client_booking.pk},
    "bookings:appointment-reschedule": lambda w: {"pk": w.client_booking.pk},
    "bookings:appointment-ics": lambda w: {"pk": w.client_booking.pk},
    "bookings:agenda-booking": lambda w: {"pk": w.practitioner_booking.pk},
    "bookings:agenda-approve": lambda w: {"pk": w.practitioner_booking.pk},
    "bookings:agenda-decline": lambda w: {"pk": w.practitioner_booking.pk},
    "bookings:agenda-cancel": lambda w: {"pk": w.practitioner_booking.pk},
    "bookings:agenda-attendance": lambda w: {"pk": w.practitioner_booking.pk},
    "bookings:agenda-note": lambda w: {"pk": w.practitioner_booking.pk},
    "bookings:service-edit": lambda w: {"pk": w.service.pk},
    "bookings:hours-edit": lambda w: {"pk": w.hours.pk},
    "bookings:hours-delete": lambda w: {"pk": w.hours.pk},
    "bookings:override-delete": lambda w: {"pk": w.override.pk},
    "bookings:time-off-delete": lambda w: {"pk": w.time_off.pk},
    "bookings:calendar-refresh": lambda w: {"pk": w.external_calendar.pk},
    "bookings:calendar-remove": lambda w: {"pk": w.external_calendar.pk},
    "courses:enrolment": lambda w: {"pk": w.enrolment.pk},
    "courses:cancel": lambda w: {"pk": w.enrolment.pk},
    "courses:leave-waiting-list": lambda w: {"pk": w.waiting.pk},
    "courses:pay": lambda w: {"pk": w.enrolment.pk},
    "courses:invoice": lambda w: {"pk": w.enrolment.pk},
    "courses:calendar": lambda w: {"pk": w.enrolment.pk},
    "courses:calendar-day": lambda w: {
        "pk": w.enrolment.pk,
        "day": w.teaching_day.pk,
    },
    "courses:certificate": lambda w: {"pk": w.graduate.pk},
    "courses:certificate-profile-link": lambda w: {"pk": w.graduate.pk},
    # Staff only: the class list (names and phones), the register and draft
    # previews.
    "courses:class-list-csv": lambda w: {
        "slug": w.course_date.course.slug,
        "pk": w.course_date.pk,
    },
    "courses:register": lambda w: {
        "slug": w.course_date.course.slug,
        "pk": w.course_date.pk,
    },
    "blog:preview": lambda w: {"pk": w.draft.pk},
    # Staff only: an application, its decision and its private documents.
    "directory:application-review": lambda w: {"pk": w.applicant.pk},
    "directory:application-approve": lambda w: {"pk": w.applicant.pk},
    "directory:application-refuse": lambda w: {"pk": w.applicant.pk},
    "directory:application-document": lambda w: {
        "pk": w.applicant.pk,
        "document": w.applicant_document.pk,
    },
    "reviews:write": lambda w: {"pk": w.client_booking.pk},
    "reviews:reply": lambda w: {"pk": w.review.pk},
    "reviews:report": lambda w: {"pk": w.review.pk},
}
PUBLIC_KWARGS = {
    "directory:profile": lambda w: {"slug": w.service.practitioner.slug},
    "bookings:choose-service": lambda w: {"slug": w.service.practitioner.slug},
    "bookings:choose-time": lambda w: {
        "slug": w.service.practitioner.slug,
        "service_id": w.service.pk,
    },
    "bookings:details": lambda w: {
        "slug": w.service.practitioner.slug,
        "service_id": w.service.pk,
    },
    "bookings:health": lambda w: {
        "slug": w.service.practitioner.slug,
        "service_id": w.service.pk,
    },
    "bookings:api-slots": lambda w: {"slug": w.service.practitioner.slug},
    "bookings:waitlist-join": lambda w: {
        "slug": w.service.practitioner.slug,
        "service_id": w.service.pk,
    },
    "courses:detail": lambda w: {"slug": w.course_date.course.slug},
    "courses:date": lambda w: {
        "slug": w.course_date.course.slug,
        "pk": w.course_date.pk,
    },
    "courses:enrol": lambda w: {
        "slug": w.course_date.course.slug,
        "pk": w.course_date.pk,
    },
    "courses:join-waiting-list": lambda w: {
        "slug": w.course_date.course.slug,
        "pk": w.course_date.pk,
    },
    "blog:technique": lambda w: {"slug": w.service.technique.slug},
    "blog:tag": lambda w: {"slug": "no-such-tag-yet"},
    "blog:detail": lambda w: {"slug": w.public_post.slug},
    "directory:technique": lambda w: {"slug": w.service.technique.slug},
    "videos:detail": lambda w: {"slug": w.video.slug},
    "directory:town": lambda w: {"slug": w.town.slug},
    "sitemap-section": lambda w: {"section": "practitioners"},
    "reviews:list": lambda w: {"slug": w.service.practitioner.slug},
}


def _site_routes() -> list[Route]:
    return [
        route
        for route in routes()
        if route.name and not route.name.startswith(FOREIGN_PREFIXES)
    ]


SITE_ROUTES = _site_routes()


def _kind(route: Route) -> str:
    if route.name in BEARER:
        return "bearer"
    if route.name in PUBLIC:
        return "public"
    if route.name in SIGNED_IN_ON_PUBLIC:
        return "signed-in"
    if route.name in STAFF_ONLY:
        return "staff"
    if route.params:
        return "owned"
    return "private"


def test_every_route_of_the_site_is_placed_in_the_matrix():
    unplaced = [
        route.name
        for route in SITE_ROUTES
        if route.params
        and route.name not in BEARER
        and route.name not in OWNED_KWARGS
        and route.name not in PUBLIC_KWARGS
    ]
    assert not unplaced, (
        "New routes with parameters: add each to OWNED_KWARGS (someone's objects), "
        f"PUBLIC_KWARGS or BEARER in {__file__}: {unplaced}"
    )


def _url(route: Route, world: World) -> str:
    from django.urls import reverse

    if route.name in BEARER:
        return reverse(route.name, kwargs=dict.fromkeys(route.params, NOT_THEIRS))
    table = OWNED_KWARGS if route.name in OWNED_KWARGS else PUBLIC_KWARGS
    kwargs = table[route.name](world) if route.params else {}
    return reverse(route.name, kwargs=kwargs)


def _is_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        "/accounts/login/"
    )


@pytest.mark.parametrize(
    "route", [pytest.param(route, id=route.name) for route in SITE_ROUTES]
)
def test_the_route_answers_strangers_as_the_matrix_says(client, route):
    world = _world()
    url = _url(route, world)
    kind = _kind(route)
    answers = {method: getattr(client, method)(url) for method in ("get", "post")}
    usable = {m: r for m, r in answers.items() if r.status_code != 405}
    assert usable, f"{url} takes neither GET nor POST"

    if kind == "public":
        for method, response in usable.items():
            status = response.status_code
            reported = route.name in HEALTH_CHECKS and status == 503
            assert status < 500 or reported, (method, url, status)
            assert not _is_login(response), (method, url)
        return
    if kind == "bearer":
        for method, response in usable.items():
            assert response.status_code == 404, (method, url, response.status_code)
        return

    # Anonymous: the login page, for every method the route takes.
    for method, response in usable.items():
        assert _is_login(response), (method, url, response.status_code)

    # Signed in as someone else (a client who is also a practitioner, with a
    # practice of their own): someone else's object is a 404. A 405 for a method
    # the route never takes says nothing about the object, but the route must
    # answer 404 to at least one method.
    stranger = PractitionerFactory(slug="a-stranger").user
    client.force_login(stranger)
    signed_in = {method: getattr(client, method)(url) for method in ("get", "post")}
    taken = {m: r for m, r in signed_in.items() if r.status_code != 405}
    assert taken, f"{url} takes neither GET nor POST when signed in"
    for method, response in taken.items():
        if kind in ("owned", "staff"):
            assert response.status_code == 404, (method, url, response.status_code)
        else:
            # Their own page, a redirect, or their form refusing the empty post.
            assert response.status_code in (200, 302, 400), (method, url, response)
            assert not _is_login(response), (method, url)
