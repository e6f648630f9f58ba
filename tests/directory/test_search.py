import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.utils import timezone

from directory import geo, search
from directory.models import Location, Practitioner, Technique
from tests.directory.factories import (
    LocationFactory,
    PlaceFactory,
    PractitionerFactory,
    QualificationFactory,
    TechniqueFactory,
)

pytestmark = pytest.mark.django_db

BRIGHTON = (50.8225, -0.1372)
URL = "/practitioners/"


def practitioner_at(miles_north: float, **kwargs) -> Practitioner:
    """A listed practitioner whose only location is `miles_north` of Brighton."""
    location = LocationFactory(
        practitioner__display_name=kwargs.pop("name", f"P {miles_north}"),
        latitude=BRIGHTON[0] + miles_north / geo.MILES_PER_DEGREE_LATITUDE,
        longitude=BRIGHTON[1],
        **{f"practitioner__{k}": v for k, v in kwargs.items()},
    )
    return location.practitioner


@pytest.fixture
def brighton():
    return PlaceFactory(name="Brighton", latitude=BRIGHTON[0], longitude=BRIGHTON[1])


def names(response) -> list[str]:
    return [p.display_name for p in response.context["page"]]


def test_radius_search_returns_exactly_those_within_the_radius_nearest_first(
    client, brighton
):
    practitioner_at(4.0, name="Four")
    practitioner_at(0.5, name="Half")
    practitioner_at(9.8, name="Nine point eight")
    practitioner_at(10.3, name="Ten point three")
    practitioner_at(-2.0, name="Two south")
    response = client.get(URL, {"where": "Brighton", "radius": "10"})
    assert names(response) == ["Half", "Two south", "Four", "Nine point eight"]
    distances = [round(p.distance, 1) for p in response.context["page"]]
    assert distances == [0.5, 2.0, 4.0, 9.8]
    assert "4 miles away" in response.content.decode()


def test_the_nearest_of_several_locations_counts(client, brighton):
    far = practitioner_at(30.0, name="Two places")
    LocationFactory(
        practitioner=far, latitude=BRIGHTON[0] + 0.01, longitude=BRIGHTON[1]
    )
    response = client.get(URL, {"where": "brighton", "radius": "5"})
    assert names(response) == ["Two places"]
    assert response.context["page"][0].distance == pytest.approx(0.69, abs=0.02)


def test_distances_match_the_python_haversine():
    lat, lng = 51.3811, -2.3590
    expected = geo.haversine_miles(BRIGHTON[0], BRIGHTON[1], lat, lng)
    LocationFactory(latitude=lat, longitude=lng)
    row = Location.objects.annotate(d=geo.distance_miles(*BRIGHTON)).get()
    assert row.d == pytest.approx(expected, rel=1e-6)
    assert 100 < expected < 108  # Brighton to Bath, as the crow flies


@pytest.mark.parametrize(
    "unlisted",
    [
        {"status": Practitioner.Status.APPLIED},
        {"status": Practitioner.Status.SUSPENDED},
        {"insurance_expires_on": timezone.localdate() - timedelta(days=1)},
        {"insurance_expires_on": None},
    ],
)
def test_unlisted_practitioners_never_appear_even_by_direct_url(
    client, brighton, unlisted
):
    hidden = practitioner_at(1.0, name="Hidden", **unlisted)
    practitioner_at(2.0, name="Shown")
    assert names(client.get(URL, {"where": "Brighton"})) == ["Shown"]
    assert names(client.get(URL)) == ["Shown"]
    assert names(client.get(URL, {"q": "Hidden"})) == []
    assert client.get(hidden.get_absolute_url()).status_code == 404


def test_insurance_expiring_today_is_still_listed(client):
    today = PractitionerFactory(insurance_expires_on=timezone.localdate())
    assert client.get(today.get_absolute_url()).status_code == 200


def test_filters_combine(client, brighton):
    deep = TechniqueFactory(slug="deep-tissue")
    stone = TechniqueFactory(slug="hot-stone")
    match = practitioner_at(
        1,
        name="Match",
        gender="female",
        languages=["English", "Polish"],
        home_visits=True,
        home_visit_miles=5,
        offers_online_booking=True,
    )
    match.techniques.add(deep)
    wrong_gender = practitioner_at(
        1,
        name="Wrong gender",
        gender="male",
        languages=["Polish"],
        home_visits=True,
        home_visit_miles=5,
        offers_online_booking=True,
    )
    wrong_gender.techniques.add(deep)
    wrong_technique = practitioner_at(
        1,
        name="Wrong technique",
        gender="female",
        languages=["Polish"],
        home_visits=True,
        home_visit_miles=5,
        offers_online_booking=True,
    )
    wrong_technique.techniques.add(stone)
    no_polish = practitioner_at(
        1,
        name="No Polish",
        gender="female",
        languages=["English"],
        home_visits=True,
        home_visit_miles=5,
        offers_online_booking=True,
    )
    no_polish.techniques.add(deep)
    offline = practitioner_at(
        1,
        name="Offline",
        gender="female",
        languages=["Polish"],
        home_visits=True,
        home_visit_miles=5,
        offers_online_booking=False,
    )
    offline.techniques.add(deep)
    query = {
        "where": "Brighton",
        "technique": "deep-tissue",
        "gender": "female",
        "language": "Polish",
        "home_visits": "on",
        "online": "on",
    }
    assert names(client.get(URL, query)) == ["Match"]
    without_gender = {k: v for k, v in query.items() if k != "gender"}
    assert names(client.get(URL, without_gender)) == ["Match", "Wrong gender"]


def test_home_visits_reach_past_the_radius_to_the_place_searched(client, brighton):
    practitioner_at(5, name="Five, visits 2", home_visits=True, home_visit_miles=2)
    practitioner_at(15, name="Fifteen, visits 30", home_visits=True,
                    home_visit_miles=30)  # fmt: skip
    practitioner_at(12, name="Twelve, visits 10", home_visits=True,
                    home_visit_miles=10)  # fmt: skip
    practitioner_at(-90, name="Ninety, visits 100", home_visits=True,
                    home_visit_miles=100)  # fmt: skip
    practitioner_at(3, name="Three, no visits")
    practitioner_at(8, name="Eight, visits off", home_visit_miles=30)
    practitioner_at(14, name="Fourteen, visits off", home_visit_miles=30)
    visits = {"where": "Brighton", "radius": "10", "home_visits": "on"}
    response = client.get(URL, visits)
    assert names(response) == ["Five, visits 2", "Fifteen, visits 30",
                               "Ninety, visits 100"]  # fmt: skip
    html = response.content.decode()
    assert "3 practitioners within 10 miles of Brighton or visiting there" in html
    assert "15 miles away" in html and "home visits up to 30 miles" in html
    # Without the box ticked the radius alone decides.
    assert names(client.get(URL, {"where": "Brighton", "radius": "10"})) == [
        "Three, no visits",
        "Five, visits 2",
        "Eight, visits off",
    ]


def test_several_techniques_match_any_of_them_once(client):
    deep = TechniqueFactory(slug="deep-tissue")
    stone = TechniqueFactory(slug="hot-stone")
    both = PractitionerFactory(display_name="Both", techniques=[deep, stone])
    PractitionerFactory(display_name="Stone", techniques=[stone])
    PractitionerFactory(display_name="Neither")
    response = client.get(URL, {"technique": ["deep-tissue", "hot-stone"]})
    assert names(response) == ["Both", "Stone"]
    assert both.display_name in response.content.decode()


def test_text_search_finds_words_in_the_bio_headline_name_and_technique(client):
    PractitionerFactory(
        display_name="Ann Bio", headline="Calm", bio="Specialist in frozen shoulder."
    )
    PractitionerFactory(display_name="Bo Headline", headline="Frozen shoulders eased")
    PractitionerFactory(display_name="Cy Other", headline="Calm", bio="Relaxation.")
    deep = TechniqueFactory(slug="deep-tissue")
    PractitionerFactory(display_name="Di Deep", headline="Calm", techniques=[deep])
    assert names(client.get(URL, {"q": "frozen shoulder"})) == [
        "Ann Bio",
        "Bo Headline",
    ]
    assert names(client.get(URL, {"q": "deep tissue"})) == ["Di Deep"]
    assert names(client.get(URL, {"q": "Cy Oth"})) == ["Cy Other"]


def test_text_naming_no_technique_leaves_the_technique_table_out_of_the_query():
    """Technique names are matched against the cached list: a text that names
    none costs no subquery, so PostgreSQL can read practitioners in table order
    and stop at a page."""
    TechniqueFactory(slug="hot-stone", name="Hot stone")
    plain = search.practitioners(search.Criteria(text="posture")).practitioners
    assert "directory_practitioner_techniques" not in str(plain.query)
    named = search.practitioners(search.Criteria(text="STONE")).practitioners
    assert "directory_practitioner_techniques" in str(named.query)


def test_verified_techniques_are_marked_in_results(client):
    qualification = QualificationFactory()
    response = client.get(URL)
    badges = response.context["page"][0].technique_badges
    assert badges == [(qualification.technique, True)]
    assert "(verified)" in response.content.decode()


def test_an_unknown_place_gives_a_friendly_message_with_suggestions(client, brighton):
    PlaceFactory(name="Bristol", latitude=51.45, longitude=-2.58)
    practitioner_at(1)
    response = client.get(URL, {"where": "Brightn"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "We could not find “Brightn”" in html
    assert response.context["suggestions"][0] == "Brighton"
    assert "where=Brighton" in html
    assert list(response.context["page"]) == []


def test_the_suggested_places_are_separated_so_the_line_wraps_on_a_phone(
    client, brighton
):
    """With no space between them the links ran off a 390 px screen."""
    PlaceFactory(name="Brighstone", latitude=50.64, longitude=-1.39)
    response = client.get(URL, {"where": "Brightn"})
    line = response.content.decode().split("Did you mean:")[1].split("</p>")[0]
    assert re.search(r"</a>, <a ", line), line
    assert "</a>,<a" not in line


def place_links(response) -> list[dict]:
    alert = response.content.decode().split('role="alert"')[1].split("</div>")[0]
    return [
        parse_qs(unescape(query)) for query in re.findall(r'href="\?([^"]*)"', alert)
    ]


def test_did_you_mean_replaces_the_place_and_keeps_the_other_filters(client, brighton):
    query = {"where": "Brightn", "radius": "5", "gender": "female", "page": "2"}
    links = place_links(client.get(URL, query))
    assert links == [{"where": ["Brighton"], "radius": ["5"], "gender": ["female"]}]


def test_a_place_like_nothing_we_know_offers_towns_with_practitioners(client, brighton):
    PlaceFactory(name="Bath", latitude=51.38, longitude=-2.36)
    practitioner_at(1)
    practitioner_at(2)
    LocationFactory(town="Not In The Gazetteer")
    LocationFactory(town="Bath", practitioner__status=Practitioner.Status.APPLIED)
    response = client.get(URL, {"where": "Qwxyz", "q": "calm"})
    assert response.context["suggestions"] == []
    assert response.context["example_towns"] == ["Brighton"]
    assert "Our practitioners work in places such as" in response.content.decode()
    assert place_links(response) == [{"where": ["Brighton"], "q": ["calm"]}]


def test_a_full_postcode_we_do_not_know_falls_back_to_its_area(client):
    PlaceFactory(
        kind="outward", name="BN1", key="BN1", latitude=50.83, longitude=-0.142
    )
    practitioner_at(1, name="Near")
    response = client.get(URL, {"where": "bn1 9zz"})
    assert names(response) == ["Near"]
    assert "distances are from the centre of its area" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"radius": "abc"},
        {"radius": "-5"},
        {"radius": "99999"},
        {"page": "999"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "1" * 500},
        {"q": "x" * 5000},
        {"where": "y" * 5000},
        {"technique": "no-such-technique"},
        {"gender": "unknown"},
        {"language": "Klingon"},
        {"q": "'; DROP TABLE directory_practitioner; --"},
        {"q": "!!! & | :*"},
        {"where": "Brighton\nhttps://evil.example/"},
    ],
)
def test_malformed_query_strings_never_fail(client, brighton, query):
    practitioner_at(1)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert Practitioner.objects.count() == 1


def test_a_nul_byte_in_the_query_string_is_a_styled_bad_request(client, brighton):
    practitioner_at(1)
    response = client.get(URL, {"where": "\x00"})
    assert response.status_code == 400
    assert "We could not understand that request" in response.content.decode()
    assert Practitioner.objects.count() == 1


def test_a_bad_radius_is_explained_and_the_default_used(client, brighton):
    practitioner_at(8, name="Eight")
    response = client.get(URL, {"where": "Brighton", "radius": "abc"})
    assert "Choose a distance from the list." in response.content.decode()
    assert names(response) == ["Eight"]


def test_a_page_past_the_end_shows_the_last_page_and_says_so(client):
    for i in range(14):
        PractitionerFactory(display_name=f"P{i:02d}")
    response = client.get(URL, {"page": "999"})
    assert response.context["page"].number == 2
    assert "There is no page “999”; showing page 2." in response.content.decode()


def test_too_long_text_is_refused_with_a_message(client):
    response = client.get(URL, {"q": "x" * 500})
    html = response.content.decode()
    assert "The treatment, name or keyword must be 80 characters or fewer" in html
    assert 'href="#id_q">The treatment, name or keyword must be' in html


def test_pagination_keeps_the_filters(client):
    for i in range(13):
        PractitionerFactory(display_name=f"P{i:02d}", gender="male")
    html = client.get(URL, {"gender": "male"}).content.decode()
    assert "?gender=male&amp;page=2" in html


def test_htmx_requests_get_only_the_results(client):
    PractitionerFactory(display_name="Partial")
    response = client.get(URL, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Partial" in html
    assert "<html" not in html
    assert 'id="results"' in html


def test_htmx_results_carry_the_page_title(client, brighton):
    response = client.get(URL, {"where": "Brighton"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith("<title>Find a massage therapist near Brighton | ")
    full = client.get(URL, {"where": "Brighton"}).content.decode()
    assert full.count("<title>") == 1


def test_a_history_restore_gets_the_whole_page(client):
    PractitionerFactory(display_name="Restored")
    response = client.get(
        URL,
        {"gender": "female"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    html = response.content.decode()
    assert "<html" in html
    assert "<h1" in html and 'id="search-form"' in html


@pytest.mark.parametrize("htmx", [False, True])
def test_the_search_varies_on_the_htmx_header(client, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(URL, headers=headers)
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    "query",
    [{}, {"where": "Brighton", "radius": "25"},
     {"where": "Brighton", "radius": "25", "home_visits": "on"}],
    ids=["no place", "place", "place and home visits"],
)  # fmt: skip
def test_the_search_runs_a_fixed_number_of_queries_whatever_the_page_size(
    client, brighton, django_assert_max_num_queries, query
):
    visits = (
        {"home_visits": True, "home_visit_miles": 5} if "home_visits" in query else {}
    )
    deep = Technique.objects.get(slug="deep-tissue")
    practitioner_at(1, **visits).techniques.add(deep)
    # The place, the techniques (the cache is empty), the count and the page.
    queries = 4 if query else 3
    with django_assert_max_num_queries(queries):
        client.get(URL, query)
    for i in range(30):
        p = practitioner_at(1 + i / 10, **visits)
        p.techniques.add(deep)
        QualificationFactory(practitioner=p, technique=deep)
        LocationFactory(practitioner=p)
    with django_assert_max_num_queries(queries):
        response = client.get(URL, query)
    assert len(response.context["page"]) == 12


@pytest.mark.parametrize("with_place", [False, True])
def test_a_signed_in_search_adds_only_the_session_with_the_user(
    client, brighton, django_assert_num_queries, with_place
):
    """Every signed-in page loads the session and the user (with their practitioner
    profile, for the menu): one query on top of the search's own."""
    query = {"where": "Brighton", "radius": "25"} if with_place else {}
    # With a place: the place, the count, and the page ranked with its cards.
    search_queries = 3 if with_place else 2
    client.force_login(PractitionerFactory().user)
    practitioner_at(1)
    with django_assert_num_queries(search_queries + 1 + 1):  # + the techniques
        client.get(URL, query)
    for i in range(30):
        p = practitioner_at(1 + i / 10)
        QualificationFactory(practitioner=p)
        LocationFactory(practitioner=p)
    with django_assert_num_queries(search_queries + 1):  # techniques from the cache
        response = client.get(URL, query)
    assert len(response.context["page"]) == 12


def test_radius_filtering_uses_the_location_index():
    practitioners = PractitionerFactory.create_batch(20)
    # Some travel: with home visits ticked the box grows to the longest range.
    Practitioner.objects.filter(pk__in=[p.pk for p in practitioners[:5]]).update(
        home_visits=True, home_visit_miles=30
    )
    Location.objects.bulk_create(
        Location(
            practitioner=practitioners[i % 20],
            name="Clinic",
            address="1 Street",
            town="Town",
            postcode="AB1 2CD",
            latitude=49.9 + (i % 400) * 0.02,
            longitude=-5.5 + (i // 400) * 0.2,
        )
        for i in range(8000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_location")
        cursor.execute("ANALYZE directory_practitioner")
    for home_visits in (False, True):
        criteria = search.Criteria(
            where=geo.Found("Brighton", *BRIGHTON),
            radius=10,
            techniques=[],
            home_visits=home_visits,
        )
        plan = search.practitioners(criteria).explain()
        assert "location_sphere" in plan, plan


def test_suggestions_ignore_full_postcodes(brighton):
    PlaceFactory(kind="postcode", name="BN1 1UG", key="BN1 1UG")
    assert geo.suggestions("Brighto") == ["Brighton"]
    assert geo.suggestions("") == []


def test_search_works_while_the_cache_is_down(client, brighton, monkeypatch, caplog):
    from django.core.cache import cache
    from redis.exceptions import ConnectionError as RedisDown

    def down(*args, **kwargs):
        raise RedisDown("Connection refused")

    for method in ("get", "get_or_set", "set_many"):
        monkeypatch.setattr(cache, method, down)
    practitioner_at(1)
    response = client.get(URL, {"where": "Brighton", "technique": "deep-tissue"})
    assert response.status_code == 200
    assert "Deep tissue" in response.content.decode()
    assert "Cache unavailable" in caplog.text
    response = client.get(URL, {"where": "Atlantis"})
    assert response.status_code == 200


def test_filters_off_the_list_are_named_in_the_error_summary(client):
    response = client.get(URL, {"radius": "7", "technique": "no-such-technique"})
    assert response.status_code == 200
    html = response.content.decode()
    summary = html.split("error-summary", 1)[1].split("</div>", 1)[0]
    assert 'href="#id_radius">Choose a distance from the list.</a>' in summary
    # The techniques' boxes have ids of their own: the message is not a link.
    assert "<li>Choose the techniques from the list.</li>" in summary
    assert 'href="#"' not in summary


def test_cards_link_each_practitioner_and_technique_and_the_ticked_boxes_stay_ticked(
    client,
):
    qualification = QualificationFactory()
    other = TechniqueFactory(slug="hot-stone", name="Hot stone")
    practitioner = qualification.practitioner
    technique = qualification.technique
    html = client.get(URL).content.decode()
    assert f'<a href="{practitioner.get_absolute_url()}">' in html
    assert f'href="{technique.get_absolute_url()}"' in html
    assert not re.findall(r'id="technique-[^"]+" checked', html)
    html = client.get(URL, {"technique": [technique.slug]}).content.decode()
    ticked = re.findall(r'value="([^"]+)" id="technique-[^"]+" checked', html)
    assert ticked == [technique.slug]
    assert other.slug in html


def test_an_alphabetical_search_compiles_its_sql_once_per_set_of_criteria(
    client, monkeypatch
):
    """The SQL is kept per process for the criteria it was compiled from; the
    rows are read anew every time."""
    search._alphabetical_sql.clear()
    built = []
    filtered = search._filtered
    monkeypatch.setattr(
        search, "_filtered", lambda *args: built.append(args[0]) or filtered(*args)
    )
    PractitionerFactory(display_name="Ann Posture", gender="female")
    assert names(client.get(URL, {"q": "posture"})) == ["Ann Posture"]
    PractitionerFactory(display_name="Bo Posture", gender="male")
    assert names(client.get(URL, {"q": "posture"})) == ["Ann Posture", "Bo Posture"]
    assert len(built) == 1
    # Other criteria, other SQL.
    assert names(client.get(URL, {"q": "posture", "gender": "male"})) == ["Bo Posture"]
    assert names(client.get(URL, {"q": "Ann"})) == ["Ann Posture"]
    assert len(built) == 3
    response = client.get(URL, {"q": "posture", "gender": "female"})
    assert names(response) == ["Ann Posture"]
    assert response.context["page"].paginator.count == 1
    # Free within some days depends on the moment: never kept.
    client.get(URL, {"free_soon": "on"})
    client.get(URL, {"free_soon": "on"})
    assert len(built) == 6


def test_an_alphabetical_page_beyond_the_count_cap_says_500_plus(client, monkeypatch):
    monkeypatch.setattr(search, "COUNT_LIMIT", 3)
    for name in ["Ann", "Bo", "Cy", "Di", "Ed"]:
        PractitionerFactory(display_name=name)
    found = search.practitioners(search.Criteria())
    assert found.count() == 3 and found.more
    assert [p.display_name for p in found[0:2]] == ["Ann", "Bo"]
    assert [p.display_name for p in found[2:12]] == ["Cy"]
    empty = search.practitioners(search.Criteria(gender="none-such"))
    assert empty.count() == 0 and not empty.more and empty[0:12] == []
