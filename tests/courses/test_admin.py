from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from courses.models import CourseDate, Enrolment, WaitingListEntry
from payments.models import LedgerEntry
from tests.courses.factories import (
    CourseDateFactory,
    CourseFactory,
    EnrolmentFactory,
    WaitingListEntryFactory,
    full_course_date,
)
from tests.directory.factories import PractitionerFactory
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def action(client, model: str, name: str, objects, **data):
    return client.post(
        reverse(f"admin:courses_{model}_changelist"),
        {"action": name, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data},
        follow=True,
    )


@pytest.mark.parametrize(
    "url",
    [
        "admin:courses_course_changelist",
        "admin:courses_coursedate_changelist",
        "admin:courses_enrolment_changelist",
        "admin:courses_waitinglistentry_changelist",
        "admin:courses_course_add",
        "admin:courses_coursedate_add",
    ],
)
def test_admin_pages_render(staff_client, url):
    EnrolmentFactory()
    WaitingListEntryFactory()
    assert staff_client.get(reverse(url)).status_code == 200


def test_admin_change_pages_render(staff_client):
    enrolment = EnrolmentFactory()
    entry = WaitingListEntryFactory(course_date=enrolment.course_date)
    for url in [
        reverse("admin:courses_course_change", args=[enrolment.course_date.course_id]),
        reverse("admin:courses_coursedate_change", args=[enrolment.course_date_id]),
        reverse("admin:courses_enrolment_change", args=[enrolment.pk]),
        reverse("admin:courses_waitinglistentry_change", args=[entry.pk]),
    ]:
        assert staff_client.get(url).status_code == 200


def test_enrolments_can_be_searched_by_reference(staff_client):
    # Plain names: Faker's may hold an apostrophe, which the page escapes.
    enrolment = EnrolmentFactory(full_name="Nina Found")
    other = EnrolmentFactory(full_name="Otto Missing")
    html = staff_client.get(
        reverse("admin:courses_enrolment_changelist"), {"q": enrolment.reference}
    ).content.decode()
    assert enrolment.full_name in html
    assert other.full_name not in html


def test_searching_by_reference_keeps_the_sidebar_filters(staff_client):
    reserved = EnrolmentFactory(full_name="Rosa Reserved")
    EnrolmentFactory(
        full_name="Cara Confirmed",
        course_date=reserved.course_date,
        status=Enrolment.Status.CONFIRMED,
    )
    url = reverse("admin:courses_enrolment_changelist")

    html = staff_client.get(
        url, {"status__exact": "confirmed", "q": reserved.reference}
    ).content.decode()

    assert "Rosa Reserved" not in html
    assert "0 enrolments" in html


@pytest.mark.parametrize("term", ["²", "ENR-²", "ENR-٣", "9" * 40, "ENR-"])
def test_searching_for_an_odd_reference_finds_nothing_instead_of_failing(
    staff_client, term
):
    EnrolmentFactory(full_name="Rosa Student")
    response = staff_client.get(
        reverse("admin:courses_enrolment_changelist"), {"q": term}
    )
    assert response.status_code == 200
    assert "Rosa Student" not in response.content.decode()


def test_recording_a_deposit_by_hand_puts_it_on_the_ledger_and_confirms(
    staff_client,
):
    enrolment = EnrolmentFactory()
    page = action(staff_client, "enrolment", "record_payments", [enrolment])
    assert "Payment reference" in page.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.RESERVED
    assert not LedgerEntry.objects.exists()

    action(
        staff_client,
        "enrolment",
        "record_payments",
        [enrolment],
        apply="1",
        method="bank_transfer",
        payment_reference="BACS 42",
    )
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert enrolment.payment_reference == "BACS 42"
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.amount_pence, entry.method) == (
        "manual",
        30000,
        "bank_transfer",
    )
    assert entry.provider_reference == "BACS 42"
    assert entry.recorded_by.is_staff and entry.reference == f"enrolment:{enrolment.pk}"


def test_recording_part_of_the_balance_by_hand(staff_client):
    enrolment = EnrolmentFactory(status=Enrolment.Status.CONFIRMED)
    action(
        staff_client,
        "enrolment",
        "record_payments",
        [enrolment],
        apply="1",
        amount="£500.50",
        method="cash",
    )
    assert LedgerEntry.objects.get().amount_pence == 50050


@pytest.mark.parametrize("amount", ["abc", "-5", "0", "1.001", "1e9999"])
def test_a_bad_amount_is_asked_again_and_records_nothing(staff_client, amount):
    enrolment = EnrolmentFactory()
    page = action(
        staff_client,
        "enrolment",
        "record_payments",
        [enrolment],
        apply="1",
        amount=amount,
        method="cash",
    )
    assert page.status_code == 200
    assert "Enter an amount" in page.content.decode()
    assert not LedgerEntry.objects.exists()


def test_an_action_reports_each_refusal(staff_client):
    cancelled = EnrolmentFactory(
        status=Enrolment.Status.CANCELLED,
        cancel_reason=Enrolment.CancelReason.STUDENT,
    )
    response = action(
        staff_client,
        "enrolment",
        "record_payments",
        [cancelled],
        apply="1",
        method="cash",
    )
    assert "is cancelled" in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_the_enrolment_page_shows_its_ledger_and_staff_refund_from_it(staff_client):
    enrolment = EnrolmentFactory()
    action(
        staff_client,
        "enrolment",
        "record_payments",
        [enrolment],
        apply="1",
        method="bank_transfer",
        payment_reference="BACS 7",
    )
    page = staff_client.get(
        reverse("admin:courses_enrolment_change", args=[enrolment.pk])
    ).content.decode()
    assert "BACS 7" in page and "Payment recorded by staff" in page

    action(
        staff_client,
        "enrolment",
        "refund",
        [enrolment],
        apply="1",
        amount="100",
        reason="Course materials not needed.",
    )
    refund = LedgerEntry.objects.get(kind="refund")
    assert refund.amount_pence == 10000 and refund.recorded_by.is_staff
    page = staff_client.get(
        reverse("admin:courses_enrolment_change", args=[enrolment.pk])
    ).content.decode()
    assert "Course materials not needed." in page
    assert "£200" in page  # held now


def test_marking_completed_grants_verified_techniques(staff_client):
    practitioner = PractitionerFactory()
    course_date = CourseDateFactory(
        starts_on=timezone.localdate() - timedelta(days=10),
        ends_on=timezone.localdate() - timedelta(days=1),
        enrolment_deadline=timezone.localdate() - timedelta(days=20),
    )
    enrolment = EnrolmentFactory(
        course_date=course_date,
        student=practitioner.user,
        status=Enrolment.Status.CONFIRMED,
    )
    action(staff_client, "enrolment", "mark_completed", [enrolment], apply="1")
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert practitioner.verified_techniques.filter(slug="holistic-massage").exists()


def test_staff_cancel_enrolments_after_confirming(staff_client):
    enrolment = EnrolmentFactory()
    page = action(staff_client, "enrolment", "cancel_enrolments", [enrolment])
    assert "Yes, cancel them" in page.content.decode()
    action(staff_client, "enrolment", "cancel_enrolments", [enrolment], apply="1")
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CANCELLED
    assert enrolment.cancel_reason == Enrolment.CancelReason.STAFF


def test_the_enrolment_csv_export(staff_client):
    enrolment = EnrolmentFactory()
    response = staff_client.post(
        reverse("admin:courses_enrolment_changelist"),
        {"action": "export_csv", ACTION_CHECKBOX_NAME: [enrolment.pk]},
    )
    assert response["Content-Type"].startswith("text/csv")
    assert enrolment.reference in response.content.decode()


def test_the_course_date_class_list_export(staff_client):
    enrolment = EnrolmentFactory()
    response = staff_client.post(
        reverse("admin:courses_coursedate_changelist"),
        {
            "action": "download_class_list",
            ACTION_CHECKBOX_NAME: [enrolment.course_date_id],
        },
    )
    assert enrolment.reference in response.content.decode()


def test_cancelling_a_date_in_the_admin_cancels_its_enrolments(staff_client):
    enrolment = EnrolmentFactory()
    action(
        staff_client, "coursedate", "cancel_dates", [enrolment.course_date], apply="1"
    )
    enrolment.refresh_from_db()
    assert enrolment.cancel_reason == Enrolment.CancelReason.DATE_CANCELLED


def course_date_form(course_date: CourseDate, **changes) -> dict:
    data = {
        "course": course_date.course_id,
        "status": course_date.status,
        "venue_name": course_date.venue_name,
        "venue_address": course_date.venue_address,
        "venue_town": course_date.venue_town,
        "venue_postcode": course_date.venue_postcode,
        "starts_on": course_date.starts_on.isoformat(),
        "ends_on": course_date.ends_on.isoformat(),
        "schedule": course_date.schedule,
        "enrolment_deadline": course_date.enrolment_deadline.isoformat(),
        "places": course_date.places,
        "price_override": "",
    }
    for prefix in ("days", "enrolments", "waiting_list"):
        data |= {
            f"{prefix}-TOTAL_FORMS": 0,
            f"{prefix}-INITIAL_FORMS": 0,
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    return data | changes


def change(client, course_date, **changes):
    return client.post(
        reverse("admin:courses_coursedate_change", args=[course_date.pk]),
        course_date_form(course_date, **changes),
        follow=True,
    )


def test_adding_places_in_the_admin_offers_them_to_the_waiting_list(staff_client):
    course_date = full_course_date(places=1)
    entry = WaitingListEntryFactory(course_date=course_date)
    change(staff_client, course_date, places=2)
    entry.refresh_from_db()
    course_date.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED
    assert course_date.places == 2
    assert course_date.places_taken == 2


def test_closing_a_date_in_the_admin_keeps_open_offers_and_says_so(staff_client):
    course_date = CourseDateFactory(places=1)
    offer = WaitingListEntryFactory(
        course_date=course_date, status=WaitingListEntry.Status.OFFERED
    )
    response = change(staff_client, course_date, status=CourseDate.Status.CLOSED)
    assert "1 waiting-list offer made before closing stays open" in (
        response.content.decode()
    )
    offer.refresh_from_db()
    assert offer.status == WaitingListEntry.Status.OFFERED
    course_date.refresh_from_db()
    assert course_date.status == CourseDate.Status.CLOSED
    assert course_date.places_taken == 1


def test_saving_a_date_never_overwrites_places_taken(staff_client):
    course_date = CourseDateFactory(places=5)
    stale = CourseDate.objects.get(pk=course_date.pk)
    EnrolmentFactory(course_date=course_date)  # taken after the page was loaded
    change(staff_client, stale, schedule="Five weekends")
    course_date.refresh_from_db()
    assert course_date.schedule == "Five weekends"
    assert course_date.places_taken == 1


def test_places_cannot_be_reduced_below_those_taken(staff_client):
    course_date = full_course_date(places=3)
    response = change(staff_client, course_date, places=2)
    assert "3 places are already taken" in response.content.decode()
    course_date.refresh_from_db()
    assert course_date.places == 3


def test_choosing_cancelled_in_the_admin_cancels_the_enrolments(staff_client):
    enrolment = EnrolmentFactory()
    change(staff_client, enrolment.course_date, status=CourseDate.Status.CANCELLED)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CANCELLED
    enrolment.course_date.refresh_from_db()
    assert enrolment.course_date.status == CourseDate.Status.CANCELLED
    assert enrolment.course_date.places_taken == 0


def test_bad_dates_in_the_admin_are_explained(staff_client):
    course_date = CourseDateFactory()
    response = change(
        staff_client,
        course_date,
        ends_on=(course_date.starts_on - timedelta(days=1)).isoformat(),
    )
    assert "must end on or after its start" in response.content.decode()


def test_reordering_the_waiting_list_changes_only_positions(staff_client):
    course_date = full_course_date(places=1)
    first = WaitingListEntryFactory(course_date=course_date, position=1)
    second = WaitingListEntryFactory(course_date=course_date, position=2)
    response = staff_client.post(
        reverse("admin:courses_waitinglistentry_changelist"),
        {
            "form-TOTAL_FORMS": 2,
            "form-INITIAL_FORMS": 2,
            "form-MIN_NUM_FORMS": 0,
            "form-MAX_NUM_FORMS": 1000,
            "form-0-id": first.pk,
            "form-0-position": 3,
            "form-1-id": second.pk,
            "form-1-position": 2,
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.position == 3
    enrolment = Enrolment.objects.get(course_date=course_date)
    action(staff_client, "enrolment", "cancel_enrolments", [enrolment], apply="1")
    second.refresh_from_db()
    assert second.status == WaitingListEntry.Status.OFFERED


def test_courses_can_be_added_in_the_admin(staff_client):
    course = CourseFactory.build()
    response = staff_client.post(
        reverse("admin:courses_course_add"),
        {
            "title": "Reflexology Diploma",
            "slug": "reflexology-diploma",
            "summary": course.summary,
            "description": course.description,
            "level": "diploma",
            "total_hours": 60,
            "price": "900",
            "deposit": "1000",
            "techniques": [],
        },
    )
    assert "deposit must be between" in response.content.decode()
