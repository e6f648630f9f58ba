"""The radius search's ranking read nearest first from the sphere index: the same
rows and order as ranking the whole circle, whatever the page, the crowding or the
number of places each practitioner works in."""

import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory import geo, search
from directory.models import Location, Practitioner
from tests.directory.factories import (
    PractitionerFactory,
    QualificationFactory,
    TechniqueFactory,
)

pytestmark = pytest.mark.django_db

BRIGHTON = (50.8225, -0.1372)
WHERE = geo.Found("Brighton", *BRIGHTON)


def scatter(practitioners, places_each=1, miles=12, seed=1):
    """Places of work spread around Brighton, up to `miles` away (some outside a
    10-mile circle)."""
    rng = random.Random(seed)
    rows = []
    for practitioner in practitioners:
        for n in range(places_each):
            north, east = rng.uniform(-miles, miles), rng.uniform(-miles, miles)
            rows.append(
                Location(
                    practitioner=practitioner,
                    name=f"Clinic {n}",
                    address="1 Street",
                    town=f"Town {rng.randint(1, 5)}",
                    postcode="BN1 1AA",
                    latitude=BRIGHTON[0] + north / geo.MILES_PER_DEGREE_LATITUDE,
                    longitude=BRIGHTON[1]
                    + east / (geo.MILES_PER_DEGREE_LATITUDE * 0.63),
                )
            )
    Location.objects.bulk_create(rows)


def whole_circle(ranking: search.NearestFirst, stop: int) -> list[tuple]:
    """The ranking of every matching place inside the circle, sorted in SQL."""
    with connection.cursor() as cursor:
        cursor.execute(*ranking._ranking_sql(stop, None))
        return [row[:3] for row in cursor.fetchall()]


def expected(practitioners_qs, radius, home_visits=False) -> list[tuple]:
    """The ranking worked out in Python: nearest place of each, by distance then id."""
    best = {}
    for location in Location.objects.filter(practitioner__in=practitioners_qs):
        miles = geo.haversine_miles(*BRIGHTON, location.latitude, location.longitude)
        reach = max(radius, location.practitioner.home_visit_miles or 0)
        if miles > (reach if home_visits else radius):
            continue
        current = best.get(location.practitioner_id)
        if current is None or miles < current[1]:
            best[location.practitioner_id] = (location.practitioner_id, miles)
    return sorted(best.values(), key=lambda row: (row[1], row[0]))


@pytest.mark.parametrize("places_each", [1, 3])
@pytest.mark.parametrize("limit", [5, 40, 1000])
def test_every_page_matches_the_ranking_of_the_whole_circle(
    monkeypatch, places_each, limit
):
    """With COUNT_LIMIT 5 the circle is crowded (pages are read nearest first
    beyond what the count read); with 1000 the count read all of it. Three places
    each makes the nearest places hold fewer practitioners than a page needs."""
    monkeypatch.setattr(search, "COUNT_LIMIT", limit)
    scatter(PractitionerFactory.create_batch(60), places_each=places_each)
    listed = Practitioner.objects.listed()
    full = [
        (pk, round(miles, 6)) for pk, miles, _ in whole_circle(
            search.NearestFirst(listed, WHERE, 10), 1000
        )
    ]  # fmt: skip
    python = [(pk, round(miles, 6)) for pk, miles in expected(listed, 10)]
    assert [pk for pk, _ in full] == [pk for pk, _ in python]
    assert [miles for _, miles in full] == pytest.approx([m for _, m in python])
    for start, stop in [(0, 12), (12, 24), (0, 1), (24, 36), (36, 48)]:
        ranking = search.NearestFirst(listed, WHERE, 10)
        rows = ranking.rows(slice(start, stop))
        assert [(pk, round(miles, 6)) for pk, miles, _ in rows] == full[start:stop]


def test_a_page_names_the_town_of_the_nearest_place_of_each():
    practitioner = PractitionerFactory()
    Location.objects.bulk_create(
        Location(
            practitioner=practitioner,
            name="Clinic",
            address="1 Street",
            town=town,
            postcode="BN1 1AA",
            latitude=BRIGHTON[0] + miles / geo.MILES_PER_DEGREE_LATITUDE,
            longitude=BRIGHTON[1],
        )
        for town, miles in [("Far", 6), ("Near", 2), ("Middle", 4)]
    )
    rows = search.NearestFirst(Practitioner.objects.listed(), WHERE, 10).rows(
        slice(0, 12)
    )
    assert [(pk, round(miles), town) for pk, miles, town in rows] == [
        (practitioner.pk, 2, "Near")
    ]


def test_filters_and_home_visits_rank_as_the_whole_circle_does(monkeypatch):
    monkeypatch.setattr(search, "COUNT_LIMIT", 5)
    deep = TechniqueFactory(slug="deep-test", name="Deep test")
    practitioners = PractitionerFactory.create_batch(50)
    for practitioner in practitioners[::2]:
        practitioner.techniques.add(deep)
    Practitioner.objects.filter(pk__in=[p.pk for p in practitioners[::3]]).update(
        home_visits=True, home_visit_miles=15
    )
    scatter(practitioners, miles=20)
    criteria = search.Criteria(where=WHERE, radius=5, techniques=[deep])
    for home_visits in (False, True):
        criteria.home_visits = home_visits
        found = search.practitioners(criteria)
        rows = found.rows(slice(0, 12))
        matching = found.practitioners
        want = expected(matching, 5, home_visits=home_visits)
        assert [pk for pk, _, _ in rows] == [pk for pk, _ in want[:12]]
        # The technique is tested on each place of work, apart from the other
        # filters: the same practitioners are counted.
        assert found.techniques_apart is not None
        assert found.count() == min(len(want), 5) and found.more == (len(want) > 5)


def test_the_count_counts_everyone_when_many_work_in_several_places(monkeypatch):
    """More places read than the sample but fewer practitioners than the limit:
    every one inside the circle is counted (a second query)."""
    monkeypatch.setattr(search, "COUNT_LIMIT", 8)
    scatter(PractitionerFactory.create_batch(6), places_each=4, miles=3)
    ranking = search.NearestFirst(Practitioner.objects.listed(), WHERE, 10)
    assert ranking.count() == 6 and not ranking.more
    assert len(ranking.rows(slice(0, 12))) == 6


def test_nearest_beyond_finds_the_first_wider_radius_holding_someone():
    far = PractitionerFactory()
    Location.objects.create(
        practitioner=far,
        name="Clinic",
        address="1 Street",
        town="Far",
        postcode="BN1 1AA",
        latitude=BRIGHTON[0] + 30 / geo.MILES_PER_DEGREE_LATITUDE,
        longitude=BRIGHTON[1],
    )
    criteria = search.Criteria(where=WHERE, radius=10)
    nearest = search.nearest_beyond(criteria)
    assert nearest.radius == 50 and round(nearest.miles) == 30
    Practitioner.objects.filter(pk=far.pk).update(home_visits=True, home_visit_miles=5)
    criteria.home_visits = True
    assert search.nearest_beyond(criteria) == search.Nearest(nearest.miles, 50)
    criteria.gender = "non-binary"
    Practitioner.objects.filter(pk=far.pk).update(gender="female")
    assert search.nearest_beyond(criteria) is None
    criteria.home_visits = False
    assert search.nearest_beyond(criteria) is None


def test_a_crowded_page_is_read_nearest_first_from_the_sphere_index(monkeypatch):
    monkeypatch.setattr(search, "COUNT_LIMIT", 5)
    scatter(PractitionerFactory.create_batch(40), places_each=200, miles=100)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_location")
        cursor.execute("ANALYZE directory_practitioner")
    ranking = search.NearestFirst(Practitioner.objects.listed(), WHERE, 10)
    plan = ranking.explain()
    assert "location_sphere" in plan and "Order By" in plan, plan


def two_queries_page(ranking: search.NearestFirst, start: int, stop: int) -> list:
    """A page as it was read before the ranking and the cards were one query:
    the ranking's rows, then the cards of those practitioners."""
    rows = ranking.rows(slice(start, stop))
    by_id = {
        p.pk: p
        for p in search._displayed(
            '"directory_practitioner"."id" = ANY(%s)', [[r[0] for r in rows]]
        )
    }
    page = []
    for pk, miles, town in rows:
        practitioner = by_id[pk]
        practitioner.distance, practitioner.town = miles, town
        page.append(practitioner)
    return page


def shown(page: list[Practitioner]) -> list[dict]:
    """Everything a page's practitioners carry (fields, card columns, distance
    and town), the instance's state aside."""
    return [
        {name: value for name, value in p.__dict__.items() if name != "_state"}
        for p in page
    ]


@pytest.mark.parametrize(
    "kind",
    ["listed only", "techniques", "other filters", "home visits", "by rating"],
)
@pytest.mark.parametrize(
    "limit, places_each", [(5, 3), (1000, 1)], ids=["crowded", "counted"]
)
def test_a_page_is_one_query_and_the_same_as_ranking_then_reading_cards(
    monkeypatch, kind, places_each, limit
):
    """The ranking and the card columns in one query give the same practitioners,
    in the same order, with the same fields, distance and town, for each kind of
    radius search, crowded (COUNT_LIMIT 5) or not, on every page; one query once
    the count is known, two when the whole circle must be ranked."""
    monkeypatch.setattr(search, "COUNT_LIMIT", limit)
    deep = TechniqueFactory(slug="deep-test", name="Deep test")
    practitioners = PractitionerFactory.create_batch(30)
    for n, practitioner in enumerate(practitioners):
        if n % 2:
            practitioner.techniques.add(deep)
        if n % 3 == 0:
            QualificationFactory(practitioner=practitioner, technique=deep)
    Practitioner.objects.filter(pk__in=[p.pk for p in practitioners[::3]]).update(
        home_visits=True, home_visit_miles=15
    )
    Practitioner.objects.filter(pk__in=[p.pk for p in practitioners[1::2]]).update(
        gender="female"
    )
    for n, practitioner in enumerate(practitioners[::4]):
        Practitioner.objects.filter(pk=practitioner.pk).update(
            rating_average=Decimal("4.5") if n % 2 else Decimal("3.0"),
            rating_count=n,
        )
    scatter(practitioners, places_each=places_each, miles=14)
    criteria = search.Criteria(where=WHERE, radius=10)
    if kind == "techniques":
        criteria.techniques = [deep]
    elif kind == "other filters":
        criteria.techniques, criteria.gender = [deep], "female"
    elif kind == "home visits":
        criteria.home_visits = True
    elif kind == "by rating":
        criteria.sort = search.SORT_RATING
    seen = 0
    for start, stop in [(0, 12), (12, 24), (24, 36), (0, 1)]:
        before = search.practitioners(criteria)
        before.count()
        expected_page = two_queries_page(before, start, stop)
        ranking = search.practitioners(criteria)
        ranking.count()
        read = ranking._nearest_read(stop)
        with CaptureQueriesContext(connection) as captured:
            page = ranking[start:stop]
        if read == 0:
            assert len(captured) == 0
        elif ranking._whole(read):
            assert len(captured) == 1
        else:  # the nearest places read, then the whole circle if need be
            assert len(captured) in (1, 2)
        assert shown(page) == shown(expected_page)
        assert all("ranking_farthest" not in p.__dict__ for p in page)
        seen += len(page)
    assert seen  # the pages were not all empty


def test_a_page_the_nearest_places_cannot_settle_is_ranked_from_the_whole_circle(
    monkeypatch, django_assert_num_queries
):
    """Practitioners with many places each: the nearest places read hold fewer
    practitioners than the page, so a second query ranks the whole
    circle, and the page is still what ranking then reading cards gives."""
    monkeypatch.setattr(search, "COUNT_LIMIT", 40)
    scatter(PractitionerFactory.create_batch(6), places_each=30, miles=6)
    listed = Practitioner.objects.listed()
    before = search.NearestFirst(listed, WHERE, 10)
    before.count()
    expected_page = two_queries_page(before, 0, 12)
    ranking = search.NearestFirst(listed, WHERE, 10)
    assert ranking.count() == 6
    assert ranking._nearest_read(12) == 34 and not ranking._whole(34)
    with django_assert_num_queries(2):
        page = ranking[0:12]
    assert len(page) == 6
    assert shown(page) == shown(expected_page)
