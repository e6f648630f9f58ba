from datetime import timedelta

import pytest
from django.urls import reverse

from reviews import services
from reviews.models import Review
from tests.directory.factories import PractitionerFactory
from tests.reviews.factories import ReviewFactory, completed_booking
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_signed_in_client_writes_their_review(client):
    booking = completed_booking()
    client.force_login(booking.client)
    url = reverse("reviews:write", args=[booking.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"rating": "4", "text": "Good hands."}, follow=True)
    assert "your review is published" in response.content.decode()
    assert Review.objects.get().rating == 4


def test_someone_elses_appointment_is_a_404(client):
    booking = completed_booking()
    client.force_login(UserFactory())
    url = reverse("reviews:write", args=[booking.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"rating": "5"}).status_code == 404
    assert not Review.objects.exists()


def test_a_guest_writes_through_the_private_link(client):
    booking = completed_booking(client=None)
    invitation = services.invite(booking_id=booking.pk)
    url = reverse("reviews:guest-write", args=[invitation.token])
    response = client.post(url, {"rating": "5", "text": ""}, follow=True)
    assert response.status_code == 200
    review = Review.objects.get()
    assert review.author is None and review.author_name == "Guest"


def test_a_signed_in_clients_token_opens_nothing(client):
    booking = completed_booking()
    invitation = services.invite(booking_id=booking.pk)
    url = reverse("reviews:guest-write", args=[invitation.token])
    assert client.get(url).status_code == 404


def test_bad_input_gets_a_message_and_changes_nothing(client):
    booking = completed_booking()
    client.force_login(booking.client)
    url = reverse("reviews:write", args=[booking.pk])
    response = client.post(url, {"rating": "9", "text": "x" * 2001})
    assert response.status_code == 400
    assert not Review.objects.exists()


def test_an_appointment_not_completed_shows_why(client):
    booking = completed_booking(status="cancelled")
    client.force_login(booking.client)
    url = reverse("reviews:write", args=[booking.pk])
    assert "took place" in client.get(url).content.decode()
    client.post(url, {"rating": "5"})
    assert not Review.objects.exists()


def test_writing_is_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "review": "2/h/ip"}
    booking = completed_booking()
    client.force_login(booking.client)
    url = reverse("reviews:write", args=[booking.pk])
    for rating in ("3", "4"):
        assert client.post(url, {"rating": rating}).status_code == 302
    assert client.post(url, {"rating": "5"}).status_code == 429
    assert Review.objects.get().rating == 4


def test_the_stop_link_asks_then_opts_out(client):
    booking = completed_booking(client=None)
    invitation = services.invite(booking_id=booking.pk)
    url = reverse("reviews:stop", args=[invitation.token])
    assert "Never ask me again" in client.get(url).content.decode()
    assert not services.is_opted_out(booking.client_email)
    client.post(url)
    assert services.is_opted_out(booking.client_email)


def test_the_practitioner_replies_and_reports_from_their_list(client):
    review = ReviewFactory()
    services.refresh_rating(practitioner_id=review.practitioner_id)
    client.force_login(review.practitioner.user)
    assert "Lovely, calm" in client.get(reverse("reviews:mine")).content.decode()
    client.post(reverse("reviews:reply", args=[review.pk]), {"text": "Thank you!"})
    client.post(reverse("reviews:report", args=[review.pk]), {"reason": "Odd"})
    review.refresh_from_db()
    assert review.reply == "Thank you!" and review.reported_at is not None


def test_a_practitioner_cannot_reply_to_another_practices_review(client):
    review = ReviewFactory()
    client.force_login(PractitionerFactory(slug="other-one").user)
    url = reverse("reviews:reply", args=[review.pk])
    assert client.post(url, {"text": "Hi"}).status_code == 404
    review.refresh_from_db()
    assert review.reply == ""


def test_the_public_list_pages_published_reviews_in_fixed_queries(
    client, settings, django_assert_max_num_queries
):
    settings.REVIEWS_PER_PAGE = 3
    first = ReviewFactory()
    for hours in range(5, 21, 2):  # two hours apart: never overlapping
        ReviewFactory(
            booking=completed_booking(
                service=first.booking.service, ended_hours_ago=hours
            )
        )
    held = ReviewFactory(
        booking=completed_booking(service=first.booking.service, ended_hours_ago=30),
        status=Review.Status.HELD,
        text="HELD TEXT",
    )
    services.refresh_rating(practitioner_id=first.practitioner_id)
    url = reverse("reviews:list", args=[first.practitioner.slug])
    with django_assert_max_num_queries(3):
        response = client.get(url, {"page": 2})
    page = response.content.decode()
    assert "from 9 verified reviews" in page
    assert "after an appointment in" in page
    assert held.text not in page
    assert page.count('class="border-bottom py-3 review"') == 3


def test_a_deleted_clients_review_shows_a_client(client):
    review = ReviewFactory()
    services.refresh_rating(practitioner_id=review.practitioner_id)
    from reviews import privacy

    privacy.erase(review.author)
    review.author.delete()
    review.refresh_from_db()
    assert review.author is None and review.shown_name == "A client"
    page = client.get(reverse("reviews:list", args=[review.practitioner.slug]))
    assert "A client" in page.content.decode()


def test_the_edit_window_shows_on_the_page(client, settings):
    review = ReviewFactory()
    Review.objects.filter(pk=review.pk).update(
        created_at=review.created_at - timedelta(days=settings.REVIEWS_EDIT_DAYS + 1)
    )
    client.force_login(review.author)
    page = client.get(reverse("reviews:write", args=[review.booking.pk]))
    assert "changed for 14 days" in page.content.decode()
