"""Places resolved from the gazetteer are kept in each process for the gazetteer
table's generation (directory.geo.resolve, core.pagecache.generations_now): asked
again they cost no query, and any write to the table is seen at once."""

import time

import pytest
from django.db import connection

from core import pagecache
from directory import geo
from directory.models import Place
from tests.directory.factories import PlaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 3600


@pytest.fixture
def brighton():
    return PlaceFactory(name="Brighton", latitude=50.8225, longitude=-0.1372)


def test_a_place_asked_for_again_costs_no_query(brighton, django_assert_num_queries):
    assert geo.resolve("Brighton").latitude == 50.8225
    with django_assert_num_queries(0):
        assert geo.resolve("Brighton").latitude == 50.8225


def test_a_gazetteer_update_is_seen_at_once(brighton):
    geo.resolve("Brighton")
    Place.objects.filter(pk=brighton.pk).update(latitude=50.9)
    assert geo.resolve("Brighton").latitude == 50.9


def test_raw_sql_and_new_places_are_seen_at_once(
    brighton, django_capture_on_commit_callbacks
):
    assert geo.resolve("Hove") is None
    # get_or_create writes in a transaction of its own: seen once it commits.
    with django_capture_on_commit_callbacks(execute=True):
        PlaceFactory(name="Hove", latitude=50.8279, longitude=-0.1688)
    assert geo.resolve("Hove").latitude == 50.8279
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Place._meta.db_table} WHERE id = %s", [brighton.pk]
        )
    assert geo.resolve("Brighton") is None


def test_a_truncated_gazetteer_is_seen_at_once(brighton):
    geo.resolve("Brighton")
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Place._meta.db_table} CASCADE")
    assert geo.resolve("Brighton") is None


def test_without_the_page_cache_every_resolution_queries(
    brighton, settings, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0
    geo.resolve("Brighton")
    with django_assert_num_queries(1):
        geo.resolve("Brighton")


def test_a_page_recorded_counts_the_gazetteer_as_read_from_the_memo(brighton):
    geo.resolve("Brighton")
    with pagecache._record() as recording:
        geo.resolve("Brighton")
    assert Place._meta.db_table in recording.tables


def test_a_kept_place_is_not_trusted_longer_than_a_stored_page(
    brighton, settings, monkeypatch, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 60
    geo.resolve("Brighton")
    later = time.time() + 61
    monkeypatch.setattr(pagecache.time, "time", lambda: later)
    with django_assert_num_queries(1):
        geo.resolve("Brighton")
