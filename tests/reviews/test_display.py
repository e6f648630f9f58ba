"""The rating on search cards and the profile, sorting by rating, the JSON-LD."""

import json
import re

import pytest
from django.urls import reverse

from directory.models import Technique
from reviews import services
from reviews.models import Review
from tests.bookings.factories import ServiceFactory
from tests.directory.factories import (
    LocationFactory,
    PlaceFactory,
    PractitionerFactory,
)
from tests.directory.test_search import BRIGHTON, names, practitioner_at
from tests.reviews.factories import ReviewFactory, completed_booking

pytestmark = pytest.mark.django_db

SEARCH = reverse("directory:search")


@pytest.fixture
def brighton():
    return PlaceFactory(name="Brighton", latitude=BRIGHTON[0], longitude=BRIGHTON[1])


def _reviews(practitioner, *ratings):
    service = ServiceFactory(practitioner=practitioner)
    # Two hours apart: a second passing between bookings never makes them overlap.
    for index, rating in enumerate(ratings):
        booking = completed_booking(ended_hours_ago=3 + 2 * index, service=service)
        services.write_review(booking=booking, rating=rating)
    practitioner.refresh_from_db()
    return practitioner


def test_the_search_card_shows_the_rating(client, brighton):
    rated = _reviews(practitioner_at(1), 5, 4, 5)
    practitioner_at(2)  # no reviews: no rating line
    page = client.get(SEARCH, {"where": "Brighton", "radius": "25"}).content.decode()
    assert "4.7" in page and "from 3 verified reviews" in page
    assert page.count('class="mb-1 rating"') == 1
    assert rated.rating_count == 3


@pytest.mark.parametrize("query", [{}, {"where": "Brighton", "radius": "25"}])
def test_sorting_by_rating_puts_the_best_rated_first(client, brighton, query):
    unrated = practitioner_at(1, name="Aaron Unrated")
    good = _reviews(practitioner_at(3, name="Zoe Good"), 5, 5)
    fair = _reviews(practitioner_at(2, name="Mia Fair"), 3)
    response = client.get(SEARCH, {**query, "sort": "rating"})
    assert names(response)[:3] == [
        good.display_name,
        fair.display_name,
        unrated.display_name,
    ]


@pytest.mark.parametrize("query", [{}, {"where": "Brighton", "radius": "25"}])
def test_the_sorted_search_runs_a_fixed_number_of_queries(
    client,
    brighton,
    django_assert_max_num_queries,
    query,
):
    deep = Technique.objects.get(slug="deep-tissue")
    for i in range(14):
        p = practitioner_at(1 + i / 10)
        p.techniques.add(deep)
        LocationFactory(practitioner=p)
        if i % 3 == 0:
            _reviews(p, 1 + i % 5)
    with django_assert_max_num_queries(5):
        response = client.get(SEARCH, {**query, "sort": "rating"})
    assert len(response.context["page"]) == 12


def test_an_unknown_sort_is_ignored_with_no_error(client, brighton):
    practitioner_at(1)
    assert client.get(SEARCH, {"sort": "<script>"}).status_code == 200


def test_the_profile_shows_the_rating_the_latest_reviews_and_json_ld(client):
    practitioner = _reviews(PractitionerFactory(), 5, 4)
    LocationFactory(practitioner=practitioner)
    held = ReviewFactory(
        booking=completed_booking(
            ended_hours_ago=40, service=ServiceFactory(practitioner=practitioner)
        ),
        status=Review.Status.HELD,
        text="Held words",
    )
    page = client.get(practitioner.get_absolute_url()).content.decode()
    assert "4.5" in page and "from 2 verified reviews" in page
    assert "after an appointment in" in page
    assert held.text not in page
    blocks = [
        json.loads(block)
        for block in re.findall(
            r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.S
        )
    ]
    business = next(b for b in blocks if "aggregateRating" in b)
    assert business["aggregateRating"]["ratingValue"] == "4.5"
    assert business["aggregateRating"]["reviewCount"] == 2
    reviews = next(b for b in blocks if "review" in b)
    assert reviews["@id"] == business["@id"]
    assert sorted(r["reviewRating"]["ratingValue"] for r in reviews["review"]) == [4, 5]


def test_a_profile_without_reviews_has_no_rating(client):
    practitioner = PractitionerFactory()
    page = client.get(practitioner.get_absolute_url()).content.decode()
    assert "verified review" not in page and "aggregateRating" not in page


def test_the_profile_with_reviews_costs_one_more_query(
    client, django_assert_max_num_queries
):
    practitioner = _reviews(PractitionerFactory(), 5, 4, 3, 5, 4, 5, 2)
    with django_assert_max_num_queries(12) as captured:
        client.get(practitioner.get_absolute_url())
    review_queries = [
        q for q in captured.captured_queries if "reviews_review" in q["sql"]
    ]
    assert len(review_queries) == 1
