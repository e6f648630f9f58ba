"""The radius search's ranking read nearest first from the sphere index: the same
rows and order as ranking the whole circle, whatever the page, the crowding or the
number of places each practitioner works in."""

import random

import pytest
from django.db import connection

from directory import geo, search
from directory.models import Location, Practitioner
from tests.directory.factories import PractitionerFactory, TechniqueFactory

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
