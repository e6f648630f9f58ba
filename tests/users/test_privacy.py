"""Your data: the download of everything we hold about a person, and deleting an
account (users/privacy.py, users/services.delete_account, each app's privacy.py)."""

import json
import logging
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import privacy as bookings_privacy
from bookings.models import (
    Booking,
    CalendarFeed,
    ExternalCalendar,
    HealthIntake,
    Service,
    WaitlistRequest,
    WeeklyHours,
)
from bookings.waitlist import join_waitlist
from courses.models import CourseDate, Enrolment, WaitingListEntry
from directory.models import Practitioner
from notifications import outbox
from notifications.models import OutboundEmail
from tests.blog.factories import PostFactory
from tests.bookings.factories import (
    BookingFactory,
    CalendarFeedFactory,
    ExternalCalendarFactory,
    HealthIntakeFactory,
    WaitlistRequestFactory,
    book,
    bookable_service,
)
from tests.clock import future_day, london_at
from tests.courses.factories import (
    CourseDateFactory,
    EnrolmentFactory,
    WaitingListEntryFactory,
)
from tests.directory.factories import (
    LocationFactory,
    PractitionerFactory,
    QualificationFactory,
)
from tests.notifications.factories import OutboundEmailFactory
from tests.users.factories import TEST_PASSWORD, StaffFactory, UserFactory
from users import privacy, services
from users.models import User

pytestmark = pytest.mark.django_db

EXPORT = reverse("users:export-data")
DELETE = reverse("users:delete-account")


def days(n: int) -> timedelta:
    return timedelta(days=n)


def download(client) -> dict:
    response = client.post(EXPORT)
    assert response.status_code == 200
    return json.loads(response.content)


def delete(client, password=TEST_PASSWORD, **kwargs):
    return client.post(DELETE, {"password": password}, **kwargs)


def booking_for(client_user, *, starts_in=None, **kwargs) -> Booking:
    """A booking (ten days ahead unless `starts_in`) with its own practitioner, so
    bookings never overlap."""
    starts_in = days(10) if starts_in is None else starts_in
    starts_at = timezone.now().replace(microsecond=0) + starts_in
    return BookingFactory(
        client=client_user,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        blocked_starts_at=starts_at,
        blocked_ends_at=starts_at + timedelta(hours=1),
        **kwargs,
    )


@pytest.fixture
def person(client):
    user = UserFactory(full_name="Robin Privacy", email="robin@example.com")
    client.force_login(user)
    return user


# --- the registry ---------------------------------------------------------------


def test_the_registry_finds_each_installed_apps_privacy_module_in_order():
    names = [module.__name__ for module in privacy.privacy_modules()]
    assert names == [
        "directory.privacy",
        "bookings.privacy",
        "courses.privacy",
        "reviews.privacy",
        "payments.privacy",
        "notifications.privacy",
        "blog.privacy",
    ]


def test_the_registry_skips_apps_not_installed_or_without_a_module(settings):
    settings.PROJECT_APPS = ["nosuchapp", "sites", "blog"]
    names = [module.__name__ for module in privacy.privacy_modules()]
    assert names == ["blog.privacy"]


# --- export ------------------------------------------------------------------------


def test_the_export_needs_a_login(client):
    response = client.post(EXPORT)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_get_does_not_download_anything(client, person):
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert response["Location"] == reverse("users:account")


def test_the_export_is_a_json_attachment_that_is_never_cached(client, person):
    response = client.post(EXPORT)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('.json"')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "robin@example.com"
    assert data["account"]["name"] == "Robin Privacy"
    assert (
        data["account"]["joined"] == timezone.localtime(person.date_joined).isoformat()
    )
    assert data["email_addresses"] == [
        {"email": "robin@example.com", "verified": True, "primary": True}
    ]


def test_the_export_holds_appointments_with_health_answers_in_local_time(
    client, person
):
    booking = booking_for(person)
    HealthIntakeFactory(booking=booking, pregnant=True, details="Sore left knee")
    data = download(client)
    [appointment] = data["appointments"]
    assert appointment["practitioner"] == booking.practitioner.display_name
    assert appointment["treatment"] == "Deep tissue massage"
    assert appointment["status"] == "Confirmed"
    assert (
        appointment["starts"]
        == booking.starts_at.astimezone(booking.practitioner.zone).isoformat()
    )
    assert appointment["starts"][-6:] in {"+00:00", "+01:00"}
    answers = appointment["health_answers"]
    assert {"question": "Are you pregnant, or could you be?", "answer": "yes"} in (
        answers["questions"]
    )
    assert answers["anything_else"] == "Sore left knee"


def test_the_export_holds_enrolments_waiting_lists_profile_and_email_subjects(
    client, person
):
    EnrolmentFactory(
        student=person, motivation="To change career", access_needs="Step-free"
    )
    WaitingListEntryFactory(student=person)
    practitioner = PractitionerFactory(user=person, display_name="Robin Hands")
    QualificationFactory(practitioner=practitioner)
    LocationFactory(practitioner=practitioner)
    OutboundEmailFactory(
        to="Robin@Example.com",
        subject="Your place is reserved",
        text_body="Dear Robin, secret body",
        status=OutboundEmail.Status.SENT,
        sent_at=timezone.now(),
    )
    data = download(client)
    [enrolment] = data["course_enrolments"]
    assert enrolment["questionnaire"]["why_you_want_to_take_this_course"] == (
        "To change career"
    )
    assert enrolment["questionnaire"]["access_or_learning_needs"] == "Step-free"
    assert enrolment["status"] == "Reserved – deposit due"
    assert len(data["course_waiting_lists"]) == 1
    profile = data["practitioner_profile"]
    assert profile["name"] == "Robin Hands"
    assert profile["verified_techniques"][0]["technique"] == "Deep tissue"
    assert profile["places_of_work"][0]["town"] == "Brighton"
    [email] = data["emails_to_you"]
    assert email["subject"] == "Your place is reserved"
    assert email["sent"] is not None
    assert "secret body" not in json.dumps(data)


def test_the_export_holds_appointment_waiting_lists_and_other_calendars(client, person):
    service = bookable_service()
    WaitlistRequestFactory(service=service, client=person, email="typed@example.com")
    WaitlistRequestFactory(service=service, email="ROBIN@example.com")  # signed out
    WaitlistRequestFactory(service=service, email="someone@example.com")
    practitioner = PractitionerFactory(user=person)
    ExternalCalendarFactory(practitioner=practitioner, name="Gym classes")
    ExternalCalendarFactory(name="Someone else's diary")

    data = download(client)

    given = sorted(wait["email_given"] for wait in data["waiting_list"])
    assert given == ["ROBIN@example.com", "typed@example.com"]
    assert data["waiting_list"][0]["treatment"] == service.name
    [calendar] = data["your_other_calendars"]
    assert calendar["name"] == "Gym classes"
    assert calendar["address"].startswith("https://calendar.example.com/")


def test_the_export_never_holds_another_persons_data(client, person):
    other = UserFactory(full_name="Other Person", email="other@example.com")
    mine = booking_for(person)
    HealthIntakeFactory(booking=mine)
    # Same practitioner, another client: their answers must not leak.
    theirs = booking_for(
        other, starts_in=days(11), service=mine.service, client_phone="07000 111222"
    )
    HealthIntakeFactory(booking=theirs, details="OTHER PERSONS ANSWERS")
    EnrolmentFactory(student=other, motivation="OTHER PERSONS MOTIVATION")
    WaitingListEntryFactory(student=other)
    PractitionerFactory(user=other, display_name="Other Practitioner")
    OutboundEmailFactory(to="other@example.com", subject="OTHER PERSONS EMAIL")
    # An address added to the account but never verified is not proof of anything.
    EmailAddress.objects.create(
        user=person, email="other@example.com", verified=False, primary=False
    )
    content = client.post(EXPORT).content.decode()
    for secret in [
        "OTHER PERSONS ANSWERS",
        "OTHER PERSONS MOTIVATION",
        "OTHER PERSONS EMAIL",
        "Other Practitioner",
        "Other Person",
        "07000 111222",
    ]:
        assert secret not in content
    data = json.loads(content)
    assert len(data["appointments"]) == 1
    assert data["course_enrolments"] == []
    assert data["course_waiting_lists"] == []
    assert data["practitioner_profile"] is None


def test_a_practitioners_export_holds_their_settings_not_their_clients(client):
    service = bookable_service()
    practitioner = service.practitioner
    booking = booking_for(UserFactory(full_name="A Client"), service=service)
    HealthIntakeFactory(booking=booking, details="CLIENT'S ANSWERS")
    client.force_login(practitioner.user)
    content = client.post(EXPORT).content.decode()
    assert "CLIENT'S ANSWERS" not in content
    assert "A Client" not in content
    data = json.loads(content)
    assert data["appointments"] == []
    assert data["your_services"][0]["name"] == service.name
    assert len(data["your_weekly_hours"]) == 7


def test_the_export_costs_the_same_queries_whatever_the_number_of_bookings(
    client, person
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            client.post(EXPORT)
        return len(context.captured_queries)

    HealthIntakeFactory(booking=booking_for(person))
    EnrolmentFactory(student=person)
    one = queries()
    for n in range(2, 8):
        HealthIntakeFactory(booking=booking_for(person, starts_in=days(10 + n)))
        EnrolmentFactory(student=person)
        OutboundEmailFactory(to=person.email)
    assert len(download(client)["appointments"]) == 7
    assert queries() == one
    # One query or two a section: bookings, appointment waiting lists, enrolments
    # with their attendance and certificates, reviews written, payments on the
    # ledger, emails...
    assert one <= 16


def test_the_export_logs_no_health_answers(client, person, caplog):
    HealthIntakeFactory(booking=booking_for(person), details="Sore left knee")
    with caplog.at_level(logging.DEBUG):
        client.post(EXPORT)
    assert "Sore left knee" not in caplog.text


# --- the account page -----------------------------------------------------------


def test_the_account_page_links_to_the_download_and_the_deletion(client, person):
    content = client.get(reverse("users:account")).content.decode()
    assert 'id="your-data-heading">Your data</h2>' in content
    assert f'action="{EXPORT}"' in content
    assert f'href="{DELETE}"' in content


# --- deletion: the page ------------------------------------------------------------


def test_the_deletion_page_needs_a_login(client):
    response = client.get(DELETE)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_deletion_page_explains_and_a_get_deletes_nothing(client, person):
    booking = booking_for(person)
    response = client.get(DELETE)
    content = response.content.decode()
    assert response.status_code == 200
    assert "the practitioner is told" in content
    assert 'name="password"' in content
    assert User.objects.filter(pk=person.pk).exists()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_a_wrong_password_deletes_nothing(client, person):
    booking = booking_for(person)
    HealthIntakeFactory(booking=booking)
    response = delete(client, password="not-my-password")
    assert response.status_code == 200
    assert "That is not your current password." in response.content.decode()
    person.refresh_from_db()
    assert person.is_active
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert HealthIntake.objects.filter(booking=booking).exists()
    assert client.get(reverse("users:account")).status_code == 200


def test_password_guesses_are_rate_limited(client, person):
    for _ in range(5):
        delete(client, password="not-my-password")
    response = delete(client)
    assert "Too many attempts" in response.content.decode()
    assert User.objects.filter(pk=person.pk, is_active=True).exists()


# --- deletion: refused -------------------------------------------------------------


def assert_refused(client, user, message: str) -> None:
    response = delete(client)
    content = response.content.decode()
    assert response.status_code == 200
    assert "We cannot delete your account yet" in content
    assert message in content
    user.refresh_from_db()
    assert user.is_active
    assert user.email != ""
    assert EmailAddress.objects.filter(user=user).exists()


def test_a_practitioner_with_upcoming_appointments_is_refused(client):
    practitioner = PractitionerFactory()
    booking = booking_for(UserFactory(), service__practitioner=practitioner)
    HealthIntakeFactory(booking=booking)
    client.force_login(practitioner.user)
    assert_refused(client, practitioner.user, "You have upcoming appointments")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert Practitioner.objects.get(pk=practitioner.pk).is_listed


def test_staff_are_refused(client):
    staff = StaffFactory()
    client.force_login(staff)
    assert_refused(client, staff, "Staff accounts cannot be deleted here")


def test_an_author_of_blog_posts_is_refused(client, person):
    post = PostFactory(author=person)
    assert_refused(client, person, "You are the author of blog posts")
    assert post.__class__.objects.filter(pk=post.pk).exists()


def test_a_paid_deposit_on_a_course_not_yet_finished_is_refused(client, person):
    enrolment = EnrolmentFactory(student=person, status=Enrolment.Status.CONFIRMED)
    reserved = EnrolmentFactory(student=person)
    assert_refused(client, person, "You have paid a deposit")
    enrolment.refresh_from_db()
    reserved.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED
    assert enrolment.full_name == person.full_name
    assert reserved.status == Enrolment.Status.RESERVED


def test_an_appointment_too_close_to_cancel_online_is_refused(client, person):
    soon = booking_for(person, starts_in=timedelta(hours=3))
    later = booking_for(person, starts_in=days(20))
    assert_refused(client, person, "is too close to cancel online")
    for booking in (soon, later):
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CONFIRMED
        assert booking.client == person


def test_every_reason_is_given_at_once_and_shown_before_the_password(client):
    staff = StaffFactory()
    PostFactory(author=staff)
    client.force_login(staff)
    content = client.get(DELETE).content.decode()
    assert "Staff accounts cannot be deleted here" in content
    assert "You are the author of blog posts" in content
    assert 'name="password"' not in content


# --- deletion: done ----------------------------------------------------------------


def test_deleting_cancels_upcoming_appointments_and_the_practitioner_sees_it(
    client, person
):
    booking = booking_for(person)
    HealthIntakeFactory(booking=booking, details="Sore left knee")
    practitioner = booking.practitioner
    reminders = [
        OutboundEmailFactory(
            to=address,
            kind="booking.reminder",
            related_key=f"booking:{booking.pk}",
            send_after=booking.starts_at - days(1),
        )
        for address in (person.email, practitioner.user.email)
    ]
    other = booking_for(UserFactory(), starts_in=days(12), service=booking.service)

    response = delete(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("users:account-deleted")

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_by == Booking.CancelledBy.CLIENT
    assert booking.status_reason == bookings_privacy.CANCEL_REASON
    for reminder in reminders:
        reminder.refresh_from_db()
        assert reminder.status == OutboundEmail.Status.CANCELLED
    assert not HealthIntake.objects.filter(booking=booking).exists()
    other.refresh_from_db()
    assert other.status == Booking.Status.CONFIRMED

    client.force_login(practitioner.user)
    page = client.get(reverse("bookings:agenda-booking", args=[booking.pk]))
    content = page.content.decode()
    assert "Cancelled" in content
    assert bookings_privacy.CANCEL_REASON in content
    assert "Sore left knee" not in content


def test_deleting_anonymises_past_appointments(client, person):
    past = booking_for(person, starts_in=-days(30), status=Booking.Status.COMPLETED)
    HealthIntakeFactory(booking=past)
    old_token = past.manage_token
    delete(client)
    past.refresh_from_db()
    assert past.client is None
    assert past.client_name == "Deleted client"
    assert past.status == Booking.Status.COMPLETED
    assert person.email not in (past.client_email, past.client_phone)
    Booking._meta.get_field("client_email").run_validators(past.client_email)
    assert sum(c.isdigit() for c in past.client_phone) >= 7
    assert past.manage_token != old_token
    assert not HealthIntake.objects.filter(booking=past).exists()
    assert client.get(reverse("bookings:manage", args=[old_token])).status_code == 404


def test_deleting_frees_a_course_place_for_the_next_in_line(client, person):
    course_date = CourseDateFactory(places=1)
    enrolment = EnrolmentFactory(course_date=course_date, student=person)
    waiting = WaitingListEntryFactory(course_date=course_date)
    delete(client)
    assert not Enrolment.objects.filter(pk=enrolment.pk).exists()
    waiting.refresh_from_db()
    assert waiting.status == WaitingListEntry.Status.OFFERED
    assert CourseDate.objects.get(pk=course_date.pk).places_taken == 1


def test_deleting_gives_up_a_waiting_list_offer(client, person):
    course_date = CourseDateFactory(places=2)
    EnrolmentFactory(course_date=course_date)
    offer = WaitingListEntryFactory(
        course_date=course_date, student=person, status="offered"
    )
    next_in_line = WaitingListEntryFactory(course_date=course_date)
    taken = CourseDate.objects.get(pk=course_date.pk).places_taken
    delete(client)
    assert not WaitingListEntry.objects.filter(pk=offer.pk).exists()
    next_in_line.refresh_from_db()
    assert next_in_line.status == WaitingListEntry.Status.OFFERED
    assert CourseDate.objects.get(pk=course_date.pk).places_taken == taken


def test_deleting_ends_their_waiting_lists_before_their_appointments_free_times(
    client, person
):
    """Their own cancellation tells nobody of theirs; what was emailed about their
    requests, even to an address typed there, keeps only the fact it was sent."""
    service = bookable_service(slot_interval_minutes=60)
    day = future_day(5)
    mine = book(service, london_at(day, 10), email="robin@example.com", user=person)
    for hour in range(9, 17):
        if hour != 10:
            book(service, london_at(day, hour), email=f"c{hour}@example.com")
    own = join_waitlist(
        service=service,
        name="Robin",
        email="typed@example.com",
        first_day=day,
        last_day=day,
        user=person,
    )
    other = join_waitlist(
        service=service,
        name="Sam",
        email="sam@example.com",
        first_day=day,
        last_day=day,
    )
    outbox.deliver_due()

    delete(client)

    mine.refresh_from_db()
    assert mine.status == Booking.Status.CANCELLED
    assert not WaitlistRequest.objects.filter(pk=own.pk).exists()
    openings = OutboundEmail.objects.filter(kind="waitlist.opening")
    assert [email.to for email in openings] == ["sam@example.com"]
    joined = OutboundEmail.objects.get(related_key=f"waitlist:{own.pk}")
    assert joined.status == OutboundEmail.Status.SENT
    assert joined.to != "typed@example.com"
    assert joined.text_body == "" and "Robin" not in joined.subject
    assert WaitlistRequest.objects.filter(pk=other.pk).exists()


def test_deleting_cancels_pending_emails_and_strips_sent_ones(client, person):
    pending = OutboundEmailFactory(to=person.email.upper())
    sent = OutboundEmailFactory(
        to=person.email,
        text_body="Dear Robin",
        status=OutboundEmail.Status.SENT,
        sent_at=timezone.now(),
    )
    someone_elses = OutboundEmailFactory(to="someone@example.com")
    delete(client)
    pending.refresh_from_db()
    sent.refresh_from_db()
    someone_elses.refresh_from_db()
    assert pending.status == OutboundEmail.Status.CANCELLED
    assert sent.status == OutboundEmail.Status.SENT
    assert sent.to != person.email
    assert sent.text_body == ""
    assert someone_elses.status == OutboundEmail.Status.PENDING
    assert someone_elses.to == "someone@example.com"


def test_a_deleted_person_is_signed_out_and_can_sign_up_again(client, person):
    response = delete(client, follow=True)
    assert "Your account is deleted" in response.content.decode()
    assert not User.objects.filter(pk=person.pk).exists()
    assert not EmailAddress.objects.filter(email__iexact="robin@example.com").exists()
    account = client.get(reverse("users:account"))
    assert account.status_code == 302
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Robin Again",
            "email": "robin@example.com",
            "password1": TEST_PASSWORD,
            "password2": TEST_PASSWORD,
        },
    )
    again = User.objects.get(email="robin@example.com")
    assert again.pk != person.pk
    assert again.full_name == "Robin Again"


def test_records_we_keep_turn_the_account_into_an_anonymous_tombstone(client, person):
    finished = CourseDateFactory(
        starts_on=timezone.localdate() - days(100),
        ends_on=timezone.localdate() - days(10),
        enrolment_deadline=timezone.localdate() - days(120),
    )
    completed = EnrolmentFactory(
        course_date=finished,
        student=person,
        status=Enrolment.Status.COMPLETED,
        motivation="To change career",
        payment_reference="BANK-REF-1",
    )
    delete(client)
    tombstone = User.objects.get(pk=person.pk)
    assert not tombstone.is_active
    assert tombstone.full_name == ""
    assert "robin" not in tombstone.email
    assert not tombstone.has_usable_password()
    completed.refresh_from_db()
    assert completed.status == Enrolment.Status.COMPLETED
    assert completed.full_name == "Deleted student"
    assert completed.motivation == "(deleted)"
    assert completed.payment_reference == "BANK-REF-1"
    # The address is free again and the old password opens nothing.
    assert not client.login(email="robin@example.com", password=TEST_PASSWORD)
    UserFactory(email="robin@example.com")


def test_a_practitioner_without_appointments_loses_their_profile(client):
    practitioner = PractitionerFactory()
    CalendarFeedFactory(practitioner=practitioner)
    client.force_login(practitioner.user)
    delete(client)
    assert not Practitioner.objects.filter(pk=practitioner.pk).exists()
    assert not User.objects.filter(pk=practitioner.user_id).exists()


def test_a_practitioner_with_past_appointments_is_taken_down(client):
    service = bookable_service()
    practitioner = service.practitioner
    feed = CalendarFeedFactory(practitioner=practitioner)
    LocationFactory(practitioner=practitioner)
    ExternalCalendarFactory(practitioner=practitioner)
    WaitlistRequestFactory(service=service)
    past = booking_for(
        UserFactory(), starts_in=-days(7), service=service, status="completed"
    )
    client.force_login(practitioner.user)
    delete(client)
    practitioner.refresh_from_db()
    assert practitioner.display_name == "Former practitioner"
    assert practitioner.bio == ""
    assert not practitioner.is_listed
    assert not practitioner.offers_online_booking
    assert not practitioner.locations.exists()
    assert not CalendarFeed.objects.filter(pk=feed.pk).exists()
    assert not WeeklyHours.objects.filter(practitioner=practitioner).exists()
    assert not ExternalCalendar.objects.filter(practitioner=practitioner).exists()
    assert not WaitlistRequest.objects.filter(practitioner=practitioner).exists()
    assert not Service.objects.filter(practitioner=practitioner, is_active=True)
    assert not Practitioner.objects.listed().filter(pk=practitioner.pk).exists()
    past.refresh_from_db()
    assert past.client_name != "Deleted client"  # their client's record is intact
    assert not User.objects.get(pk=practitioner.user_id).is_active


def test_deleting_twice_changes_nothing_the_second_time(person):
    EnrolmentFactory(
        student=person,
        status=Enrolment.Status.COMPLETED,
        course_date=CourseDateFactory(
            starts_on=timezone.localdate() - days(60),
            ends_on=timezone.localdate() - days(30),
            enrolment_deadline=timezone.localdate() - days(70),
        ),
    )
    assert services.delete_account(user=person) is False
    assert services.delete_account(user=person) is False
    other = UserFactory()
    assert services.delete_account(user=other) is True
    assert services.delete_account(user=other) is True


def test_a_refusal_found_during_erasure_rolls_everything_back(person, monkeypatch):
    booking = booking_for(person)
    HealthIntakeFactory(booking=booking)

    def late_refusal(user):
        raise privacy.DeletionRefused("Something changed.")

    from courses import privacy as courses_privacy

    monkeypatch.setattr(courses_privacy, "erase", late_refusal)
    with pytest.raises(privacy.DeletionRefused, match="Something changed"):
        services.delete_account(user=person)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.client == person
    assert HealthIntake.objects.filter(booking=booking).exists()


def test_deletion_logs_no_health_answers_or_addresses(client, person, caplog):
    HealthIntakeFactory(booking=booking_for(person), details="Sore left knee")
    with caplog.at_level(logging.DEBUG):
        delete(client)
    assert "Sore left knee" not in caplog.text
    assert "robin@example.com" not in caplog.text


def test_the_practitioner_is_sent_the_cancellation_notice(person, monkeypatch):
    from bookings import emails

    told = []
    monkeypatch.setattr(
        emails,
        "booking_cancelled",
        lambda booking, **kw: told.append((booking.pk, kw["cancelled_by"])),
    )
    booking = booking_for(person)
    services.delete_account(user=person)
    assert told == [(booking.pk, Booking.CancelledBy.CLIENT)]


@pytest.mark.django_db(transaction=True)
def test_two_deletions_at_once_free_the_place_once(run_together):
    student = UserFactory()
    course_date = CourseDateFactory(places=1)
    EnrolmentFactory(course_date=course_date, student=student)
    first, second = (WaitingListEntryFactory(course_date=course_date) for _ in "ab")

    results = run_together(
        lambda: services.delete_account(user=student),
        lambda: services.delete_account(user=student),
    )

    assert results == [True, True]
    assert not User.objects.filter(pk=student.pk).exists()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitingListEntry.Status.OFFERED
    assert second.status == WaitingListEntry.Status.WAITING
    assert CourseDate.objects.get(pk=course_date.pk).places_taken == 1


# --- deletion: what the emails about them kept -------------------------------------


def _sent(**fields) -> None:
    OutboundEmail.objects.filter(**fields).update(
        status=OutboundEmail.Status.SENT, sent_at=timezone.now()
    )


def test_deleting_scrubs_the_emails_about_them_sent_to_their_practitioner(client):
    robin = UserFactory(full_name="Robin Privacy", email="robin@example.com")
    service = bookable_service()
    practitioner = service.practitioner
    booking = book_booking(service, london_at(future_day(5), 10), robin)
    _sent(related_key=f"booking:{booking.pk}")
    past = booking_for(
        robin, starts_in=-days(20), status=Booking.Status.COMPLETED, service=service
    )
    OutboundEmailFactory(
        to=practitioner.user.email,
        subject="New booking: Robin Privacy, Mon 1 June",
        text_body="Client: Robin Privacy\nContact: robin@example.com, 07700 900123\n",
        related_key=f"booking:{past.pk}",
        kind="booking.confirmed",
        status=OutboundEmail.Status.SENT,
        sent_at=timezone.now(),
    )
    # A guest booking's emails went to an address the account never verified.
    OutboundEmailFactory(
        to="robin.other@example.com",
        subject="Confirmed: Deep tissue",
        text_body="Dear Robin Privacy,",
        related_key=f"booking:{past.pk}",
        status=OutboundEmail.Status.SENT,
        sent_at=timezone.now(),
    )
    Booking.objects.filter(pk=past.pk).update(client_email="robin.other@example.com")
    client.force_login(robin)

    assert delete(client).status_code == 302

    about_robin = OutboundEmail.objects.filter(
        related_key__in=[f"booking:{booking.pk}", f"booking:{past.pk}"]
    )
    assert about_robin.filter(status=OutboundEmail.Status.SENT).count() >= 4
    for email in about_robin:
        stored = " ".join(
            [
                email.to,
                email.subject,
                email.text_body,
                email.html_body,
                email.last_error,
            ]
            + [email.attachment_content]
        )
        for personal in ("Robin", "robin", "07700 900123", "01273 123456"):
            assert personal not in stored, (email.kind, email.status, stored[:300])
    # The fact that an email was sent is kept, to whom when it is someone else.
    to_practitioner = about_robin.filter(to=practitioner.user.email)
    assert to_practitioner.filter(status=OutboundEmail.Status.SENT).exists()
    assert to_practitioner.filter(
        kind="booking.cancelled", status=OutboundEmail.Status.PENDING
    ).exists()

    client.force_login(practitioner.user)
    exported = json.dumps(download(client))
    assert "Robin" not in exported
    assert "robin@example.com" not in exported


def book_booking(service, start, user) -> Booking:
    from tests.bookings.factories import book

    return book(
        service,
        start,
        name=user.full_name,
        email=user.email,
        phone="07700 900123",
        user=user,
    )
