"""The cached technique list (search.all_techniques): each process keeps the list
it last read and reuses it while the cache holds the same stamp."""

import pickle

import pytest
from django.core.cache import cache

from directory import search
from directory.models import Technique
from tests.directory.factories import TechniqueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def loads(monkeypatch):
    """How many times the cache unpickled a value, by size."""
    seen = []
    real = pickle.loads

    def counting(data, *args, **kwargs):
        value = real(data, *args, **kwargs)
        seen.append(value)
        return value

    monkeypatch.setattr(pickle, "loads", counting)
    return seen


def test_a_kept_list_is_not_read_again(django_assert_num_queries, loads):
    TechniqueFactory(name="Tui na")
    with django_assert_num_queries(1):
        first = search.all_techniques()
    loads.clear()
    with django_assert_num_queries(0):
        second = search.all_techniques()
    assert [t.name for t in second] == [t.name for t in first]
    assert "Tui na" in names(second)
    # Only the stamp came from the cache, not the list.
    assert loads and all(isinstance(value, str) for value in loads)
    second.append("not shared")
    assert "not shared" not in search.all_techniques()


def test_another_process_reads_the_stored_list_without_a_query(
    django_assert_num_queries,
):
    TechniqueFactory(name="Tui na")
    search.all_techniques()
    search._kept_techniques = None  # a process that has not read it yet
    with django_assert_num_queries(0):
        assert "Tui na" in names(search.all_techniques())


def test_a_new_list_in_the_cache_is_seen_at_once():
    TechniqueFactory(name="Tui na")
    assert "Tui na" in names(search.all_techniques())
    TechniqueFactory(name="Kobido")
    assert "Kobido" not in names(search.all_techniques())  # kept five minutes
    cache.delete(search.TECHNIQUES_STAMP_KEY)  # as when it expires
    assert "Kobido" in names(search.all_techniques())
    Technique.objects.filter(name="Kobido").update(name="Kobido facial massage")
    cache.clear()
    shown = names(search.all_techniques())
    assert "Kobido facial massage" in shown and "Kobido" not in shown


def test_a_list_stored_by_another_process_replaces_the_kept_one():
    TechniqueFactory(name="Tui na")
    search.all_techniques()
    other = Technique(pk=999, name="Shiatsu", slug="shiatsu")
    cache.set_many(
        {
            search.TECHNIQUES_CACHE_KEY: ("another", (other,)),
            search.TECHNIQUES_STAMP_KEY: "another",
        }
    )
    assert names(search.all_techniques()) == ["Shiatsu"]


def names(techniques) -> list[str]:
    return [t.name for t in techniques]
