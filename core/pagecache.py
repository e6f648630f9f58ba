"""The page cache: what anonymous visitors see, served from the cache (Redis), with
exact invalidation and conditional GET (docs/architecture.md, "Page cache").

A view opts in with `@cache_public_page`. The first anonymous request renders the
page as usual while this module records which database tables the rendering read
(an execute wrapper on every connection sees each query). The page is stored with
the *generation* of each of those tables, read before the rendering started. Every
write to a table (INSERT, UPDATE, DELETE, from the ORM, `QuerySet.update()`, bulk
writes, raw SQL, the admin, Celery tasks) gives it a new generation once the
transaction commits. A stored page is served only while every table it read still
has the generation it was stored with, so the next request after any change that
could show on it renders it again; nothing has to name the pages a change touches.

A hit usually reads one key from Redis, the *epoch*, which every bump renews: while
it is the one read with a page's generations, nothing has been written since. A
page this process keeps in memory is answered by the last middleware
(`ServeKeptPages`) before the URL is resolved, and a page that carries nothing of
its visitor is gzipped once, when it is stored (config.middleware.CompressText adds
the per-response BREACH padding).

What the clock changes without a write is bounded separately: a page is kept at
most until the next midnight (site time zone) and until the moments the rendering
declared with `valid_until` (the next free time stops holding, a scheduled post
goes live, "Today" becomes "Tomorrow" in a practitioner's zone).

Never cached, so never shown to someone else: anything but GET and HEAD, htmx
requests, signed-in visitors, requests with messages waiting, responses that are
not 200 HTML, set cookies of their own, are marked private, added a message or
changed the session. The per-request CSP nonce and the CSRF tokens of the stored
body are replaced by placeholders and filled in for each request.

Why by hand: Django's cache middleware and `cache_page` key pages by URL and
expire them by time only; they would store the first visitor's nonce and CSRF
token, and know nothing of what a page read. No maintained package records a
page's tables and invalidates on commit the way this needs.
"""

import contextlib
import functools
import gzip
import hashlib
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import transaction
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.http import require_GET

from core.lru import LockedLRU

logger = logging.getLogger(__name__)

GENERATION_PREFIX = "pagecache:gen:"
PAGE_PREFIX = "pagecache:page:"
# Renewed by every bump, whatever the tables: while it holds the value read with a
# stored page's generations, no table has been written since, so a hit reads this
# one key instead of the generations of every table the page read.
EPOCH_KEY = "pagecache:epoch"
# Folders of BASE_DIR that hold no code the pages run.
SKIP = {"node_modules", "tests", "docs", "bench", "media", "staticfiles", "__pycache__"}
# Every page depends on this one too: a write the wrapper cannot attribute to a
# table (DDL, TRUNCATE, COPY) gives it a new generation, which empties the cache.
EVERYTHING = "*"
NONCE_PLACEHOLDER = b"\x00csp-nonce\x00"
CSRF_PLACEHOLDER = b"\x00csrf-token\x00"
CSRF_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{64}(")')
# A masked CSRF token anywhere else in a page: such a page is not stored.
CSRF_LIKE = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")

# Django quotes table names; raw SQL in the project may not.
_TABLE = r'"?([A-Za-z_][A-Za-z0-9_]*)"?'
READ_TABLES = re.compile(rf"\b(?:FROM|JOIN)\s+{_TABLE}", re.IGNORECASE)
WRITTEN_TABLES = re.compile(
    rf"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+{_TABLE}", re.IGNORECASE
)
# Statements that change no table.
NOT_WRITES = (
    "SELECT",
    "SAVEPOINT",
    "RELEASE",
    "ROLLBACK",
    "BEGIN",
    "COMMIT",
    "SET",
    "SHOW",
    "EXPLAIN",
    "DECLARE",
    "FETCH",
    "CLOSE",
    "ANALYZE",
    "VACUUM",
    "LOCK",
)


def enabled() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0


def _cache():
    return caches[settings.PAGE_CACHE_ALIAS]


def _ignored() -> frozenset[str]:
    return frozenset(settings.PAGE_CACHE_IGNORED_TABLES)


# --- generations -------------------------------------------------------------------


def bump(tables: Iterable[str]) -> None:
    """Give `tables` new generations: every stored page that read one of them is
    rendered again at its next request. Never raises: a cache outage is logged."""
    tables = set(tables) - _ignored()
    if not tables or not enabled():
        return
    token = secrets.token_hex(8)
    values: dict[str, object] = {GENERATION_PREFIX + table: token for table in tables}
    # The epoch last: Redis's MSET writes every key at once, a backend that writes
    # one key after another (locmem) renews the epoch only once the generations
    # are new, so a hit never pairs the new epoch with an old generation.
    values[EPOCH_KEY] = _new_epoch()
    try:
        _cache().set_many(values, timeout=None)
    except Exception:  # the cache backend raises its client's own errors
        logger.warning("Page cache: could not bump %s", sorted(tables), exc_info=True)


def clear() -> None:
    """Every stored page is rendered again at its next request."""
    bump([EVERYTHING])


def _new_epoch() -> int:
    # An int: Django's Redis backend stores it as digits, not pickled.
    return secrets.randbits(63)


def _read(tables: Iterable[str]) -> tuple[int | None, dict[str, str | None]]:
    """The epoch and the generations of `tables`, in one read (Redis: one MGET,
    which sees every key at one moment). The epoch is asked for first: a backend
    that reads one key after another then never reads it after a generation."""
    tables = list(tables)
    found = _cache().get_many(
        [EPOCH_KEY, *(GENERATION_PREFIX + table for table in tables)]
    )
    return found.get(EPOCH_KEY), {
        table: found.get(GENERATION_PREFIX + table) for table in tables
    }


def _snapshot(tables: Iterable[str]) -> tuple[int | None, dict[str, str]]:
    """The epoch and the generations of `tables`, giving a generation to any table
    that has none yet (never written since the cache started, or its key evicted):
    a page is never stored against a missing generation, so an evicted or flushed
    key only ever makes a stored page render again.

    The epoch is the one read with (before) the generations, or None when it had
    none then: an epoch given now could postdate a generation read before it."""
    epoch, current = _read(tables)
    missing = [table for table, token in current.items() if token is None]
    cache = _cache()
    if epoch is None:
        cache.add(EPOCH_KEY, _new_epoch(), timeout=None)
    if missing:
        for table in missing:
            cache.add(GENERATION_PREFIX + table, secrets.token_hex(8), timeout=None)
        current.update(_read(missing)[1])
    return epoch, current


def _fresh(entry: dict) -> bool:
    """Whether every table a stored page read still has the generation the page
    was stored with.

    Usually one key is read: the epoch. It changes with every bump, so while it
    is the one read with the page's generations (when the page was stored, or at
    a later hit that read them all), no table has been written since. Otherwise
    the epoch and the generations are read together, and a match records that
    epoch with the page (in this process) for the next hits."""
    checked = entry.get("epoch")
    cache = _cache()
    if checked is not None and cache.get(EPOCH_KEY) == checked:
        return True
    epoch, current = _read(entry["generations"].keys())
    if current != entry["generations"]:
        return False
    if epoch is None:
        cache.add(EPOCH_KEY, _new_epoch(), timeout=None)
    else:
        entry["epoch"] = epoch
    return True


class _PendingBump:
    """The tables a transaction wrote, bumped once it commits."""

    def __init__(self) -> None:
        self.tables: set[str] = set()
        self.done = False

    def __call__(self) -> None:
        self.done = True
        bump(self.tables)


# Tables a write to a table also writes, through the database's triggers.
_also_written: dict[str, frozenset[str]] = {}


def also_writes(table: str, *others: str) -> None:
    """A write to `table` also writes `others` (a trigger of an app's migration
    does): pages that read them are rendered again too. Called from an app's
    `ready()`."""
    _also_written[table] = _also_written.get(table, frozenset()) | set(others)


def _written(sql: str) -> set[str]:
    statement = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    if statement in NOT_WRITES:
        return set()
    if statement in ("INSERT", "UPDATE", "DELETE", "WITH"):
        tables = set(WRITTEN_TABLES.findall(sql))
        for table in list(tables):
            tables |= _also_written.get(table, frozenset())
        if tables or statement == "WITH":
            return tables
    # DDL, TRUNCATE, COPY, anything else: it may change what any page shows.
    return {EVERYTHING}


def _record_write(connection, tables: set[str]) -> None:
    tables -= _ignored()
    if not tables:
        return
    # The transaction's outermost block (a test's own blocks stand for the
    # autocommit the site runs in: a write there counts as committed).
    outermost = next(
        (block for block in connection.atomic_blocks if not block._from_testcase),
        None,
    )
    if not connection.in_atomic_block or outermost is None:
        bump(tables)
        return
    owner, pending = getattr(connection, "_pagecache_pending", (None, None))
    if (
        pending is None
        or owner is not outermost
        or pending.done
        # Gone with a savepoint rolled back: the writes after it need their own.
        or not any(func is pending for _, func, _ in connection.run_on_commit)
    ):
        pending = _PendingBump()
        connection._pagecache_pending = (outermost, pending)
        transaction.on_commit(pending, using=connection.alias, robust=True)
    pending.tables |= tables


# --- what a rendering reads and how long it holds ----------------------------------


class _Recording:
    def __init__(self) -> None:
        self.tables: set[str] = set()
        self.until: datetime | None = None
        self.max_seconds: float | None = None
        self.memo: dict[str, object] = {}


_recording: ContextVar[_Recording | None] = ContextVar("pagecache", default=None)


def recording() -> bool:
    """Whether a page being rendered now may be stored (for hooks that cost a
    query, such as the next scheduled post's time)."""
    return _recording.get() is not None


def valid_until(moment: datetime | None) -> None:
    """The page being rendered changes by itself at `moment` (the clock, not a
    write, makes it change): it is not served from the cache after it."""
    current = _recording.get()
    if current is None or moment is None:
        return
    if moment <= timezone.now():
        # Already passed: the page was rendered as things are after it.
        return
    if current.until is None or moment < current.until:
        current.until = moment


def valid_for_at_most(seconds: float) -> None:
    """The page shows something cached elsewhere for `seconds` (such as the
    directory's technique list): keep it no longer than that."""
    current = _recording.get()
    if current is None:
        return
    if current.max_seconds is None or seconds < current.max_seconds:
        current.max_seconds = seconds


def valid_until_once(key: str, compute: Callable[[], datetime | None]) -> None:
    """`valid_until(compute())`, computed once per rendering (for a query)."""
    current = _recording.get()
    if current is None or key in current.memo:
        return
    current.memo[key] = moment = compute()
    valid_until(moment)


def _execute_wrapper(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if not isinstance(sql, str):
        return result
    head = sql.lstrip()[:6].upper()
    if head != "SELECT":
        written = _written(sql)
        if written:
            _record_write(context["connection"], written)
    current = _recording.get()
    if current is not None:
        current.tables.update(READ_TABLES.findall(sql))
    return result


def generations_now(tables: Iterable[str]) -> tuple[str, ...] | None:
    """For a value kept in a process's memory that must be forgotten after any
    write to `tables` (a memo keyed by this): their generations now, and that of
    EVERYTHING. None when it cannot be known (the page cache off, a table not
    tracked, the cache unavailable): compute the value instead then.

    A page being recorded counts `tables` as read, as if it had queried them.
    The answer also changes every PAGE_CACHE_SECONDS, so a memo is never trusted
    longer than a stored page: a write made while Redis was unreachable gave no
    shared generation."""
    tables = sorted(set(tables))
    current = _recording.get()
    if current is not None:
        current.tables.update(tables)
    if not enabled() or set(tables) & _ignored():
        return None
    try:
        found = _snapshot([*tables, EVERYTHING])[1]
    except Exception:  # the cache backend raises its client's own errors
        return None
    period = str(int(time.time() // settings.PAGE_CACHE_SECONDS))
    return (*(found[table] for table in [*tables, EVERYTHING]), period)


def install(connection) -> None:
    if _execute_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(_execute_wrapper)


def _on_connection_created(sender, connection, **kwargs) -> None:
    install(connection)


def connect() -> None:
    """Watch every database connection of the process (CoreConfig.ready)."""
    connection_created.connect(_on_connection_created, dispatch_uid="pagecache")


@contextlib.contextmanager
def _record() -> Iterator[_Recording]:
    current = _Recording()
    token = _recording.set(current)
    try:
        yield current
    finally:
        _recording.reset(token)


_extra_tables: set[str] = set()


def _all_tables() -> set[str]:
    tables = {EVERYTHING, *_extra_tables}
    for model in apps.get_models(include_auto_created=True):
        tables.add(model._meta.db_table)
    return tables - _ignored()


def _next_midnight(now: datetime) -> datetime:
    local = timezone.localtime(now)
    tomorrow = local.date() + timedelta(days=1)
    return datetime.combine(tomorrow, datetime.min.time(), tzinfo=local.tzinfo)


# --- the view decorator -------------------------------------------------------------


def _may_use_cache(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or not enabled():
        return False
    # META, not request.headers: that builds a dictionary of every header.
    if request.META.get("HTTP_HX_REQUEST"):
        return False
    if getattr(_cache(), "is_down", False):
        # Bumps made now reach this process only: store and serve nothing.
        return False
    if request.user.is_authenticated:
        return False
    return not _messages_waiting(request)


FALLBACK_STORAGE = "django.contrib.messages.storage.fallback.FallbackStorage"


def _messages_waiting(request: HttpRequest) -> bool:
    """Whether a message waits for this visitor (pages show them).

    With Django's FallbackStorage (the site's), messages wait in the messages
    cookie, and in the session only when that cookie says more are there. A
    request without the cookie, whose message storage nothing has made yet
    (config.middleware.LazyMessages makes it on first use, so nothing added a
    message during the request), has none: the storage is not made only to be
    asked, which with writing it back cost a hit about a tenth of its time."""
    stored = getattr(request, "_messages", None)
    if (
        isinstance(stored, SimpleLazyObject)
        and stored._wrapped is empty
        and settings.MESSAGE_STORAGE == FALLBACK_STORAGE
        and CookieStorage.cookie_name not in request.COOKIES
    ):
        return False
    return bool(len(get_messages(request)))


@functools.cache
def code_version() -> str:
    """The code and templates this process runs, as a short hash of their files'
    names, sizes and times: pages stored by another release are never served."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP)
        for name in sorted(files):
            if name.endswith((".py", ".html", ".txt", ".json")):
                stat = (Path(folder) / name).stat()
                digest.update(
                    f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode()
                )
    # The collected static files' names (hashed by the manifest storage) are
    # written into pages too.
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:16]


def _page_key(request: HttpRequest) -> str:
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    hashed = hashlib.sha256(address.encode()).hexdigest()
    return f"{PAGE_PREFIX}{code_version()}:{hashed}"


def _not_modified(request: HttpRequest, etag: str) -> bool:
    wanted = request.META.get("HTTP_IF_NONE_MATCH")
    if not wanted:
        return False
    tags = parse_etags(wanted)
    bare = etag.removeprefix("W/")
    return "*" in tags or any(tag.removeprefix("W/") == bare for tag in tags)


def _serve(request: HttpRequest, entry: dict) -> HttpResponse:
    etag = entry["etag"]
    if _not_modified(request, etag):
        response = HttpResponseNotModified()
        response.headers["ETag"] = etag
    else:
        body: bytes = entry["body"]
        if NONCE_PLACEHOLDER in body:
            body = body.replace(NONCE_PLACEHOLDER, str(request._csp_nonce).encode())
        if CSRF_PLACEHOLDER in body:
            body = body.replace(CSRF_PLACEHOLDER, get_token(request).encode())
        response = HttpResponse(body)
        for name, value in entry["headers"]:
            response.headers[name] = value
        response.headers["ETag"] = etag
        if entry.get("gzip") is not None:
            response.precompressed = (body, entry["gzip"])
    # What the rendered page had: it read the session to know the visitor.
    patch_vary_headers(response, ["Cookie"])
    return response


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    if response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    storage = getattr(request, "_messages", None)
    if storage is not None and getattr(storage, "added_new", False):
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.modified)


def _template_body(request: HttpRequest, body: bytes) -> bytes | None:
    """The body with this request's nonce and CSRF tokens taken out, or None
    when it cannot be stored safely."""
    if b"\x00" in body:
        return None
    nonce = getattr(request, "_csp_nonce", None)
    if nonce:  # a LazyNonce is true once generated
        body = body.replace(str(nonce).encode(), NONCE_PLACEHOLDER)
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or b"csrfmiddlewaretoken" in body:
        body = CSRF_FIELD.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", body)
        if CSRF_LIKE.search(body):
            return None
    return body


def _store(
    request: HttpRequest,
    response: HttpResponse,
    key: str,
    recorded: _Recording,
    epoch: int | None,
    before: dict[str, str | None],
    started: datetime,
    early: bool,
) -> None:
    body = _template_body(request, response.content)
    if body is None:
        return
    read = (recorded.tables - _ignored()) | {EVERYTHING}
    if not read <= before.keys():
        # A name the snapshot did not cover (not a model's table: a CTE's name, a
        # table of raw SQL): not stored this time; from now on the snapshot taken
        # before each rendering covers it too.
        _extra_tables.update(read - before.keys())
        return
    seconds = float(settings.PAGE_CACHE_SECONDS)
    seconds = min(seconds, (_next_midnight(started) - started).total_seconds())
    if recorded.until is not None:
        seconds = min(seconds, (recorded.until - started).total_seconds())
    if recorded.max_seconds is not None:
        seconds = min(seconds, recorded.max_seconds)
    if seconds < 1:
        return
    headers = [
        (name, value)
        for name, value in response.items()
        if name.lower() not in ("etag", "content-length")
    ]
    digest = hashlib.sha256(body)
    for name, value in headers:
        digest.update(f"\n{name}: {value}".encode())
    # A page that carries nothing of its visitor (no nonce, no CSRF token) is the
    # same for everyone: it is compressed once, here, not for every request.
    # Compression itself (whether, and the BREACH padding) stays with the
    # middleware (config.middleware.CompressText), which uses this when it would
    # compress the page anyway.
    personal = NONCE_PLACEHOLDER in body or CSRF_PLACEHOLDER in body
    compressed = None if personal else gzip.compress(body, compresslevel=6, mtime=0)
    entry = {
        "body": body,
        "headers": headers,
        "generations": {table: before[table] for table in read},
        "epoch": epoch,
        "etag": "W/" + quote_etag(digest.hexdigest()[:32]),
        "expires": time.time() + int(seconds),
        "gzip": compressed,
        "early": early,
    }
    _cache().set(key, entry, timeout=int(seconds))
    _remember(key, entry, request)
    response.headers["ETag"] = entry["etag"]
    if compressed is not None and body == response.content:
        response.precompressed = (body, compressed)


# The pages this process served last, so that a hit reads only the epoch (or the
# generations of the page's tables) from Redis, not the page itself. Freshness is
# always checked: a page held here is exactly as fresh as one read from Redis.
LOCAL_PAGES = 256
_local = LockedLRU(LOCAL_PAGES)


def _recall(key: str) -> dict | None:
    return _local.get(key, valid=lambda entry: entry["expires"] > time.time())


# The paths of the pages kept in this process that ServeKeptPages may answer: a
# request for any other path passes it at the cost of one set lookup. Only a
# filter: the kept page is looked up by its full key. Emptied when it grows past
# EARLY_PATHS (pages evicted from the LRU leave their paths behind).
EARLY_PATHS = 10 * LOCAL_PAGES
_early_paths: set[str] = set()


def _remember(key: str, entry: dict, request: HttpRequest) -> None:
    _local.put(key, entry)
    _note_early(entry, request)


def _note_early(entry: dict, request: HttpRequest) -> None:
    if entry.get("early") and request.path_info not in _early_paths:
        if len(_early_paths) >= EARLY_PATHS:
            _early_paths.clear()
        _early_paths.add(request.path_info)


# The code of Django's require_GET, require_safe, require_http_methods(...): the
# decorators that may wrap a cached view, answering 405 to other methods.
_METHOD_GUARD = require_GET(lambda request: None).__code__


def _answered_early(request: HttpRequest, wrapper: Callable) -> bool:
    """Whether ServeKeptPages may answer this page before the URL is resolved: it
    was stored from a GET and the resolved view is this wrapper, or Django's
    method guards around it (which let a GET through), so that nothing the view
    adds to a hit is skipped."""
    if request.method != "GET":
        return False
    match = getattr(request, "resolver_match", None)
    view = match.func if match is not None else None
    while view is not wrapper:
        if getattr(view, "__code__", None) is not _METHOD_GUARD:
            return False
        view = view.__wrapped__
    return True


class ServeKeptPages:
    """The last middleware: a GET for a page this process keeps in memory (one
    of the last LOCAL_PAGES it served), still fresh, is answered here, before the
    URL is resolved. Resolving a path the URL conf lists late (a blog post: over a
    hundred patterns tried) cost a hit as much as the rest of it.

    It answers as the view's `cache_public_page` would (the same checks, the same
    response), only for pages whose view adds nothing to a hit (`_answered_early`);
    the middleware above it have all run, so headers, cookies and the CSP header
    are the request's. Anything else goes on to the view, whose wrapper looks in
    Redis too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and request.path_info in _early_paths:
            response = self._hit(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _hit(self, request: HttpRequest) -> HttpResponse | None:
        try:
            if not _may_use_cache(request):
                return None
            key = _page_key(request)
            entry = _recall(key)
            if entry is None or not entry.get("early"):
                return None
            if _fresh(entry):
                return _serve(request, entry)
            # Out of date: the view renders it again without asking twice.
            request._pagecache_stale = entry
        except Exception:
            logger.warning("Page cache unavailable; rendering.", exc_info=True)
        return None


def cache_public_page(view):
    """Serve the view's page to anonymous visitors from the page cache."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _may_use_cache(request):
            return view(request, *args, **kwargs)
        key = _page_key(request)
        try:
            entry = _recall(key)
            if entry is None:
                entry = _cache().get(key)
                if entry is not None:
                    _remember(key, entry, request)
            stale = entry is None or entry is getattr(request, "_pagecache_stale", None)
            if not stale and _fresh(entry):
                _note_early(entry, request)
                return _serve(request, entry)
            # The generations before the rendering reads anything: a change that
            # commits while it runs leaves the stored page already out of date.
            epoch, before = _snapshot(_all_tables())
        except Exception:
            logger.warning("Page cache unavailable; rendering.", exc_info=True)
            return view(request, *args, **kwargs)
        started = timezone.now()
        with _record() as recorded:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
        if _storable(request, response):
            try:
                early = _answered_early(request, wrapper)
                _store(request, response, key, recorded, epoch, before, started, early)
            except Exception:
                logger.warning("Page cache: could not store a page.", exc_info=True)
        if "ETag" in response and _not_modified(request, response["ETag"]):
            not_modified = HttpResponseNotModified()
            not_modified.headers["ETag"] = response["ETag"]
            return not_modified
        return response

    wrapper.page_cache = True
    return wrapper
