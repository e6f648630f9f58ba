"""Fuzzing every form of the site, the JSON API and the payment webhook: malformed,
huge, control character and unicode input must never answer 500.

The forms are found, not listed: every page of the URL conf (and allauth's
account pages) is opened as the person who would use it, each <form> on it is
read, and hypothesis fills its fields. The budget is fixed (FUZZ_EXAMPLES per
form, 8 by default, with a fixed seed), so `make test` stays fast; set
FUZZ_EXAMPLES higher for a deeper run. The test provider's payment page and the
Stripe webhook get tests of their own too: their buttons and signatures need
values a blind fill would never find.
"""

import json
import os
from datetime import datetime, time, timedelta
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlencode, urljoin

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.forms import format_start
from core.validators import as_single_line
from courses import services as course_services
from courses.models import Enrolment, TeachingDay
from directory.models import Practitioner
from payments import providers
from payments import services as payments
from payments.models import Checkout, LedgerEntry
from tests.blog.factories import VideoFactory
from tests.bookings.factories import (
    BookingFactory,
    CalendarFeedFactory,
    DateOverrideFactory,
    ExternalCalendarFactory,
    HealthIntakeFactory,
    TimeOffFactory,
    WeeklyHoursFactory,
    bookable_service,
)
from tests.courses.factories import CourseDateFactory, EnrolmentFactory
from tests.directory.factories import LocationFactory
from tests.reviews.factories import ReviewFactory, completed_booking
from tests.urlconf import routes
from tests.users.factories import TEST_PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
BUDGET = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\n\r\t",
    "line\nbreak",
    "\u202eevil",
    "\u2028",
    "𝕳𝖊𝖑𝖑𝖔 ✓ “quoted” café",
    "😀" * 50,
    "x" * 20_000,
    "-1",
    "0",
    "9" * 40,
    "1e309",
    "NaN",
    "2026-02-30",
    "9999-12-31",
    "0000-00-00T25:61Z",
    "2026-13-01T10:00+99:00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "on",
    "yes",
]
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
    st.integers().map(str),
)


class FormReader(HTMLParser):
    """The forms of a page: method, action and field names."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "method": (attrs.get("method") or "get").lower(),
                    "action": attrs.get("action") or "",
                    "fields": [],
                }
            )
        elif tag in ("input", "select", "textarea") and self.forms:
            name = attrs.get("name")
            if name and name != "csrfmiddlewaretoken":
                self.forms[-1]["fields"].append(name)


def _forms_on(client, url: str) -> list[tuple[str, str, tuple[str, ...]]]:
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    reader = FormReader()
    reader.feed(response.content.decode())
    found = []
    for form in reader.forms:
        # Relative to the page, without a fragment ("#results" is the page itself).
        action = urldefrag(urljoin(url, form["action"])).url
        if "logout" in action or not form["fields"]:
            continue
        found.append((form["method"], action, tuple(dict.fromkeys(form["fields"]))))
    return found


def _my_world(me):
    """`me` is a client who booked and enrolled, and a practitioner with a
    practice: every page of the site has something to show them."""
    service = bookable_service(practitioner=None)
    practitioner = service.practitioner
    practitioner.user = me
    practitioner.save(update_fields=["user"])
    CalendarFeedFactory(practitioner=practitioner)
    LocationFactory(practitioner=practitioner)
    WeeklyHoursFactory(practitioner=practitioner, weekday=2)
    DateOverrideFactory(practitioner=practitioner)
    TimeOffFactory(practitioner=practitioner)
    # Another calendar, never fetched here: its page shows its buttons.
    ExternalCalendarFactory(practitioner=practitioner)
    soon = timezone.now().replace(microsecond=0) + timedelta(days=9)
    booking = BookingFactory(
        service=service, client=me, starts_at=soon, ends_at=soon + timedelta(hours=1)
    )
    HealthIntakeFactory(booking=booking)
    later = soon + timedelta(days=2)
    pending = BookingFactory(
        service=service,
        starts_at=later,
        ends_at=later + timedelta(hours=1),
        status="pending",
    )
    HealthIntakeFactory(booking=pending)
    course_date = CourseDateFactory()
    enrolment = EnrolmentFactory(student=me, course_date=course_date)
    # A course that ended yesterday: `me` graduated from it (the certificate's
    # profile-link form), and a classmate is still on the staff's register.
    today = timezone.localdate()
    finished = CourseDateFactory(
        starts_on=today - timedelta(days=2),
        ends_on=today - timedelta(days=1),
        enrolment_deadline=today - timedelta(days=9),
    )
    TeachingDay.objects.create(
        course_date=finished,
        day=finished.starts_on,
        starts_at=time(9),
        ends_at=time(17),
    )
    graduate = EnrolmentFactory(
        student=me, course_date=finished, status=Enrolment.Status.CONFIRMED
    )
    course_services.complete_enrolment(enrolment=graduate)
    EnrolmentFactory(course_date=finished, status=Enrolment.Status.CONFIRMED)
    # `me` had an appointment elsewhere yesterday (the review form), and a client
    # reviewed `me`'s practice (the reply and report forms).
    visited = completed_booking(client=me, ended_hours_ago=24)
    ReviewFactory(booking=completed_booking(service=service, ended_hours_ago=48))
    return {
        # The test provider's payment page for the deposit (no Stripe keys here).
        "checkout": _checkout(f"enrolment:{enrolment.pk}", payer=me),
        "pk": {
            "directory:location-edit": practitioner.locations.first().pk,
            "directory:location-delete": practitioner.locations.first().pk,
            "bookings:service-edit": service.pk,
            "bookings:hours-delete": practitioner.weekly_hours.first().pk,
            "bookings:override-delete": practitioner.date_overrides.first().pk,
            "bookings:time-off-delete": practitioner.time_off.first().pk,
            "courses:enrolment": enrolment.pk,
            "courses:cancel": enrolment.pk,
            "reviews:write": visited.pk,
        },
        "booking": booking,
        "pending": pending,
        "service": service,
        "course_date": course_date,
        "open_date": CourseDateFactory(),
        "graduate": graduate,
        "finished": finished,
        "video": VideoFactory(techniques=[service.technique]),
    }


def _kwargs(route, world) -> dict | None:
    booking, service, course_date = (
        world["booking"],
        world["service"],
        world["course_date"],
    )
    values = {
        "slug": service.practitioner.slug,
        "service_id": service.pk,
        "token": booking.manage_token,
        "session_id": world["checkout"].session_id,
    }
    if route.name == "directory:technique":
        values["slug"] = service.technique.slug
    elif route.name == "videos:detail":
        values["slug"] = world["video"].slug
    elif route.name.startswith("courses:") and route.name not in world["pk"]:
        values.update(slug=course_date.course.slug, pk=course_date.pk)
    elif route.name in world["pk"]:
        values["pk"] = world["pk"][route.name]
    elif route.name.startswith("bookings:"):
        values["pk"] = booking.pk
    kwargs = {name: values.get(name) for name in route.params}
    return None if None in kwargs.values() else kwargs


def _checkout(reference: str, payer=None) -> Checkout:
    return payments.start_checkout(
        reference=reference,
        purpose="deposit",
        description="Deposit for a course",
        amount_pence=30_000,
        success_url="/account/",
        cancel_url="/account/",
        hold_until=timezone.now() + timedelta(hours=1),
        payer=payer,
        payer_email="me@example.com",
    )


def _extra_pages(client, world) -> list[str]:
    """Pages whose forms need a step before them: the booking flow's details and
    health questions, a course date's enrolment form, a request to review."""
    service = world["service"]
    kwargs = {"slug": service.practitioner.slug, "service_id": service.pk}
    slots = client.get(
        reverse("bookings:api-slots", args=[service.practitioner.slug]),
        {"service": service.pk},
    ).json()["slots"]
    start = format_start(datetime.fromisoformat(slots[-1]["start"]))
    details = reverse("bookings:details", kwargs=kwargs)
    client.post(
        details,
        {
            "start": start,
            "name": "Me",
            "email": "me@example.com",
            "phone": "07700 900123",
        },
    )
    open_date = world["open_date"]
    return [
        f"{details}?start={start}",
        reverse("bookings:health", kwargs=kwargs),
        reverse(
            "courses:enrol", kwargs={"slug": open_date.course.slug, "pk": open_date.pk}
        ),
        reverse("courses:enrolment", args=[world["graduate"].pk]),
        reverse("bookings:agenda-booking", args=[world["pending"].pk]),
        reverse("bookings:appointment-reschedule", args=[world["booking"].pk]),
        reverse("users:delete-account"),
    ]


def _pages(world) -> list[str]:
    pages = [
        reverse(name)
        for name in (
            "account_login",
            "account_signup",
            "account_reset_password",
            "account_change_password",
            "account_email",
        )
    ]
    for route in routes():
        if not route.name or route.name.startswith(("account_", "mfa_", "admin:")):
            continue
        kwargs = _kwargs(route, world)
        if kwargs is None:
            continue
        try:
            pages.append(reverse(route.name, kwargs=kwargs))
        except NoReverseMatch:
            continue
    return pages


def test_no_form_of_the_site_answers_500_to_hostile_input(client):
    me = UserFactory(email="me@example.com")
    world = _my_world(me)
    client.post(
        reverse("account_login"), {"login": "me@example.com", "password": TEST_PASSWORD}
    )
    anonymous = Client()
    staff = Client()
    staff.force_login(StaffFactory())
    finished = world["finished"]
    register = reverse("courses:register", args=[finished.course.slug, finished.pk])
    # An application waiting for staff (the review screen's approve and refuse
    # forms), and someone without a profile yet (the application form).
    applicant = LocationFactory(
        practitioner__status=Practitioner.Status.APPLIED
    ).practitioner
    review = reverse("directory:application-review", args=[applicant.pk])
    newcomer = Client()
    newcomer.force_login(UserFactory())
    forms = {}
    for visitor, pages in (
        (client, _pages(world) + _extra_pages(client, world)),
        (anonymous, [reverse("account_login"), reverse("account_signup")]),
        # The register and the review screen: staff's own pages outside the admin.
        (staff, [register, review]),
        (newcomer, [reverse("directory:apply")]),
    ):
        for page in pages:
            for method, action, fields in _forms_on(visitor, page):
                forms.setdefault((method, action, fields), (visitor, page))
    assert len(forms) >= 30, sorted(forms)
    actions = {action for _, action, _ in forms}
    assert any("/payments/test-checkout/" in action for action in actions)
    assert reverse("courses:verify") in actions
    assert register in actions
    assert reverse("directory:application-refuse", args=[applicant.pk]) in actions
    assert reverse("directory:apply") in actions
    assert (
        reverse("courses:certificate-profile-link", args=[world["graduate"].pk])
        in actions
    )
    assert any(action.startswith("/techniques/") for action in actions)
    service = world["service"]
    assert (
        reverse("bookings:waitlist-join", args=[service.practitioner.slug, service.pk])
        in actions
    )
    assert reverse("bookings:calendar-add") in actions
    assert reverse("reviews:write", args=[world["pk"]["reviews:write"]]) in actions
    assert any(action.endswith("/reply/") for action in actions)
    assert any(action.endswith("/report/") for action in actions)

    for (method, action, fields), (visitor, page) in sorted(
        forms.items(), key=lambda item: item[0]
    ):
        _fuzz_form(visitor, method, action, fields, page)()


def _fuzz_form(visitor, method, action, fields, page):
    @BUDGET
    @given(st.fixed_dictionaries(dict.fromkeys(fields, VALUES)))
    def submit(data):
        if method == "post":
            response = visitor.post(action, data)
        else:
            response = visitor.get(f"{action}?{urlencode(data)}")
        assert response.status_code < 500, (method, action, page, data)

    return submit


@BUDGET
@given(
    slug=st.one_of(
        st.sampled_from(["", "x" * 300, "%00", "ünï"]), st.text(max_size=40)
    ),
    query=st.dictionaries(
        st.sampled_from(["service", "from", "to", "page", "x"]), VALUES, max_size=4
    ),
)
def test_the_slots_api_never_answers_500(client, slug, query):
    path = f"/api/practitioners/{slug}/slots/"
    response = client.get(path, query)
    assert response.status_code < 500, (path, query)
    if response.status_code != 404 or response.get("Content-Type", "").startswith(
        "application/json"
    ):
        assert response.status_code in (200, 400, 404, 429)


# --- payments -----------------------------------------------------------------------

BUTTONS = st.sampled_from(["pay", "decline", "abandon"])


@BUDGET
@given(
    action=st.one_of(BUTTONS, VALUES),
    name=VALUES,
    number=st.integers(min_value=1, max_value=10**9),
)
def test_the_test_providers_payment_page_never_answers_500(
    client, action, name, number
):
    """Every button with any name: paid with a fit name, else refused with a
    message and nothing recorded."""
    checkout = _checkout(f"fuzz:{number}")
    response = client.post(checkout.url, {"action": action, "name": name})
    assert response.status_code in (200, 302), (action, name, response.status_code)
    paid = LedgerEntry.objects.filter(checkout=checkout).first()
    if response.status_code == 200:
        assert paid is None
    if paid is not None:
        assert paid.payer_name == as_single_line(name)[:150]


SIGNATURES = st.one_of(
    st.sampled_from(["", "t=1,v1=00", "v1=", "t=abc", "\x00"]), st.text(max_size=80)
)
EVENT_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), VALUES),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(VALUES, inner, max_size=3)
    ),
    max_leaves=8,
)
EVENTS = st.fixed_dictionaries(
    {
        "id": st.one_of(VALUES, EVENT_VALUES),
        "type": st.one_of(
            st.sampled_from(
                [
                    "checkout.session.completed",
                    "checkout.session.expired",
                    "checkout.session.async_payment_failed",
                    "payment_intent.payment_failed",
                    "charge.refunded",
                    "charge.dispute.created",
                ]
            ),
            VALUES,
        ),
        "data": st.one_of(
            st.fixed_dictionaries({"object": st.dictionaries(VALUES, EVENT_VALUES)}),
            EVENT_VALUES,
        ),
    }
)


@BUDGET
@given(body=st.one_of(VALUES, EVENTS.map(json.dumps)), signature=SIGNATURES)
def test_the_stripe_webhook_refuses_whatever_is_not_signed(client, body, signature):
    from django.test import override_settings

    with override_settings(STRIPE_WEBHOOK_SECRET="whsec_fuzz"):
        response = client.post(
            reverse("payments:stripe-webhook"),
            body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )
    assert response.status_code == 400, (body, signature)


@BUDGET
@given(event=EVENTS)
def test_a_signed_but_malformed_event_never_answers_500(client, event):
    """Signed: past the signature check, the handler meets whatever the body holds."""
    from django.test import override_settings

    body = json.dumps(event)
    with override_settings(STRIPE_WEBHOOK_SECRET="whsec_fuzz"):
        response = client.post(
            reverse("payments:stripe-webhook"),
            body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=providers.sign(body, "whsec_fuzz"),
        )
    assert response.status_code in (200, 400), (event, response.status_code)
