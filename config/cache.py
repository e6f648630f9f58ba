"""A cache backend that keeps working while its server (Redis) is down.

allauth counts its rate limits (logins, failed logins, sign-ups, password resets)
in the cache, and the site's own limits use the same helper. With a plain
RedisCache, Redis down means every one of those pages answers 500. This backend
wraps the real one: when it cannot be reached, the call is answered by a small
in-memory cache of this process instead, and the real one is not tried again for
RETRY_AFTER seconds, so requests do not each wait for a connection timeout.

What degrades during an outage: counters are per process (each gunicorn worker
counts on its own, so a limit is at most "workers x" looser) and start from zero;
cached values are recomputed. Nothing answers 500. The outage and the recovery
are logged once each (logger `config.cache`).

Use it for any alias: the primary backend and its options are given in OPTIONS::

    "default": {
        "BACKEND": "config.cache.FallbackCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "PRIMARY": "django.core.cache.backends.redis.RedisCache",
            "RETRY_AFTER": 30,
            # anything else goes to the primary backend's OPTIONS
        },
    }

Why by hand: django-redis's IGNORE_EXCEPTIONS answers "not stored" instead, which
makes allauth's rate-limit lock fail and turns every limited page into a 429
during an outage; no maintained package falls back to a working local cache.
"""

import contextlib
import logging
import threading
import time
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_PRIMARY = "django.core.cache.backends.redis.RedisCache"
# The server is unreachable, refused the connection or did not answer in time.
UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class FallbackCache(BaseCache):
    def __init__(self, location: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        primary_path = options.pop("PRIMARY", DEFAULT_PRIMARY)
        self.retry_after = float(options.pop("RETRY_AFTER", 30))
        super().__init__({**params, "OPTIONS": {}})
        self.primary: BaseCache = import_string(primary_path)(
            location, {**params, "OPTIONS": options}
        )
        self.fallback = LocMemCache(
            f"fallback-{location}-{params.get('KEY_PREFIX', '')}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": 10_000},
            },
        )
        self.location = location

    # Shared by every instance for one location: Django makes one instance per
    # thread, and an outage concerns them all.
    _down_until: dict[str, float] = {}
    _state_lock = threading.Lock()

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until.get(self.location, 0.0)

    def _call(self, method: str, *args, **kwargs):
        if not self.is_down:
            try:
                result = getattr(self.primary, method)(*args, **kwargs)
            except UNAVAILABLE as error:
                self._mark_down(error)
            else:
                self._mark_up()
                return result
        return getattr(self.fallback, method)(*args, **kwargs)

    def _mark_down(self, error: BaseException) -> None:
        with self._state_lock:
            was_up = self.location not in self._down_until
            self._down_until[self.location] = time.monotonic() + self.retry_after
        if was_up:
            logger.warning(
                "Cache server unreachable (%s: %s): rate limits and cached values "
                "fall back to this process's memory; retrying every %d s.",
                type(error).__name__,
                error,
                self.retry_after,
            )

    def _mark_up(self) -> None:
        if self.location not in self._down_until:
            return
        with self._state_lock:
            recovered = self._down_until.pop(self.location, None) is not None
        if recovered:
            logger.warning("Cache server reachable again: back to shared counters.")

    # --- the cache API, each call through _call ---------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def decr(self, key, delta=1, version=None):
        return self._call("decr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        self.fallback.clear()
        return self._call("clear")

    def close(self, **kwargs):
        with contextlib.suppress(*UNAVAILABLE):
            self.primary.close(**kwargs)
