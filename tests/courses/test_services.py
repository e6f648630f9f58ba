from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses import services
from courses.models import CourseDate, Enrolment, WaitingListEntry
from courses.services import EnrolmentError
from directory.models import Practitioner, Qualification
from tests.clock import london
from tests.courses.factories import (
    CourseDateFactory,
    CourseFactory,
    EnrolmentFactory,
    WaitingListEntryFactory,
    enrol,
    full_course_date,
)
from tests.directory.factories import PractitionerFactory, TechniqueFactory
from tests.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def places_taken(course_date) -> int:
    course_date.refresh_from_db()
    return course_date.places_taken


def holders(course_date) -> int:
    """What places_taken must always equal."""
    return (
        Enrolment.objects.holding_place().filter(course_date=course_date).count()
        + WaitingListEntry.objects.filter(
            course_date=course_date, status=WaitingListEntry.Status.OFFERED
        ).count()
    )


# --- enrolling -----------------------------------------------------------------------


def test_enrolling_reserves_a_place_until_the_deposit_is_due(settings, sent):
    settings.COURSES_RESERVATION_HOURS = 24
    course_date = CourseDateFactory(places=3)
    before = timezone.now()

    enrolment = enrol(course_date)

    assert enrolment.status == Enrolment.Status.RESERVED
    assert enrolment.price == course_date.price
    assert enrolment.deposit == course_date.course.deposit
    assert (
        before + timedelta(hours=24)
        <= enrolment.reserved_until
        <= timezone.now() + timedelta(hours=24)
    )
    assert places_taken(course_date) == 1
    assert course_date.places_left == 2
    assert sent == [("enrolment_received", enrolment.pk)]


def test_the_price_override_and_a_deposit_capped_at_the_price_are_recorded():
    course_date = CourseDateFactory(
        price_override=200, course=CourseFactory(deposit=300, price=400)
    )
    enrolment = enrol(course_date)
    assert enrolment.price == 200
    assert enrolment.deposit == 200


@pytest.mark.parametrize(
    ("make_date", "message"),
    [
        (
            lambda: CourseDateFactory(
                enrolment_deadline=timezone.localdate() - timedelta(days=1)
            ),
            "closed on",
        ),
        (
            lambda: CourseDateFactory(status=CourseDate.Status.CANCELLED),
            "has been cancelled",
        ),
        (
            lambda: CourseDateFactory(status=CourseDate.Status.CLOSED),
            "Enrolment for this course date is closed",
        ),
        (
            lambda: CourseDateFactory(
                starts_on=timezone.localdate() - timedelta(days=30),
                enrolment_deadline=timezone.localdate() - timedelta(days=40),
            ),
            "already started",
        ),
        (
            lambda: CourseDateFactory(starts_on=timezone.localdate()),
            "already started",
        ),
        (
            lambda: CourseDateFactory(course=CourseFactory(is_published=False)),
            "not open for enrolment",
        ),
        (lambda: full_course_date(places=2), "full. Join the waiting list"),
    ],
    ids=["deadline", "cancelled", "closed", "past", "today", "draft", "full"],
)
def test_enrolling_where_it_is_not_allowed_says_why_and_changes_nothing(
    make_date, message, sent
):
    course_date = make_date()
    taken = places_taken(course_date)
    count = Enrolment.objects.count()
    sent.clear()

    with pytest.raises(EnrolmentError, match=message):
        enrol(course_date)

    assert Enrolment.objects.count() == count
    assert places_taken(course_date) == taken
    assert sent == []


def test_enrolling_on_the_deadline_day_is_allowed():
    course_date = CourseDateFactory(enrolment_deadline=timezone.localdate())
    assert enrol(course_date).status == Enrolment.Status.RESERVED


def test_enrolling_twice_says_so_and_changes_nothing():
    course_date = CourseDateFactory()
    student = UserFactory()
    enrol(course_date, student)

    with pytest.raises(EnrolmentError, match="already enrolled"):
        enrol(course_date, student)

    assert Enrolment.objects.filter(student=student).count() == 1
    assert places_taken(course_date) == 1


def test_a_student_can_enrol_again_after_cancelling():
    course_date = CourseDateFactory()
    student = UserFactory()
    first = enrol(course_date, student)
    services.cancel_enrolment(enrolment=first, by=student)
    second = enrol(course_date, student)
    assert second.status == Enrolment.Status.RESERVED
    assert places_taken(course_date) == 1


def test_the_database_refuses_an_oversold_date_even_without_the_service():
    course_date = full_course_date(places=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseDate.objects.filter(pk=course_date.pk).update(places_taken=2)


def test_the_database_refuses_two_active_enrolments_for_one_student():
    enrolment = EnrolmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            course_date=enrolment.course_date,
            student=enrolment.student,
            full_name="x",
            phone="1",
            experience="none",
            motivation="x",
            price=1,
            deposit=1,
            reserved_until=timezone.now(),
        )


# --- deposits ------------------------------------------------------------------------


def test_recording_the_deposit_confirms_the_place(sent):
    enrolment = EnrolmentFactory()
    confirmed = services.record_deposit(enrolment=enrolment, reference=" BACS 123 ")
    assert confirmed.status == Enrolment.Status.CONFIRMED
    assert confirmed.deposit_paid_at is not None
    assert confirmed.payment_reference == "BACS 123"
    assert sent == [("enrolment_confirmed", enrolment.pk)]
    assert places_taken(enrolment.course_date) == 1


def test_recording_a_deposit_twice_is_refused(sent):
    enrolment = EnrolmentFactory()
    services.record_deposit(enrolment=enrolment)
    with pytest.raises(EnrolmentError, match="already recorded"):
        services.record_deposit(enrolment=enrolment)
    assert len(sent) == 1


def test_a_deposit_for_a_cancelled_reservation_is_refused():
    enrolment = EnrolmentFactory()
    services.cancel_enrolment(enrolment=enrolment, by=enrolment.student)
    with pytest.raises(EnrolmentError, match="was cancelled"):
        services.record_deposit(enrolment=enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CANCELLED


# --- cancelling ----------------------------------------------------------------------


def test_a_student_cancelling_frees_the_place(sent):
    enrolment = EnrolmentFactory(status=Enrolment.Status.CONFIRMED)
    course_date = enrolment.course_date

    cancelled = services.cancel_enrolment(enrolment=enrolment, by=enrolment.student)

    assert cancelled.status == Enrolment.Status.CANCELLED
    assert cancelled.cancel_reason == Enrolment.CancelReason.STUDENT
    assert places_taken(course_date) == 0
    assert sent == [("enrolment_cancelled", enrolment.pk)]


def test_cancelling_twice_is_refused():
    enrolment = EnrolmentFactory()
    services.cancel_enrolment(enrolment=enrolment, by=enrolment.student)
    with pytest.raises(EnrolmentError, match="already cancelled"):
        services.cancel_enrolment(enrolment=enrolment, by=enrolment.student)
    assert places_taken(enrolment.course_date) == 0


def test_a_student_cannot_cancel_after_the_start_but_staff_can():
    course_date = CourseDateFactory(
        starts_on=timezone.localdate() - timedelta(days=1),
        enrolment_deadline=timezone.localdate() - timedelta(days=10),
    )
    enrolment = EnrolmentFactory(
        course_date=course_date, status=Enrolment.Status.CONFIRMED
    )
    with pytest.raises(EnrolmentError, match="has started"):
        services.cancel_enrolment(enrolment=enrolment, by=enrolment.student)
    assert places_taken(course_date) == 1

    cancelled = services.cancel_enrolment(enrolment=enrolment, by=StaffFactory())
    assert cancelled.cancel_reason == Enrolment.CancelReason.STAFF
    assert places_taken(course_date) == 0


def test_someone_else_cannot_cancel_an_enrolment():
    enrolment = EnrolmentFactory()
    with pytest.raises(EnrolmentError, match="not yours"):
        services.cancel_enrolment(enrolment=enrolment, by=UserFactory())
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.RESERVED


def test_a_completed_enrolment_cannot_be_cancelled():
    enrolment = EnrolmentFactory(status=Enrolment.Status.COMPLETED)
    with pytest.raises(EnrolmentError, match="completed"):
        services.cancel_enrolment(enrolment=enrolment, by=StaffFactory())


# --- unpaid reservations -------------------------------------------------------------


def test_an_expired_reservation_frees_its_place(sent):
    course_date = CourseDateFactory(places=1)
    overdue = EnrolmentFactory(
        course_date=course_date, reserved_until=timezone.now() - timedelta(minutes=1)
    )
    assert course_date.is_full

    assert services.expire_unpaid_reservations() == 1

    overdue.refresh_from_db()
    assert overdue.status == Enrolment.Status.CANCELLED
    assert overdue.cancel_reason == Enrolment.CancelReason.EXPIRED
    assert places_taken(course_date) == 0
    assert sent == [("enrolment_cancelled", overdue.pk)]
    # The freed place can be taken again.
    assert enrol(course_date).status == Enrolment.Status.RESERVED


def test_expiring_reservations_twice_expires_each_once(sent):
    EnrolmentFactory(reserved_until=timezone.now() - timedelta(hours=1))
    assert services.expire_unpaid_reservations() == 1
    assert services.expire_unpaid_reservations() == 0
    assert len(sent) == 1


def test_paid_and_not_yet_due_reservations_are_kept():
    paid = EnrolmentFactory(
        status=Enrolment.Status.CONFIRMED,
        reserved_until=timezone.now() - timedelta(hours=1),
    )
    waiting = EnrolmentFactory(reserved_until=timezone.now() + timedelta(hours=1))
    assert services.expire_unpaid_reservations() == 0
    paid.refresh_from_db()
    waiting.refresh_from_db()
    assert paid.status == Enrolment.Status.CONFIRMED
    assert waiting.status == Enrolment.Status.RESERVED


def test_an_expired_reservation_is_offered_to_the_waiting_list(sent):
    course_date = CourseDateFactory(places=1)
    overdue = EnrolmentFactory(
        course_date=course_date, reserved_until=timezone.now() - timedelta(minutes=1)
    )
    entry = WaitingListEntryFactory(course_date=course_date)

    services.expire_unpaid_reservations()

    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED
    assert places_taken(course_date) == 1 == holders(course_date)
    assert sent == [
        ("enrolment_cancelled", overdue.pk),
        ("waiting_list_offer", entry.pk),
    ]


# --- the waiting list ----------------------------------------------------------------


def test_joining_the_waiting_list_of_a_full_date_puts_you_at_the_end():
    course_date = full_course_date(places=1)
    first = services.join_waiting_list(course_date=course_date, student=UserFactory())
    second = services.join_waiting_list(course_date=course_date, student=UserFactory())
    assert first.status == second.status == WaitingListEntry.Status.WAITING
    assert first.position < second.position
    assert places_taken(course_date) == 1


def test_the_waiting_list_is_only_for_full_dates():
    course_date = CourseDateFactory(places=2)
    with pytest.raises(EnrolmentError, match="still places"):
        services.join_waiting_list(course_date=course_date, student=UserFactory())
    assert not WaitingListEntry.objects.exists()


def test_joining_the_waiting_list_twice_or_when_enrolled_is_refused():
    course_date = full_course_date(places=1)
    enrolled = Enrolment.objects.get(course_date=course_date).student
    waiting = UserFactory()
    services.join_waiting_list(course_date=course_date, student=waiting)

    with pytest.raises(EnrolmentError, match="already on the waiting list"):
        services.join_waiting_list(course_date=course_date, student=waiting)
    with pytest.raises(EnrolmentError, match="already enrolled"):
        services.join_waiting_list(course_date=course_date, student=enrolled)
    assert WaitingListEntry.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"status": CourseDate.Status.CANCELLED},
        {"status": CourseDate.Status.CLOSED},
        {"enrolment_deadline": timezone.localdate() - timedelta(days=1)},
    ],
    ids=["cancelled", "closed", "deadline"],
)
def test_the_waiting_list_of_a_date_not_open_cannot_be_joined(changes):
    course_date = full_course_date(places=1)
    CourseDate.objects.filter(pk=course_date.pk).update(**changes)
    course_date.refresh_from_db()
    with pytest.raises(EnrolmentError):
        services.join_waiting_list(course_date=course_date, student=UserFactory())
    assert not WaitingListEntry.objects.exists()


def test_a_freed_place_is_offered_to_the_first_in_line(settings, sent):
    settings.COURSES_OFFER_HOURS = 48
    course_date = full_course_date(places=1)
    first = WaitingListEntryFactory(course_date=course_date, position=1)
    second = WaitingListEntryFactory(course_date=course_date, position=2)
    enrolment = Enrolment.objects.get(course_date=course_date)
    sent.clear()

    services.cancel_enrolment(enrolment=enrolment, by=enrolment.student)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitingListEntry.Status.OFFERED
    assert first.offer_expires_at - first.offered_at == timedelta(hours=48)
    assert second.status == WaitingListEntry.Status.WAITING
    # The place is held for the offer, not put back on sale.
    assert places_taken(course_date) == 1 == holders(course_date)
    with pytest.raises(EnrolmentError, match="full"):
        enrol(course_date)
    assert sent == [
        ("enrolment_cancelled", enrolment.pk),
        ("waiting_list_offer", first.pk),
    ]


def test_staff_reordering_changes_who_is_offered_first():
    course_date = full_course_date(places=1)
    first = WaitingListEntryFactory(course_date=course_date, position=1)
    moved_up = WaitingListEntryFactory(course_date=course_date, position=2)
    moved_up.position = 0
    moved_up.save(update_fields=["position"])

    enrolment = Enrolment.objects.get(course_date=course_date)
    services.cancel_enrolment(enrolment=enrolment, by=StaffFactory())

    moved_up.refresh_from_db()
    first.refresh_from_db()
    assert moved_up.status == WaitingListEntry.Status.OFFERED
    assert first.status == WaitingListEntry.Status.WAITING


def test_the_offered_student_can_take_the_held_place():
    course_date = full_course_date(places=1)
    offer = WaitingListEntryFactory(course_date=course_date)
    services.cancel_enrolment(
        enrolment=Enrolment.objects.get(course_date=course_date), by=StaffFactory()
    )

    enrolment = enrol(course_date, offer.student)

    offer.refresh_from_db()
    assert offer.status == WaitingListEntry.Status.ENROLLED
    assert enrolment.status == Enrolment.Status.RESERVED
    assert places_taken(course_date) == 1 == holders(course_date)


def test_an_offer_can_be_taken_after_the_enrolment_deadline():
    course_date = CourseDateFactory(places=1)
    offer = WaitingListEntryFactory(
        course_date=course_date, status=WaitingListEntry.Status.OFFERED
    )
    CourseDate.objects.filter(pk=course_date.pk).update(
        enrolment_deadline=timezone.localdate() - timedelta(days=1)
    )
    course_date.refresh_from_db()
    assert enrol(course_date, offer.student).status == Enrolment.Status.RESERVED


def test_an_offer_made_before_staff_closed_the_date_is_honoured(sent):
    course_date = CourseDateFactory(places=1)
    offer = WaitingListEntryFactory(
        course_date=course_date, status=WaitingListEntry.Status.OFFERED, position=1
    )
    WaitingListEntryFactory(course_date=course_date, position=2)
    CourseDate.objects.filter(pk=course_date.pk).update(status=CourseDate.Status.CLOSED)
    course_date.refresh_from_db()

    with pytest.raises(EnrolmentError, match="closed"):
        enrol(course_date)
    enrolment = enrol(course_date, offer.student)

    offer.refresh_from_db()
    assert enrolment.status == Enrolment.Status.RESERVED
    assert offer.status == WaitingListEntry.Status.ENROLLED
    assert places_taken(course_date) == 1 == holders(course_date)


def test_an_offer_lapsing_on_a_closed_date_is_not_passed_on(sent):
    course_date = CourseDateFactory(places=1)
    lapsed = WaitingListEntryFactory(
        course_date=course_date,
        status=WaitingListEntry.Status.OFFERED,
        offer_expires_at=timezone.now() - timedelta(minutes=1),
        position=1,
    )
    following = WaitingListEntryFactory(course_date=course_date, position=2)
    CourseDate.objects.filter(pk=course_date.pk).update(status=CourseDate.Status.CLOSED)

    assert services.expire_waiting_list_offers() == 1

    following.refresh_from_db()
    assert following.status == WaitingListEntry.Status.WAITING
    assert places_taken(course_date) == 0 == holders(course_date)
    assert sent == [("waiting_list_offer_expired", lapsed.pk)]


def test_an_offer_expires_and_moves_on_to_the_next_in_line(sent):
    course_date = CourseDateFactory(places=1)
    lapsed = WaitingListEntryFactory(
        course_date=course_date,
        status=WaitingListEntry.Status.OFFERED,
        offer_expires_at=timezone.now() - timedelta(minutes=1),
        position=1,
    )
    following = WaitingListEntryFactory(course_date=course_date, position=2)

    assert services.expire_waiting_list_offers() == 1

    lapsed.refresh_from_db()
    following.refresh_from_db()
    assert lapsed.status == WaitingListEntry.Status.EXPIRED
    assert following.status == WaitingListEntry.Status.OFFERED
    assert places_taken(course_date) == 1 == holders(course_date)
    assert sent == [
        ("waiting_list_offer", following.pk),
        ("waiting_list_offer_expired", lapsed.pk),
    ]
    # The skipped student cannot take the place any more.
    with pytest.raises(EnrolmentError, match="was not taken in time. The date is full"):
        enrol(course_date, lapsed.student)


def test_expiring_offers_twice_expires_each_once(sent):
    course_date = CourseDateFactory(places=1)
    entry = WaitingListEntryFactory(
        course_date=course_date,
        status=WaitingListEntry.Status.OFFERED,
        offer_expires_at=timezone.now() - timedelta(minutes=1),
    )
    assert services.expire_waiting_list_offers() == 1
    assert services.expire_waiting_list_offers() == 0
    assert sent == [("waiting_list_offer_expired", entry.pk)]
    # Nobody else waiting: the place is back on sale.
    assert places_taken(course_date) == 0


def test_an_offer_still_open_is_not_expired():
    entry = WaitingListEntryFactory(status=WaitingListEntry.Status.OFFERED)
    assert services.expire_waiting_list_offers() == 0
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED


def test_an_offer_past_its_time_but_not_yet_expired_by_the_job_cannot_be_taken():
    entry = WaitingListEntryFactory(
        course_date=CourseDateFactory(places=1),
        status=WaitingListEntry.Status.OFFERED,
        offer_expires_at=timezone.now() - timedelta(seconds=1),
    )
    with pytest.raises(EnrolmentError, match="that time has passed"):
        enrol(entry.course_date, entry.student)
    assert not Enrolment.objects.exists()


def test_leaving_the_waiting_list():
    course_date = full_course_date(places=1)
    entry = WaitingListEntryFactory(course_date=course_date)
    left = services.leave_waiting_list(entry=entry)
    assert left.status == WaitingListEntry.Status.LEFT
    with pytest.raises(EnrolmentError, match="no longer on the waiting list"):
        services.leave_waiting_list(entry=entry)
    assert places_taken(course_date) == 1


def test_declining_an_offer_passes_the_place_on(sent):
    course_date = CourseDateFactory(places=1)
    declining = WaitingListEntryFactory(
        course_date=course_date, status=WaitingListEntry.Status.OFFERED, position=1
    )
    following = WaitingListEntryFactory(course_date=course_date, position=2)

    services.leave_waiting_list(entry=declining)

    following.refresh_from_db()
    assert following.status == WaitingListEntry.Status.OFFERED
    assert places_taken(course_date) == 1 == holders(course_date)
    assert sent == [("waiting_list_offer", following.pk)]


def test_no_offers_are_made_for_a_closed_date_the_place_is_just_freed():
    course_date = full_course_date(places=1)
    entry = WaitingListEntryFactory(course_date=course_date)
    CourseDate.objects.filter(pk=course_date.pk).update(status=CourseDate.Status.CLOSED)
    services.cancel_enrolment(
        enrolment=Enrolment.objects.get(course_date=course_date), by=StaffFactory()
    )
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.WAITING
    assert places_taken(course_date) == 0


def test_places_added_by_staff_are_offered_to_the_waiting_list(sent):
    course_date = full_course_date(places=1)
    entries = [WaitingListEntryFactory(course_date=course_date) for _ in range(3)]
    CourseDate.objects.filter(pk=course_date.pk).update(places=3)
    sent.clear()

    offered = services.offer_free_places(course_date=course_date)

    assert [e.pk for e in offered] == [entries[0].pk, entries[1].pk]
    assert places_taken(course_date) == 3 == holders(course_date)
    assert services.offer_free_places(course_date=course_date) == []
    assert len(sent) == 2


def test_the_offers_job_also_fills_free_places_with_people_waiting():
    course_date = full_course_date(places=1)
    entry = WaitingListEntryFactory(course_date=course_date)
    CourseDate.objects.filter(pk=course_date.pk).update(places=2)

    services.expire_waiting_list_offers()

    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED
    assert places_taken(course_date) == 2


# --- nothing is held past the start of the course ------------------------------------

# Clocks go forward in the early hours of Sunday 31 March 2030; the course starts the
# next day, so its first moment is 23:00 UTC, not midnight UTC.
MONDAY_START = date(2030, 4, 1)
FIRST_MOMENT = datetime(2030, 3, 31, 23, 0, tzinfo=UTC)
SATURDAY_NOON = london(2030, 3, 30, 12, 0)


def starting_on_monday(**kwargs) -> CourseDate:
    return CourseDateFactory(
        starts_on=MONDAY_START, enrolment_deadline=MONDAY_START, **kwargs
    )


def test_a_late_reservation_is_held_until_the_course_starts_not_beyond(settings):
    settings.COURSES_RESERVATION_HOURS = 72
    course_date = starting_on_monday()

    enrolment = enrol(course_date, now=SATURDAY_NOON)

    assert course_date.starts_at == FIRST_MOMENT
    assert enrolment.reserved_until == FIRST_MOMENT
    assert "by the end of Sunday 31 March 2030" in enrolment.deposit_instructions


def test_an_early_reservation_keeps_its_full_time(settings):
    settings.COURSES_RESERVATION_HOURS = 72
    course_date = starting_on_monday()
    early = london(2030, 3, 1, 9, 30)
    enrolment = enrol(course_date, now=early)
    assert enrolment.reserved_until == early + timedelta(hours=72)


def test_a_late_offer_is_held_until_the_course_starts_not_beyond(settings, sent):
    settings.COURSES_OFFER_HOURS = 48
    course_date = starting_on_monday(places=1)
    enrolment = EnrolmentFactory(course_date=course_date)
    waiting = WaitingListEntryFactory(course_date=course_date)

    services.cancel_enrolment(
        enrolment=enrolment, by=enrolment.student, now=SATURDAY_NOON
    )

    waiting.refresh_from_db()
    assert waiting.status == WaitingListEntry.Status.OFFERED
    assert waiting.offer_expires_at == FIRST_MOMENT


def test_a_late_offer_lapses_when_the_course_starts_and_is_not_passed_on(sent):
    course_date = starting_on_monday(places=1)
    enrolment = EnrolmentFactory(course_date=course_date)
    offered = WaitingListEntryFactory(course_date=course_date, position=1)
    still_waiting = WaitingListEntryFactory(course_date=course_date, position=2)
    services.cancel_enrolment(
        enrolment=enrolment, by=enrolment.student, now=SATURDAY_NOON
    )
    sent.clear()

    assert services.expire_waiting_list_offers(now=FIRST_MOMENT) == 1

    offered.refresh_from_db()
    still_waiting.refresh_from_db()
    assert offered.status == WaitingListEntry.Status.EXPIRED
    # The course has started: nobody is offered a place that cannot be taken.
    assert still_waiting.status == WaitingListEntry.Status.WAITING
    assert places_taken(course_date) == 0 == holders(course_date)
    assert sent == [("waiting_list_offer_expired", offered.pk)]


def test_a_late_reservation_left_unpaid_is_released_when_the_course_starts(sent):
    course_date = starting_on_monday()
    enrolment = enrol(course_date, now=SATURDAY_NOON)

    assert (
        services.expire_unpaid_reservations(now=FIRST_MOMENT - timedelta(seconds=1))
        == 0
    )
    assert services.expire_unpaid_reservations(now=FIRST_MOMENT) == 1

    enrolment.refresh_from_db()
    assert enrolment.cancel_reason == Enrolment.CancelReason.EXPIRED
    assert places_taken(course_date) == 0


# --- graduates -----------------------------------------------------------------------


def finished_enrolment(student, **kwargs):
    deep = TechniqueFactory(name="Deep tissue", slug="deep-tissue")
    trigger = TechniqueFactory(
        name="Trigger point therapy", slug="trigger-point-therapy"
    )
    course = CourseFactory(title="Deep Tissue Diploma", techniques=[deep, trigger])
    course_date = CourseDateFactory(
        course=course,
        venue_town="Bath",
        starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate(),
        enrolment_deadline=timezone.localdate() - timedelta(days=40),
    )
    return EnrolmentFactory(
        course_date=course_date,
        student=student,
        status=Enrolment.Status.CONFIRMED,
        **kwargs,
    )


def test_completing_an_enrolment_adds_verified_techniques_to_the_profile():
    practitioner = PractitionerFactory()
    enrolment = finished_enrolment(practitioner.user)

    granted = services.complete_enrolment(enrolment=enrolment)

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert enrolment.completed_at is not None
    assert {q.technique.slug for q in granted} == {
        "deep-tissue",
        "trigger-point-therapy",
    }
    qualification = practitioner.qualifications.get(technique__slug="deep-tissue")
    assert qualification.source == Qualification.Source.COURSE
    assert qualification.reference.startswith("Deep Tissue Diploma, Bath ")
    # Visible in directory search: a listed practitioner with a verified technique.
    assert practitioner in Practitioner.objects.listed().filter(
        verified_techniques__slug="deep-tissue"
    )
    assert practitioner.techniques.filter(slug="trigger-point-therapy").exists()


def test_completing_for_a_student_without_a_profile_grants_nothing():
    enrolment = finished_enrolment(UserFactory())
    assert services.complete_enrolment(enrolment=enrolment) == []
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert not Qualification.objects.exists()


def test_completing_twice_is_refused():
    enrolment = finished_enrolment(PractitionerFactory().user)
    services.complete_enrolment(enrolment=enrolment)
    with pytest.raises(EnrolmentError, match="already completed"):
        services.complete_enrolment(enrolment=enrolment)
    assert Qualification.objects.count() == 2


def test_only_confirmed_enrolments_can_be_completed():
    practitioner = PractitionerFactory()
    enrolment = finished_enrolment(practitioner.user)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=Enrolment.Status.RESERVED, deposit_paid_at=None
    )
    with pytest.raises(EnrolmentError, match="Only confirmed"):
        services.complete_enrolment(enrolment=enrolment)
    assert not practitioner.qualifications.exists()


def test_an_enrolment_cannot_be_completed_before_the_course_ends():
    enrolment = EnrolmentFactory(status=Enrolment.Status.CONFIRMED)
    with pytest.raises(EnrolmentError, match="before the course ends"):
        services.complete_enrolment(enrolment=enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED


def test_course_techniques_can_be_granted_once_a_graduate_creates_a_profile():
    student = UserFactory()
    enrolment = finished_enrolment(student)
    services.complete_enrolment(enrolment=enrolment)
    enrolment.refresh_from_db()
    practitioner = PractitionerFactory(user=student)
    granted = services.grant_course_techniques(enrolment=enrolment)
    assert len(granted) == 2
    assert practitioner.verified_techniques.count() == 2


def test_techniques_are_only_granted_for_completed_enrolments():
    enrolment = EnrolmentFactory()
    with pytest.raises(EnrolmentError, match="not completed"):
        services.grant_course_techniques(enrolment=enrolment)


# --- staff ---------------------------------------------------------------------------


def test_cancelling_a_date_cancels_its_enrolments_and_closes_the_list(sent):
    course_date = CourseDateFactory(places=3)
    reserved = EnrolmentFactory(course_date=course_date)
    confirmed = EnrolmentFactory(
        course_date=course_date, status=Enrolment.Status.CONFIRMED
    )
    offered = WaitingListEntryFactory(
        course_date=course_date, status=WaitingListEntry.Status.OFFERED
    )
    waiting = WaitingListEntryFactory(course_date=course_date)
    sent.clear()

    assert services.cancel_course_date(course_date=course_date) == 2

    course_date.refresh_from_db()
    assert course_date.status == CourseDate.Status.CANCELLED
    assert course_date.places_taken == 0
    for enrolment in (reserved, confirmed):
        enrolment.refresh_from_db()
        assert enrolment.cancel_reason == Enrolment.CancelReason.DATE_CANCELLED
    for entry in (offered, waiting):
        entry.refresh_from_db()
        assert entry.status == WaitingListEntry.Status.CLOSED
    assert sorted(sent) == sorted(
        [("enrolment_cancelled", reserved.pk), ("enrolment_cancelled", confirmed.pk)]
    )

    assert services.cancel_course_date(course_date=course_date) == 0
    assert len(sent) == 2


# --- reminders -----------------------------------------------------------------------


def test_the_week_before_reminder_is_queued_once(sent):
    soon = CourseDateFactory(
        starts_on=timezone.localdate() + timedelta(days=6),
        enrolment_deadline=timezone.localdate(),
    )
    enrolment = EnrolmentFactory(course_date=soon, status=Enrolment.Status.CONFIRMED)

    assert services.queue_course_reminders() == 1
    assert services.queue_course_reminders() == 0

    enrolment.refresh_from_db()
    assert enrolment.reminder_queued_at is not None
    assert sent == [("course_starts_soon", enrolment.pk)]


def test_no_reminder_too_early_unpaid_cancelled_or_started(settings):
    settings.COURSES_REMINDER_DAYS = 7
    today = timezone.localdate()
    later = CourseDateFactory(starts_on=today + timedelta(days=8))
    soon = CourseDateFactory(starts_on=today + timedelta(days=3))
    started = CourseDateFactory(
        starts_on=today, enrolment_deadline=today - timedelta(days=3)
    )
    EnrolmentFactory(course_date=later, status=Enrolment.Status.CONFIRMED)
    EnrolmentFactory(course_date=soon)  # deposit not paid
    EnrolmentFactory(course_date=started, status=Enrolment.Status.CONFIRMED)
    cancelled = EnrolmentFactory(course_date=soon, status=Enrolment.Status.CONFIRMED)
    services.cancel_enrolment(enrolment=cancelled, by=cancelled.student)

    assert services.queue_course_reminders() == 0


def test_no_free_places_are_offered_on_a_closed_date():
    course_date = full_course_date(places=1)
    entry = WaitingListEntryFactory(course_date=course_date)
    CourseDate.objects.filter(pk=course_date.pk).update(
        places=2, status=CourseDate.Status.CLOSED
    )
    assert services.offer_free_places(course_date=course_date) == []
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.WAITING
    assert places_taken(course_date) == 1
