"""Technique pages: what a technique is, who offers it, and what the other apps show
for it (courses, articles, videos), in a fixed number of queries."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from courses.models import CourseDate
from directory.models import Practitioner
from tests.blog.factories import PostFactory, VideoFactory
from tests.courses.factories import CourseDateFactory, CourseFactory
from tests.directory.factories import (
    LocationFactory,
    PlaceFactory,
    QualificationFactory,
    TechniqueFactory,
)
from tests.sitemaps import sitemap_text

pytestmark = pytest.mark.django_db

BATH = {"town": "Bath", "postcode": "BA1 1LZ", "latitude": 51.3811, "longitude": -2.359}


@pytest.fixture
def deep():
    technique = TechniqueFactory(slug="deep-tissue", name="Deep tissue")
    technique.body = "## Who it helps\n\nPeople with **stubborn** tension."
    technique.save()
    return technique


def offering(technique, name, **where):
    location = LocationFactory(practitioner__display_name=name, **where)
    location.practitioner.techniques.add(technique)
    return location.practitioner


def page(client, technique, **query):
    response = client.get(technique.get_absolute_url(), query)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by `heading_id`."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_the_page_shows_the_staff_text(client, deep):
    html = page(client, deep)
    assert "<h1>Deep tissue</h1>" in html
    assert "<h2>Who it helps</h2>" in html
    assert "<strong>stubborn</strong>" in html


def test_an_unknown_technique_is_a_404(client):
    assert client.get("/techniques/no-such-thing/").status_code == 404


def test_exactly_the_listed_practitioners_offering_it_are_shown(client, deep):
    hot = TechniqueFactory(slug="hot-stone")
    ada = offering(deep, "Ada Hughes")
    ben = offering(deep, "Ben Okafor")
    offering(hot, "Cara Reid")  # another technique
    suspended = offering(deep, "Dan Suspended")
    suspended.status = Practitioner.Status.SUSPENDED
    suspended.save()
    uninsured = offering(deep, "Eve Uninsured")
    uninsured.insurance_expires_on = timezone.localdate() - timedelta(days=1)
    uninsured.save()
    QualificationFactory(practitioner=ben, technique=deep)

    html = section(page(client, deep), "practitioners-heading")

    names = re.findall(r'<h3 class="h6 mb-1"><a href="[^"]+">([^<]+)</a>', html)
    assert names == ["Ada Hughes", "Ben Okafor"]
    assert ada.get_absolute_url() in html
    assert html.count("verified</span>") == 1  # Ben's


def test_with_a_place_the_nearest_come_first_and_far_ones_are_left_out(client, deep):
    PlaceFactory(name="Brighton", latitude=50.8225, longitude=-0.1372)
    offering(deep, "Far Away", **BATH)
    offering(deep, "Next Door", latitude=50.8226, longitude=-0.1373)
    offering(deep, "Across Town", latitude=50.84, longitude=-0.17)

    html = page(client, deep, where="Brighton")

    names = re.findall(r'<h3 class="h6 mb-1"><a href="[^"]+">([^<]+)</a>', html)
    assert names == ["Next Door", "Across Town"]
    assert "2 practitioners within 25 miles of Brighton, nearest first." in html
    assert "miles away" in html


def test_an_unknown_place_is_said_and_everyone_is_shown(client, deep):
    offering(deep, "Ada Hughes")
    html = page(client, deep, where="Atlantis <b>")
    assert "We could not find “Atlantis &lt;b&gt;”" in html
    assert "Ada Hughes" in html


def test_more_than_six_link_to_the_search_for_the_rest(client, deep):
    for n in range(8):
        offering(deep, f"Therapist {n}")
    html = section(page(client, deep), "practitioners-heading")
    assert html.count('class="card h-100 result-card"') == 6
    assert "See all 8 practitioners" in html
    assert f"{reverse('directory:search')}?technique=deep-tissue" in html


def test_nobody_offering_it_is_said(client, deep):
    assert "No practitioner in our network offers deep tissue yet" in page(client, deep)


def test_the_courses_teaching_it_with_their_next_open_dates(client, deep):
    hot = TechniqueFactory(slug="hot-stone")
    teaching = CourseFactory(title="Deep Tissue Diploma", techniques=[deep])
    soon = CourseDateFactory(course=teaching, venue_town="Bath")
    later = CourseDateFactory(
        course=teaching,
        venue_town="Brighton",
        starts_on=soon.starts_on + timedelta(days=30),
    )
    CourseDateFactory(course=teaching, venue_town="Cancelled town",
                      status=CourseDate.Status.CANCELLED)  # fmt: skip
    for n in range(3):  # only the next three dates of a course
        CourseDateFactory(
            course=teaching,
            venue_town=f"Distant {n}",
            starts_on=soon.starts_on + timedelta(days=200 + n),
        )
    CourseFactory(title="Hot Stone Course", techniques=[hot])
    CourseFactory(title="Draft Deep Course", techniques=[deep], is_published=False)

    html = section(page(client, deep), "technique-courses-heading")

    assert re.findall(r'<h3 class="h6 mb-1"><a [^>]+>([^<]+)</a>', html) == [
        "Deep Tissue Diploma"
    ]
    towns = re.findall(r'<a href="/courses/[^"]+/\d+/">([^,]+),', html)
    assert towns == ["Bath", "Brighton", "Distant 0"]
    assert soon.get_absolute_url() in html and later.get_absolute_url() in html


def test_no_course_teaching_it_shows_no_course_panel(client, deep):
    assert "technique-courses-heading" not in page(client, deep)


def test_the_live_articles_about_it(client, deep):
    hot = TechniqueFactory(slug="hot-stone")
    live = PostFactory(title="Deep tissue and back pain", techniques=[deep])
    PostFactory(title="Hot stones in winter", techniques=[hot])
    PostFactory(title="A draft", techniques=[deep], status=Post.Status.DRAFT,
                publish_at=None)  # fmt: skip
    PostFactory(title="Not yet", techniques=[deep],
                publish_at=timezone.now() + timedelta(days=1))  # fmt: skip

    html = section(page(client, deep), "technique-articles-heading")

    assert re.findall(r'<a class="fw-semibold" href="[^"]+">([^<]+)</a>', html) == [
        "Deep tissue and back pain"
    ]
    assert live.get_absolute_url() in html


def test_the_published_videos_about_it(client, deep):
    hot = TechniqueFactory(slug="hot-stone")
    shown = VideoFactory(title="Deep tissue demonstration", techniques=[deep])
    VideoFactory(title="Hot stones", techniques=[hot])
    VideoFactory(title="Hidden", techniques=[deep], is_published=False)

    html = section(page(client, deep), "technique-videos-heading")

    assert re.findall(r'<h3 class="h6 card-title mb-1"><a href="[^"]+">([^<]+)</a>',
                      html) == ["Deep tissue demonstration"]  # fmt: skip
    assert shown.get_absolute_url() in html
    assert "<iframe" not in html  # nothing from YouTube until the visitor asks


def queries_for(client, technique, **query) -> int:
    with CaptureQueriesContext(connection) as captured:
        page(client, technique, **query)
    return len(captured)


def add_one_of_each(technique, n: int):
    practitioner = offering(technique, f"Therapist {n}")
    QualificationFactory(practitioner=practitioner, technique=technique)
    course = CourseFactory(techniques=[technique])
    for _ in range(2):
        CourseDateFactory(course=course)
    PostFactory(techniques=[technique])
    VideoFactory(techniques=[technique])


@pytest.mark.parametrize("query", [{}, {"where": "Brighton"}])
def test_the_page_takes_a_fixed_number_of_queries(client, deep, query):
    PlaceFactory(name="Brighton", latitude=50.8225, longitude=-0.1372)
    add_one_of_each(deep, 0)
    few = queries_for(client, deep, **query)
    for n in range(1, 6):
        add_one_of_each(deep, n)
    assert queries_for(client, deep, **query) == few
    assert few <= 12


def test_the_json_ld_describes_the_technique_and_lists_the_practitioners(client, deep):
    ada = offering(deep, "Ada Hughes")
    html = page(client, deep)
    data = json.loads(
        re.search(
            r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S
        ).group(1)  # fmt: skip
    )
    assert data["@type"] == "WebPage"
    assert data["about"]["name"] == "Deep tissue"
    assert data["breadcrumb"]["itemListElement"][1]["name"] == "Deep tissue"
    items = data["mainEntity"]["itemListElement"]
    assert [item["name"] for item in items] == ["Ada Hughes"]
    assert items[0]["url"].endswith(ada.get_absolute_url())


def test_technique_pages_are_in_the_sitemap(client, deep):
    index = client.get("/sitemap.xml").content.decode()
    assert "/sitemap-techniques.xml</loc>" in index
    xml = sitemap_text(client)
    assert f"{deep.get_absolute_url()}</loc>" in xml
    assert "/techniques/</loc>" in xml


def test_the_index_lists_every_technique(client, deep):
    html = client.get(reverse("directory:techniques")).content.decode()
    assert f'href="{deep.get_absolute_url()}"' in html
    assert "Reflexology" in html  # from the seeded list


def test_search_cards_profiles_articles_and_course_pages_link_to_it(client, deep):
    practitioner = offering(deep, "Ada Hughes")
    post = PostFactory(techniques=[deep])
    course = CourseFactory(techniques=[deep])
    course_date = CourseDateFactory(course=course)
    link = f'href="{deep.get_absolute_url()}"'
    for url in [
        f"{reverse('directory:search')}?technique=deep-tissue",
        practitioner.get_absolute_url(),
        post.get_absolute_url(),
        course.get_absolute_url(),
        course_date.get_absolute_url(),
    ]:
        assert link in client.get(url).content.decode(), url


def test_technique_pages_load_nothing_from_another_host(client, deep):
    offering(deep, "Ada Hughes")
    VideoFactory(techniques=[deep])
    html = page(client, deep)
    html = re.sub(r'<link rel="canonical"[^>]*>', "", html)
    for url in re.findall(r'<(?:script|img|iframe|link)[^>]+(?:src|href)="([^"]+)"',
                          html):  # fmt: skip
        assert not re.match(r"^(https?:)?//", url), url
