"""Moderation in the admin: approve, hide with a reason, remove; read only."""

import pytest
from django.urls import reverse

from reviews import services
from reviews.models import Review
from tests.reviews.factories import completed_booking
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reviews_review_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def held():
    return services.write_review(
        booking=completed_booking(), rating=4, text="Book on 07700 900123"
    )


def test_staff_see_held_reviews_and_approve_one(staff_client, held):
    page = staff_client.get(CHANGELIST, {"status__exact": "held"}).content.decode()
    assert "a phone number" in page
    staff_client.post(CHANGELIST, {"action": "approve", "_selected_action": [held.pk]})
    held.refresh_from_db()
    assert held.status == Review.Status.PUBLISHED
    held.practitioner.refresh_from_db()
    assert held.practitioner.rating_count == 1


def test_hiding_asks_for_a_reason_first(staff_client, held):
    response = staff_client.post(
        CHANGELIST, {"action": "hide", "_selected_action": [held.pk]}
    )
    assert response.status_code == 200 and 'name="reason"' in response.content.decode()
    staff_client.post(
        CHANGELIST,
        {"action": "hide", "_selected_action": [held.pk], "apply": "1", "reason": " "},
    )
    held.refresh_from_db()
    assert held.status == Review.Status.HELD
    staff_client.post(
        CHANGELIST,
        {
            "action": "hide",
            "_selected_action": [held.pk],
            "apply": "1",
            "reason": "Advertises a phone number",
        },
    )
    held.refresh_from_db()
    assert held.status == Review.Status.HIDDEN
    assert held.moderation_reason == "Advertises a phone number"


def test_removing_erases_the_words(staff_client, held):
    staff_client.post(
        CHANGELIST,
        {
            "action": "remove",
            "_selected_action": [held.pk],
            "apply": "1",
            "reason": "Spam",
        },
    )
    held.refresh_from_db()
    assert (held.status, held.text) == (Review.Status.REMOVED, "")


def test_a_review_cannot_be_edited_added_or_deleted_in_the_admin(staff_client, held):
    change = reverse("admin:reviews_review_change", args=[held.pk])
    page = staff_client.get(change).content.decode()
    assert 'name="text"' not in page and 'name="rating"' not in page
    assert staff_client.get(reverse("admin:reviews_review_add")).status_code == 403
    delete = reverse("admin:reviews_review_delete", args=[held.pk])
    assert staff_client.get(delete).status_code == 403
