"""Each place of work's copy of its practitioner's listing and techniques
(`Location.listed_until`, `Location.technique_ids`), kept by the database's
triggers whatever writes, and the radius search that reads it instead of the
practitioners' rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory import geo, privacy, search, services
from directory.models import Location, Practitioner, Technique
from tests.directory.factories import (
    LocationFactory,
    PractitionerFactory,
    TechniqueFactory,
)
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

BRIGHTON = (50.8225, -0.1372)
WHERE = geo.Found("Brighton", *BRIGHTON)


def copies(practitioner: Practitioner) -> set[tuple]:
    """(listed_until, technique ids) of each of their places, as stored."""
    return {
        (listed_until, tuple(ids))
        for listed_until, ids in Location.objects.filter(
            practitioner=practitioner
        ).values_list("listed_until", "technique_ids")
    }


def expected(practitioner: Practitioner) -> tuple:
    practitioner.refresh_from_db()
    listed_until = (
        practitioner.insurance_expires_on
        if practitioner.status == Practitioner.Status.APPROVED
        else None
    )
    ids = tuple(sorted(practitioner.techniques.values_list("pk", flat=True).order_by()))
    return listed_until, ids


def test_a_new_place_of_work_copies_its_practitioners_listing_and_techniques():
    deep, stone = TechniqueFactory(slug="deep-tissue"), TechniqueFactory(slug="stone")
    approved = PractitionerFactory(techniques=[stone, deep])
    LocationFactory(practitioner=approved)
    assert copies(approved) == {
        (approved.insurance_expires_on, tuple(sorted([deep.pk, stone.pk])))
    }
    applied = PractitionerFactory(status=Practitioner.Status.APPLIED)
    Location.objects.bulk_create(
        [LocationFactory.build(practitioner=applied) for _ in range(2)]
    )
    assert copies(applied) == {(None, ())}


def test_what_the_code_writes_into_the_copies_is_replaced():
    practitioner = PractitionerFactory()
    location = LocationFactory(practitioner=practitioner)
    location.listed_until = timezone.localdate() + timedelta(days=9999)
    location.technique_ids = [12345]
    location.save()
    Location.objects.filter(pk=location.pk).update(listed_until=None)
    assert copies(practitioner) == {expected(practitioner)}
    # Moved to another practitioner: their copies.
    other = PractitionerFactory(
        status=Practitioner.Status.SUSPENDED,
        techniques=[TechniqueFactory(slug="deep-tissue")],
    )
    location.practitioner = other
    location.save()
    assert copies(other) == {expected(other)} == {(None, expected(other)[1])}


def test_status_and_insurance_changes_reach_every_place_of_work():
    practitioner = PractitionerFactory(status=Practitioner.Status.APPLIED)
    LocationFactory.create_batch(2, practitioner=practitioner)
    assert copies(practitioner) == {(None, ())}
    services.approve_application(practitioner=practitioner, by=UserFactory())
    assert copies(practitioner) == {expected(practitioner)}
    assert expected(practitioner)[0] is not None
    later = timezone.localdate() + timedelta(days=30)
    Practitioner.objects.filter(pk=practitioner.pk).update(insurance_expires_on=later)
    assert copies(practitioner) == {(later, ())}
    services.set_status(
        practitioner=practitioner,
        status=Practitioner.Status.SUSPENDED,
        reason="Complaint under review.",
    )
    assert copies(practitioner) == {(None, ())}
    # A change elsewhere on the row leaves the copies as they are.
    Practitioner.objects.filter(pk=practitioner.pk).update(rating_count=3)
    assert copies(practitioner) == {(None, ())}


def test_technique_changes_reach_every_place_of_work():
    deep, stone = TechniqueFactory(slug="deep-tissue"), TechniqueFactory(slug="stone")
    practitioner = PractitionerFactory()
    LocationFactory.create_batch(2, practitioner=practitioner)
    bystander = PractitionerFactory(techniques=[stone])
    LocationFactory(practitioner=bystander)
    practitioner.techniques.add(deep, stone)
    assert copies(practitioner) == {expected(practitioner)}
    assert len(expected(practitioner)[1]) == 2
    practitioner.techniques.remove(stone)
    assert copies(practitioner) == {(practitioner.insurance_expires_on, (deep.pk,))}
    services.grant_verified_technique(practitioner=practitioner, technique=stone)
    assert copies(practitioner) == {expected(practitioner)}
    assert len(expected(practitioner)[1]) == 2
    cupping = TechniqueFactory(slug="cupping")
    practitioner.techniques.set([cupping])
    assert copies(practitioner) == {(practitioner.insurance_expires_on, (cupping.pk,))}
    # A technique deleted leaves everyone who offered it.
    bystander.techniques.add(cupping)
    Technique.objects.filter(pk=cupping.pk).delete()
    assert copies(practitioner) == {(practitioner.insurance_expires_on, ())}
    assert copies(bystander) == {(bystander.insurance_expires_on, (stone.pk,))}
    practitioner.techniques.add(deep, stone)
    practitioner.techniques.clear()
    assert copies(practitioner) == {(practitioner.insurance_expires_on, ())}


def test_a_taken_down_practitioner_is_no_longer_listed_anywhere():
    practitioner = PractitionerFactory(techniques=[TechniqueFactory(slug="stone")])
    LocationFactory(practitioner=practitioner)
    # Their places of work are deleted; a booking's kept location would not be,
    # so the copy is checked on one moved to them after the take-down.
    privacy._take_down(practitioner)
    assert not Location.objects.filter(practitioner=practitioner).exists()
    LocationFactory(practitioner=practitioner)
    assert copies(practitioner) == {(None, ())}


def place(practitioner, miles_north: float) -> Location:
    return LocationFactory(
        practitioner=practitioner,
        latitude=BRIGHTON[0] + miles_north / geo.MILES_PER_DEGREE_LATITUDE,
        longitude=BRIGHTON[1],
    )


def test_the_radius_search_reads_the_copies_and_no_practitioner_row(monkeypatch):
    deep = TechniqueFactory(slug="deep-tissue")
    today = timezone.localdate()
    offering = PractitionerFactory(techniques=[deep], insurance_expires_on=today)
    place(offering, 1)
    other = PractitionerFactory(techniques=[TechniqueFactory(slug="stone")])
    place(other, 2)
    expired = PractitionerFactory(
        techniques=[deep], insurance_expires_on=today - timedelta(days=1)
    )
    place(expired, 3)
    suspended = PractitionerFactory(
        techniques=[deep], status=Practitioner.Status.SUSPENDED
    )
    place(suspended, 4)
    far = PractitionerFactory(techniques=[deep])
    place(far, 40)
    # Nor is the practitioners' queryset built.
    monkeypatch.setattr(search, "_filtered", None)
    for techniques, want in [([deep], [offering]), ([], [offering, other])]:
        found = search.practitioners(
            search.Criteria(where=WHERE, radius=10, techniques=techniques)
        )
        assert found.listed_on == today
        with CaptureQueriesContext(connection) as queries:
            assert found.count() == len(want)
            rows = found.rows(slice(0, 12))
        assert [pk for pk, _, _ in rows] == [p.pk for p in want]
        assert [p.pk for p in found[0:12]] == [p.pk for p in want]
        for query in queries.captured_queries:
            assert "directory_practitioner " not in query["sql"] + " "
            assert "directory_practitioner_techniques" not in query["sql"]


def test_other_filters_still_read_the_practitioners_rows(monkeypatch):
    """Their SQL is compiled once per process for the same criteria."""
    search._matching_sql_kept.clear()
    built = []
    filtered = search._filtered
    monkeypatch.setattr(
        search, "_filtered", lambda *args: built.append(args[0]) or filtered(*args)
    )
    deep = TechniqueFactory(slug="deep-tissue")
    woman = PractitionerFactory(techniques=[deep], gender="female")
    place(woman, 1)
    man = PractitionerFactory(techniques=[deep], gender="male")
    place(man, 2)
    criteria = search.Criteria(
        where=WHERE, radius=10, techniques=[deep], gender="female"
    )
    found = search.practitioners(criteria)
    assert found.listed_on is None
    assert found.count() == 1
    assert [pk for pk, _, _ in found.rows(slice(0, 12))] == [woman.pk]
    another = PractitionerFactory(techniques=[deep], gender="female")
    place(another, 3)
    found = search.practitioners(criteria)
    assert found.count() == 2
    assert [pk for pk, _, _ in found.rows(slice(0, 12))] == [woman.pk, another.pk]
    assert len(built) == 1
    criteria.gender = "male"
    found = search.practitioners(criteria)
    assert [pk for pk, _, _ in found.rows(slice(0, 12))] == [man.pk]
    assert len(built) == 2
