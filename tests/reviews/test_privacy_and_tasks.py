import pytest

from reviews import privacy, services, tasks
from reviews.models import Review
from tests.reviews.factories import completed_booking
from users import services as user_services

pytestmark = pytest.mark.django_db


def test_the_download_holds_the_reviews_they_wrote():
    booking = completed_booking()
    services.write_review(booking=booking, rating=4, text="Kind and skilled.")
    services.opt_out(email=booking.client_email)
    data = privacy.export(booking.client)
    [written] = data["reviews_written"]
    assert written["stars"] == 4 and written["text"] == "Kind and skilled."
    assert "never to invite" in data["review_invitations"]


def test_deleting_the_account_keeps_the_review_as_a_client():
    booking = completed_booking()
    services.invite(booking_id=booking.pk)
    review = services.write_review(booking=booking, rating=5, text="Great.")
    assert user_services.delete_account(user=booking.client)
    review.refresh_from_db()
    assert review.author is None
    assert review.shown_name == "A client"
    assert review.status == Review.Status.PUBLISHED
    assert not booking.practitioner.reviews.filter(author_name__gt="").exists()


def test_the_task_runs_the_job_and_a_second_run_sends_nothing():
    completed_booking()
    assert tasks.invite_due() == 1
    assert tasks.invite_due() == 0
