from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from bookings.models import Booking
from notifications.models import OutboundEmail
from reviews import services
from reviews.models import Invitation, OptOut, Review
from reviews.moderation import hold_reasons
from tests.reviews.factories import ReviewFactory, completed_booking
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- writing -----------------------------------------------------------------------


def test_the_client_writes_a_review_that_is_published_and_counted():
    booking = completed_booking(client=UserFactory(full_name="Jane Mary Doe"))
    review = services.write_review(booking=booking, rating=4, text="Very good.")
    assert review.status == Review.Status.PUBLISHED
    assert review.author_name == "Jane D."
    assert review.appointment_on == booking.local_starts_at.date()
    practitioner = booking.practitioner
    practitioner.refresh_from_db()
    assert practitioner.rating_count == 1
    assert practitioner.rating_average == Decimal("4.00")


def test_a_second_write_changes_the_same_review_and_the_average():
    booking = completed_booking()
    services.write_review(booking=booking, rating=2)
    review = services.write_review(booking=booking, rating=5, text="Better now.")
    assert Review.objects.count() == 1
    assert review.edited_at is not None
    booking.practitioner.refresh_from_db()
    assert booking.practitioner.rating_average == Decimal("5.00")


def test_the_average_is_over_published_reviews_only():
    first = completed_booking()
    services.write_review(booking=first, rating=5)
    second = completed_booking(service=first.service, ended_hours_ago=30)
    services.write_review(booking=second, rating=1, text="Call me on 07700 900123")
    first.practitioner.refresh_from_db()
    assert first.practitioner.rating_count == 1
    assert first.practitioner.rating_average == Decimal("5.00")


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Booking.Status.CONFIRMED, "took place"),
        (Booking.Status.CANCELLED, "took place"),
        (Booking.Status.NO_SHOW, "took place"),
    ],
)
def test_only_a_completed_appointment_can_be_reviewed(status, message):
    booking = completed_booking(status=status)
    with pytest.raises(services.ReviewError, match=message):
        services.write_review(booking=booking, rating=5)
    assert not Review.objects.exists()


def test_an_appointment_that_has_not_ended_cannot_be_reviewed():
    booking = completed_booking(ended_hours_ago=-1)
    with pytest.raises(services.ReviewError, match="once it has ended"):
        services.write_review(booking=booking, rating=5)
    assert not Review.objects.exists()


def test_a_practitioner_cannot_review_their_own_practice():
    booking = completed_booking()
    booking.client = booking.practitioner.user
    booking.save(update_fields=["client"])
    with pytest.raises(services.ReviewError, match="your own practice"):
        services.write_review(booking=booking, rating=5)
    assert not Review.objects.exists()


def test_a_guest_booking_with_the_practitioners_address_is_a_self_review():
    booking = completed_booking(client=None)
    booking.client_email = booking.practitioner.user.email.upper()
    booking.save(update_fields=["client_email"])
    assert services.is_self_review(booking)


def test_an_old_appointment_can_no_longer_be_reviewed(settings):
    booking = completed_booking(ended_hours_ago=24 * (settings.REVIEWS_WRITE_DAYS + 1))
    with pytest.raises(services.ReviewError, match="days after"):
        services.write_review(booking=booking, rating=5)
    assert not Review.objects.exists()


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_a_rating_outside_one_to_five_is_refused(rating):
    with pytest.raises(services.ReviewError, match="one to five"):
        services.write_review(booking=completed_booking(), rating=rating)
    assert not Review.objects.exists()


def test_text_over_2000_characters_is_refused():
    with pytest.raises(services.ReviewError, match="2000"):
        services.write_review(booking=completed_booking(), rating=4, text="x" * 2001)
    assert not Review.objects.exists()


def test_a_review_can_be_changed_for_14_days_only(settings):
    booking = completed_booking()
    review = services.write_review(booking=booking, rating=3, text="Fine.")
    later = review.created_at + timedelta(days=settings.REVIEWS_EDIT_DAYS, hours=1)
    with pytest.raises(services.ReviewError, match="changed for 14 days"):
        services.write_review(booking=booking, rating=5, text="Great.", now=later)
    review.refresh_from_db()
    assert (review.rating, review.text) == (3, "Fine.")


def test_a_hidden_review_cannot_be_changed():
    booking = completed_booking()
    review = services.write_review(booking=booking, rating=1)
    services.hide_review(review=review, reason="Abusive")
    with pytest.raises(services.ReviewError, match="taken this review down"):
        services.write_review(booking=booking, rating=5)


def test_the_database_allows_one_review_per_booking():
    review = ReviewFactory()
    with pytest.raises(IntegrityError):
        ReviewFactory(booking=review.booking)


# --- moderation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("See www.cheap-massage.com", "a link"),
        ("https://example.org/x", "a link"),
        ("Write to me at jane@example.com", "an email address"),
        ("Call 07700 900123 to book", "a phone number"),
        ("Call +44 (0)1273 123456", "a phone number"),
        ("Helped with my pregnancy aches", "health details"),
        ("Great after my cancer treatment", "health details"),
    ],
)
def test_the_automatic_checks_hold_links_contacts_and_health_details(text, reason):
    assert reason in hold_reasons(text)
    review = services.write_review(booking=completed_booking(), rating=5, text=text)
    assert review.status == Review.Status.HELD
    assert reason in review.held_because


def test_an_email_address_is_not_also_called_a_link():
    assert hold_reasons("mail jane@example.com") == ["an email address"]


@pytest.mark.parametrize(
    "text", ["", "Lovely massage, my back pain has eased. 10/10!", "Booked 3 times."]
)
def test_ordinary_words_are_published_at_once(text):
    assert hold_reasons(text) == []


def test_staff_approve_a_held_review_and_it_counts():
    review = services.write_review(
        booking=completed_booking(), rating=4, text="see www.example.com"
    )
    services.approve_review(review=review)
    review.practitioner.refresh_from_db()
    assert review.practitioner.rating_count == 1


def test_hiding_needs_a_reason_and_takes_the_review_out_of_the_count():
    review = services.write_review(booking=completed_booking(), rating=4)
    with pytest.raises(services.ReviewError, match="reason"):
        services.hide_review(review=review, reason="  ")
    review.refresh_from_db()
    assert review.status == Review.Status.PUBLISHED
    review = services.hide_review(review=review, reason="Not about the visit")
    assert review.status == Review.Status.HIDDEN
    assert review.moderation_reason == "Not about the visit"
    review.practitioner.refresh_from_db()
    assert review.practitioner.rating_count == 0
    assert review.practitioner.rating_average is None


def test_removing_erases_the_words_and_the_booking_stays_reviewed():
    booking = completed_booking()
    review = services.write_review(booking=booking, rating=1, text="Rude words")
    services.reply_to_review(review=review, text="Sorry to read this.")
    review = services.remove_review(review=review, reason="Abuse")
    review.refresh_from_db()
    assert (review.status, review.text, review.reply) == ("removed", "", "")
    with pytest.raises(services.ReviewError):
        services.write_review(booking=booking, rating=5)
    with pytest.raises(services.ReviewError, match="cannot be published"):
        services.approve_review(review=review)


# --- reply and report ----------------------------------------------------------------


def test_the_practitioner_replies_once():
    review = services.write_review(booking=completed_booking(), rating=3)
    services.reply_to_review(review=review, text="Thank you for coming.")
    with pytest.raises(services.ReviewError, match="already replied"):
        services.reply_to_review(review=review, text="Another")
    review.refresh_from_db()
    assert review.reply == "Thank you for coming."


@pytest.mark.parametrize("text", ["", "   ", "Visit www.example.com", "x" * 2001])
def test_a_reply_that_is_empty_too_long_or_holds_a_link_is_refused(text):
    review = services.write_review(booking=completed_booking(), rating=3)
    with pytest.raises(services.ReviewError):
        services.reply_to_review(review=review, text=text)
    review.refresh_from_db()
    assert review.reply == "" and review.replied_at is None


def test_a_held_review_cannot_be_replied_to_yet():
    review = services.write_review(
        booking=completed_booking(), rating=3, text="jane@example.com"
    )
    with pytest.raises(services.ReviewError, match="published"):
        services.reply_to_review(review=review, text="Thanks")


def test_reporting_emails_staff_once():
    review = services.write_review(booking=completed_booking(), rating=1)
    services.report_review(review=review, reason="Never my client")
    with pytest.raises(services.ReviewError, match="already reported"):
        services.report_review(review=review, reason="Again")
    emails = OutboundEmail.objects.filter(kind="review.reported")
    assert emails.count() == 1
    review.refresh_from_db()
    assert review.report_reason == "Never my client"
    assert review.status == Review.Status.PUBLISHED  # staff decide, not the report


def test_a_report_needs_a_reason():
    review = services.write_review(booking=completed_booking(), rating=1)
    with pytest.raises(services.ReviewError, match="what is wrong"):
        services.report_review(review=review, reason="")
    assert not OutboundEmail.objects.filter(kind="review.reported").exists()


# --- invitations ---------------------------------------------------------------------


def _invitations():
    return OutboundEmail.objects.filter(kind="review.invitation")


def test_an_invitation_goes_two_hours_after_a_completed_appointment_ends():
    now = timezone.now()
    due = completed_booking(ended_hours_ago=2.1)
    completed_booking(ended_hours_ago=1.5)  # too soon
    assert services.invite_due(now=now) == 1
    email = _invitations().get()
    assert email.to == due.client_email
    assert email.dedup_key == f"review:booking:{due.pk}:invitation"
    assert email.related_key == f"booking:{due.pk}"
    assert f"/appointments/{due.pk}/review/" in email.text_body
    assert "/reviews/stop/" in email.text_body


def test_a_guest_is_invited_with_a_private_link():
    booking = completed_booking(client=None)
    services.invite_due()
    token = Invitation.objects.get(booking=booking).token
    assert f"/reviews/write/{token}/" in _invitations().get().text_body


def test_the_job_run_twice_invites_once():
    completed_booking()
    assert services.invite_due() == 1
    assert services.invite_due() == 0
    assert _invitations().count() == 1


@pytest.mark.parametrize(
    "status",
    [Booking.Status.CANCELLED, Booking.Status.NO_SHOW, Booking.Status.CONFIRMED],
)
def test_appointments_not_completed_get_no_invitation(status):
    completed_booking(status=status)
    assert services.invite_due() == 0
    assert not _invitations().exists()


def test_an_old_appointment_gets_no_invitation(settings):
    completed_booking(ended_hours_ago=24 * (settings.REVIEWS_INVITE_WITHIN_DAYS + 1))
    assert services.invite_due() == 0


def test_no_invitation_to_an_address_that_opted_out_whatever_its_case():
    booking = completed_booking()
    services.opt_out(email=booking.client_email.upper())
    assert OptOut.objects.get().email == booking.client_email.lower()
    assert services.invite_due() == 0
    assert services.invite(booking_id=booking.pk) is None
    assert not _invitations().exists()


def test_no_invitation_when_already_reviewed_or_self():
    reviewed = completed_booking()
    services.write_review(booking=reviewed, rating=5)
    own = completed_booking(ended_hours_ago=4)
    own.client = own.practitioner.user
    own.save(update_fields=["client"])
    assert services.invite_due() == 0
