"""The home page: next course dates, new practitioners, latest articles."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from courses.models import CourseDate
from directory.models import Practitioner
from tests.blog.factories import PostFactory
from tests.courses.factories import CourseDateFactory, CourseFactory
from tests.directory.factories import LocationFactory, PractitionerFactory

pytestmark = pytest.mark.django_db


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def home_queries(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_an_empty_site_says_what_is_coming(client):
    html, _ = home_queries(client)
    assert "No course dates are open yet." in section(html, "home-dates-heading")
    assert "Our first practitioners are joining now." in section(
        html, "home-practitioners-heading"
    )
    assert "Our tutors' first articles are on their way." in section(
        html, "home-posts-heading"
    )


def test_the_next_course_dates_earliest_first_and_only_listed_ones(client):
    today = timezone.localdate()
    later = CourseDateFactory(
        course=CourseFactory(title="Hot Stone Day"),
        starts_on=today + timedelta(days=90),
        venue_town="Bath",
    )
    sooner = CourseDateFactory(
        course=CourseFactory(title="Deep Tissue Certificate"),
        starts_on=today + timedelta(days=20),
    )
    CourseDateFactory(
        course=CourseFactory(title="Cancelled Course"),
        status=CourseDate.Status.CANCELLED,
    )
    CourseDateFactory(course=CourseFactory(title="Hidden Course", is_published=False))
    for days in (100, 110, 120):
        CourseDateFactory(
            course=CourseFactory(title=f"Later {days}"),
            starts_on=today + timedelta(days=days),
        )
    dates = section(home_queries(client)[0], "home-dates-heading")
    assert dates.index("Deep Tissue Certificate") < dates.index("Hot Stone Day")
    assert sooner.get_absolute_url() in dates and later.get_absolute_url() in dates
    assert "12 places left" in dates
    for absent in ["Cancelled Course", "Hidden Course", "Later 110", "Later 120"]:
        assert absent not in dates


def test_the_newest_approved_practitioners_with_their_town(client):
    now = timezone.now()
    for days, name in [(30, "Older Olive"), (1, "Newest Nina"), (5, "Middle Mo"),
                       (10, "Fourth Fay"), (20, "Fifth Finn")]:  # fmt: skip
        location = LocationFactory(practitioner__display_name=name, town="Hove")
        Practitioner.objects.filter(pk=location.practitioner_id).update(
            status_changed_at=now - timedelta(days=days)
        )
    PractitionerFactory(display_name="Applied Alex", status=Practitioner.Status.APPLIED)
    PractitionerFactory(
        display_name="Uninsured Uma",
        insurance_expires_on=timezone.localdate() - timedelta(days=1),
    )
    shown = section(home_queries(client)[0], "home-practitioners-heading")
    order = [shown.index(name) for name in
             ["Newest Nina", "Middle Mo", "Fourth Fay", "Fifth Finn"]]  # fmt: skip
    assert order == sorted(order)
    assert "Hove" in shown
    for absent in ["Older Olive", "Applied Alex", "Uninsured Uma"]:
        assert absent not in shown


def test_the_latest_live_articles(client):
    now = timezone.now()
    for days in (1, 2, 3, 4):
        PostFactory(title=f"Article {days} days old", publish_at=now - timedelta(days))
    PostFactory(title="A draft", status=Post.Status.DRAFT, publish_at=None)
    PostFactory(title="Tomorrow's", publish_at=now + timedelta(days=1))
    shown = section(home_queries(client)[0], "home-posts-heading")
    assert shown.index("Article 1 days old") < shown.index("Article 3 days old")
    for absent in ["Article 4 days old", "A draft", "Tomorrow's"]:
        assert absent not in shown


def test_the_home_page_costs_the_same_queries_whatever_the_data(
    client, django_assert_max_num_queries
):
    _, empty = home_queries(client)
    for n in range(5):
        CourseDateFactory(course=CourseFactory(title=f"Course {n}"))
        LocationFactory(practitioner__display_name=f"Practitioner {n}")
        PostFactory(title=f"Post {n}")
    with django_assert_max_num_queries(3):
        html, full = home_queries(client)
    assert "Course 4" in html or "Course 0" in html
    assert full == empty == 3  # dates, practitioners, articles


def test_a_new_practitioners_photo_or_else_their_initial_is_shown(client):
    with_photo = LocationFactory(practitioner__display_name="Ada Hughes").practitioner
    Practitioner.objects.filter(pk=with_photo.pk).update(
        photo="practitioners/ada.jpg", photo_width=1000, photo_height=800
    )
    LocationFactory(practitioner__display_name="Zed Young")
    html, _ = home_queries(client)
    cards = section(html, "home-practitioners-heading")
    assert cards.count("<picture") == 1
    assert "ada" in cards.split("<picture", 1)[1].split("</picture>", 1)[0]
    assert (
        '<div class="result-photo rounded placeholder-photo" aria-hidden="true">Z</div>'
        in cards
    )
