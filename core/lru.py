"""A small thread-safe LRU of values kept in this process (gunicorn's threads
share it): the page cache's last pages, the directory's rendered search forms and the
kept pagers.
`functools.lru_cache` does not fit either: their keys are not the arguments of
one function call, and a page expires."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class LockedLRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.kept: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(
        self, key: Hashable, valid: Callable[[Any], bool] | None = None
    ) -> Any | None:
        """The value kept for `key`, or None; a value `valid` rejects is dropped."""
        with self.lock:
            value = self.kept.get(key)
            if value is None:
                return None
            if valid is not None and not valid(value):
                del self.kept[key]
                return None
            self.kept.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self.lock:
            self.kept[key] = value
            self.kept.move_to_end(key)
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value kept for `key`, or what `make()` returns, kept from now on.
        `make` runs outside the lock: two threads may both make a missing value,
        and the last one kept wins (both are the same)."""
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def clear(self) -> None:
        with self.lock:
            self.kept.clear()
