"""The small per-process LRU behind the page cache's last pages and the
directory's rendered search forms."""

from core.lru import LockedLRU


def test_the_least_recently_used_value_goes_first():
    lru = LockedLRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "b" is now the least recently used
    lru.put("c", 3)
    assert lru.get("b") is None
    assert (lru.get("a"), lru.get("c")) == (1, 3)


def test_a_value_that_is_no_longer_valid_is_dropped():
    lru = LockedLRU(4)
    lru.put("page", {"expires": 10})
    assert lru.get("page", valid=lambda entry: entry["expires"] > 20) is None
    assert "page" not in lru.kept
    assert lru.get("page") is None


def test_clear_forgets_everything():
    lru = LockedLRU(4)
    lru.put("a", 1)
    lru.clear()
    assert lru.get("a") is None


def test_get_or_make_makes_a_missing_value_once_and_keeps_it():
    lru = LockedLRU(2)
    made = []

    def make():
        made.append(1)
        return f"value {len(made)}"

    assert lru.get_or_make("a", make) == "value 1"
    assert lru.get_or_make("a", make) == "value 1"
    assert made == [1]
    assert lru.get("a") == "value 1"
