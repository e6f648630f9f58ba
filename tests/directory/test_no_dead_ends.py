"""Search never ends in a dead end; town pages; the sitemap's sections; the next
free time and its filter on the cards."""

import json
import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from directory import geo
from directory.models import Practitioner, Technique
from directory.sitemaps import PractitionerSitemap
from tests.courses.factories import CourseDateFactory
from tests.directory.factories import LocationFactory, PlaceFactory
from tests.sitemaps import sitemap_locations

pytestmark = pytest.mark.django_db

BRIGHTON = (50.8225, -0.1372)
URL = "/practitioners/"


def practitioner_at(miles_north: float, **kwargs) -> Practitioner:
    location = LocationFactory(
        practitioner__display_name=kwargs.pop("name", f"P {miles_north}"),
        latitude=BRIGHTON[0] + miles_north / geo.MILES_PER_DEGREE_LATITUDE,
        longitude=BRIGHTON[1],
        town=kwargs.pop("town", "Brighton"),
        **{f"practitioner__{k}": v for k, v in kwargs.items()},
    )
    return location.practitioner


@pytest.fixture
def brighton():
    return PlaceFactory(name="Brighton", latitude=BRIGHTON[0], longitude=BRIGHTON[1])


def names(response) -> list[str]:
    return [p.display_name for p in response.context["page"]]


def links(html: str, text: str) -> dict:
    """The query of the link whose text is `text`."""
    match = re.search(rf'href="\?([^"]*)"[^>]*>{re.escape(text)}<', html)
    assert match, text
    return parse_qs(unescape(match.group(1)))


def test_nobody_within_the_radius_says_how_far_the_nearest_is(client, brighton):
    practitioner_at(23, name="Far away")
    response = client.get(URL, {"where": "Brighton", "radius": "5", "gender": ""})
    html = response.content.decode()
    assert names(response) == []
    assert "No practitioner matches within 5 miles of Brighton." in html
    assert "The nearest is 23 miles away." in html
    assert response.context["nearest"].miles == pytest.approx(23, abs=0.1)
    # One click widens the radius just enough; another shows the nearest.
    assert links(html, "Search within 25 miles")["radius"] == ["25"]
    assert links(html, "Show the nearest")["nearest"] == ["on"]


def test_show_the_nearest_lists_them_beyond_the_radius_nearest_first(client, brighton):
    practitioner_at(120, name="Further", gender="male")
    practitioner_at(80, name="Far", gender="male")
    practitioner_at(30, name="Female far", gender="female")
    response = client.get(
        URL, {"where": "Brighton", "radius": "1", "nearest": "on", "gender": "male"}
    )
    # The other filters still apply; the radius grows until someone matches.
    assert names(response) == ["Far"]
    html = response.content.decode()
    assert "The nearest practitioner to Brighton: 1 within 100 miles" in html


def test_when_the_nearest_is_beyond_the_widest_radius_only_show_the_nearest(
    client, brighton
):
    practitioner_at(200, name="Very far")
    html = client.get(URL, {"where": "Brighton"}).content.decode()
    assert "The nearest is 200 miles away." in html
    assert "Show the nearest" in html
    assert "Search within" not in html


def test_nobody_anywhere_gives_a_plain_empty_state(client, brighton):
    practitioner_at(1, gender="female")
    response = client.get(URL, {"where": "Brighton", "gender": "male"})
    html = response.content.decode()
    assert "No practitioners match within 10 miles." in html
    assert "Show the nearest" not in html


def test_one_mile_is_singular(client, brighton):
    practitioner_at(0.5, name="Close")
    html = client.get(URL, {"where": "Brighton", "radius": "1"}).content.decode()
    assert "1 practitioner within 1 mile of Brighton" in html
    assert "0.5 miles away" in html


def test_a_shared_name_offers_the_other_places(client):
    PlaceFactory(name="Newport", ref="a", population=150_000, label="Wales",
                 latitude=51.58, longitude=-2.99, slug="newport")  # fmt: skip
    PlaceFactory(name="Newport", ref="b", population=25_000, label="Isle of Wight",
                 latitude=50.70, longitude=-1.29, slug="newport-iow")  # fmt: skip
    html = client.get(URL, {"where": "Newport", "radius": "5"}).content.decode()
    assert "Showing Newport, Wales. Did you mean" in html
    assert links(html, "Newport, Isle of Wight") == {
        "where": ["Newport, Isle of Wight"],
        "radius": ["5"],
    }


def test_free_in_the_next_three_days_filters_on_the_stored_time(client, brighton):
    now = timezone.now()
    soon = practitioner_at(1, name="Soon", offers_online_booking=True)
    later = practitioner_at(2, name="Later", offers_online_booking=True)
    stale = practitioner_at(3, name="Stale", offers_online_booking=True)
    Practitioner.objects.filter(pk=soon.pk).update(
        next_free_at=now + timedelta(days=1),
        next_free_stale_at=now + timedelta(hours=5),
    )
    Practitioner.objects.filter(pk=later.pk).update(
        next_free_at=now + timedelta(days=5), next_free_stale_at=now + timedelta(days=4)
    )
    Practitioner.objects.filter(pk=stale.pk).update(
        next_free_at=now + timedelta(days=1),
        next_free_stale_at=now - timedelta(minutes=1),
    )
    response = client.get(URL, {"where": "Brighton", "free_soon": "on"})
    assert names(response) == ["Soon"]
    html = client.get(URL, {"where": "Brighton"}).content.decode()
    assert html.count("Next free: ") == 2  # never the stale one
    assert "Free in the next 3 days" in html


def test_the_cards_say_who_does_not_take_online_bookings(client, brighton):
    practitioner_at(1, name="Offline", offers_online_booking=False)
    html = client.get(URL, {"where": "Brighton"}).content.decode()
    assert "Does not take online bookings" in html


def test_the_next_free_time_costs_no_query_whatever_the_page_size(
    client, brighton, django_assert_max_num_queries
):
    from directory import search

    search.all_techniques()  # the cached list, as on a warm site
    now = timezone.now()
    for n in range(30):
        practitioner = practitioner_at(n / 10, offers_online_booking=True)
        Practitioner.objects.filter(pk=practitioner.pk).update(
            next_free_at=now + timedelta(hours=30 + n),
            next_free_stale_at=now + timedelta(hours=20),
        )
    for query in ({"where": "Brighton"}, {"where": "Brighton", "free_soon": "on"}):
        with django_assert_max_num_queries(4):
            html = client.get(URL, query).content.decode()
        assert html.count("Next free: ") == 12


def test_the_filters_panel_works_without_javascript(client, brighton):
    html = client.get(URL, {"where": "Brighton"}).content.decode()
    # A plain link opens the panel (CSS :target), Bootstrap's offcanvas with JS.
    assert 'href="#filters" data-bs-toggle="offcanvas"' in html
    assert 'id="filters"' in html and 'class="offcanvas-lg' in html
    assert 'href="#results"' in html  # closes it again
    # The results come first on a phone: the panel is off-screen there.
    assert html.index('id="results"') > html.index('id="filters"')


# --- town pages ---------------------------------------------------------------------


def test_a_town_page_lists_the_nearest_practitioners_with_json_ld(client, brighton):
    practitioner_at(3, name="Three")
    practitioner_at(0.5, name="Half")
    practitioner_at(40, name="Too far")
    response = client.get(reverse("directory:town", args=["brighton"]))
    assert response.status_code == 200
    assert names(response) == ["Half", "Three"]
    html = response.content.decode()
    assert '<h1 class="h2">Massage therapists in Brighton</h1>' in html
    data = json.loads(
        re.search(
            r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S
        ).group(1)  # fmt: skip
    )
    assert data["@type"] == "ItemList"
    assert [item["name"] for item in data["itemListElement"]] == ["Half", "Three"]
    assert data["itemListElement"][0]["position"] == 1
    assert data["itemListElement"][0]["url"].startswith("http://testserver/")
    assert 'rel="canonical" href="http://testserver/massage/brighton/"' in html
    assert "noindex" not in html


def test_a_town_page_shows_the_techniques_offered_there(client, brighton):
    near = practitioner_at(1)
    near.techniques.set([])
    from tests.directory.factories import TechniqueFactory

    stone = TechniqueFactory(slug="hot-stone")
    near.techniques.add(stone)
    html = client.get(reverse("directory:town", args=["brighton"])).content.decode()
    assert "Techniques offered in Brighton" in html
    assert "technique=hot-stone" in html


def test_a_town_page_shows_course_dates_near_it(client, brighton):
    PlaceFactory(name="Lewes", latitude=50.87, longitude=0.01, slug="lewes")
    PlaceFactory(name="Inverness", latitude=57.48, longitude=-4.22, slug="inverness")
    near = CourseDateFactory(venue_town="Lewes")
    far = CourseDateFactory(venue_town="Inverness")
    practitioner_at(1)
    html = client.get(reverse("directory:town", args=["brighton"])).content.decode()
    assert "Train with us near Brighton" in html
    assert near.get_absolute_url() in html
    assert far.get_absolute_url() not in html


def test_a_town_without_practitioners_points_to_the_nearest_and_is_not_indexed(
    client, brighton
):
    PlaceFactory(name="Inverness", latitude=57.48, longitude=-4.22, slug="inverness")
    practitioner_at(1)
    response = client.get(reverse("directory:town", args=["inverness"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<meta name="robots" content="noindex">' in html
    assert "The nearest is" in html and "Show the nearest" in html


def test_an_unknown_town_page_is_404(client):
    assert client.get("/massage/atlantis/").status_code == 404


def test_a_town_page_runs_a_fixed_number_of_queries(
    client, brighton, django_assert_max_num_queries
):
    from directory import search

    search.all_techniques()
    for n in range(30):
        practitioner_at(n / 10)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("directory:town", args=["brighton"]))
    assert len(response.context["page"]) == 12


def test_profiles_link_to_their_town_page_and_to_directions(client, brighton):
    practitioner = practitioner_at(1)
    html = client.get(practitioner.get_absolute_url()).content.decode()
    assert 'href="/massage/brighton/"' in html
    location = practitioner.locations.get()
    assert (
        "https://www.openstreetmap.org/directions?route=%3B"
        f"{location.latitude:.5f}%2C{location.longitude:.5f}"
    ) in html
    # A link, not an embedded map: nothing is loaded from OpenStreetMap.
    assert "<iframe" not in html and "tile.openstreetmap" not in html


# --- the sitemap ----------------------------------------------------------------------


def test_the_sitemap_index_lists_town_pages_of_towns_with_practitioners(
    client, brighton
):
    PlaceFactory(name="Inverness", latitude=57.48, longitude=-4.22, slug="inverness")
    practitioner_at(1)
    paths = {urlsplit(loc).path for loc in sitemap_locations(client)}
    assert "/massage/brighton/" in paths
    assert "/massage/inverness/" not in paths


def test_the_sitemap_index_has_a_section_for_towns_and_one_for_techniques(
    client, brighton
):
    practitioner_at(1)
    technique = Technique.objects.order_by("pk").first()  # the seeded list
    index = client.get("/sitemap.xml").content.decode()
    for section in ("towns", "techniques", "practitioners", "posts", "courses"):
        assert f"/sitemap-{section}.xml</loc>" in index, section
    paths = {urlsplit(loc).path for loc in sitemap_locations(client)}
    assert {"/massage/brighton/", technique.get_absolute_url()} <= paths


def test_a_section_past_the_limit_is_split_into_pages(client, monkeypatch):
    monkeypatch.setattr(PractitionerSitemap, "limit", 2)
    made = [practitioner_at(n, slug=f"p-{n}") for n in range(5)]
    index = client.get("/sitemap.xml").content.decode()
    assert "/sitemap-practitioners.xml</loc>" in index
    assert "/sitemap-practitioners.xml?p=3</loc>" in index
    paths = {urlsplit(loc).path for loc in sitemap_locations(client)}
    assert {p.get_absolute_url() for p in made} <= paths


def test_a_list_of_more_than_a_thousand_says_so_without_counting_them_all(
    client, monkeypatch
):
    from directory import search

    monkeypatch.setattr(search, "COUNT_LIMIT", 3)
    for n in range(5):
        practitioner_at(n, name=f"Name {n}")
    response = client.get(URL)
    assert "3+ practitioners" in response.content.decode()
    assert response.context["page"].paginator.count == 3


@pytest.mark.parametrize("limit", [3, 8])
def test_a_crowded_circle_counts_to_the_limit_and_still_ranks_nearest_first(
    brighton, monkeypatch, limit
):
    from directory import search

    monkeypatch.setattr(search, "COUNT_LIMIT", limit)
    for miles in [9.5, 0.2, 7, 3, 8.8, 1, 5, 9.9, 2, 6]:
        practitioner_at(miles, name=f"At {miles}")
    where = geo.Found("Brighton", *BRIGHTON)
    ranking = search.NearestFirst(Practitioner.objects.listed(), where, 10)
    assert ranking.count() == limit and ranking.more
    first = [round(p.distance, 1) for p in ranking[0:2]]
    assert first == [0.2, 1.0]
    everyone = search.NearestFirst(Practitioner.objects.listed(), where, 10)
    assert [r[1] for r in everyone.rows(slice(0, 10))] == sorted(
        r[1] for r in everyone.rows(slice(0, 10))
    )
    assert round(everyone.rows(slice(9, 10))[0][1], 1) == 9.9
