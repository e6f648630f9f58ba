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
from django.core.cache import caches
from django.db import transaction
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, quote_etag

from core.lru import LockedLRU

logger = logging.getLogger(__name__)

GENERATION_PREFIX = "pagecache:gen:"
PAGE_PREFIX = "pagecache:page:"
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
    try:
        _cache().set_many(
            {GENERATION_PREFIX + table: token for table in tables}, timeout=None
        )
    except Exception:  # the cache backend raises its client's own errors
        logger.warning("Page cache: could not bump %s", sorted(tables), exc_info=True)


def clear() -> None:
    """Every stored page is rendered again at its next request."""
    bump([EVERYTHING])


def _generations(tables: Iterable[str]) -> dict[str, str | None]:
    tables = list(tables)
    found = _cache().get_many([GENERATION_PREFIX + table for table in tables])
    return {table: found.get(GENERATION_PREFIX + table) for table in tables}


def _snapshot(tables: Iterable[str]) -> dict[str, str]:
    """The generations of `tables`, giving one to any table that has none yet (never
    written since the cache started, or its key evicted): a page is never stored
    against a missing generation, so an evicted or flushed key only ever makes a
    stored page render again."""
    current = _generations(tables)
    missing = [table for table, token in current.items() if token is None]
    if missing:
        cache = _cache()
        for table in missing:
            cache.add(GENERATION_PREFIX + table, secrets.token_hex(8), timeout=None)
        current.update(_generations(missing))
    return current


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
        found = _snapshot([*tables, EVERYTHING])
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
    if request.headers.get("HX-Request"):
        return False
    if getattr(_cache(), "is_down", False):
        # Bumps made now reach this process only: store and serve nothing.
        return False
    if request.user.is_authenticated:
        return False
    return not len(get_messages(request))


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
    wanted = request.headers.get("If-None-Match")
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
    before: dict[str, str | None],
    started: datetime,
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
    entry = {
        "body": body,
        "headers": headers,
        "generations": {table: before[table] for table in read},
        "etag": "W/" + quote_etag(digest.hexdigest()[:32]),
        "expires": time.time() + int(seconds),
    }
    _cache().set(key, entry, timeout=int(seconds))
    _remember(key, entry)
    response.headers["ETag"] = entry["etag"]


# The pages this process served last, so that a hit reads only the generations of
# the page's tables from Redis, not the page itself. The generations are always
# read: a page held here is exactly as fresh as one read from Redis.
LOCAL_PAGES = 256
_local = LockedLRU(LOCAL_PAGES)


def _recall(key: str) -> dict | None:
    return _local.get(key, valid=lambda entry: entry["expires"] > time.time())


def _remember(key: str, entry: dict) -> None:
    _local.put(key, entry)


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
                    _remember(key, entry)
            if entry is not None:
                current = _generations(entry["generations"].keys())
                if current == entry["generations"]:
                    return _serve(request, entry)
            # The generations before the rendering reads anything: a change that
            # commits while it runs leaves the stored page already out of date.
            before = _snapshot(_all_tables())
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
                _store(request, response, key, recorded, before, started)
            except Exception:
                logger.warning("Page cache: could not store a page.", exc_info=True)
        if "ETag" in response and _not_modified(request, response["ETag"]):
            not_modified = HttpResponseNotModified()
            not_modified.headers["ETag"] = response["ETag"]
            return not_modified
        return response

    wrapper.page_cache = True
    return wrapper
