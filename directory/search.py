"""Directory search: one read, a fixed number of queries whatever the page size."""

import functools
import inspect
import logging
import operator
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.functions import Coalesce, Greatest
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

from core import pagecache
from core.lru import LockedLRU

from . import geo
from .models import Location, Place, Practitioner, Qualification, Technique

logger = logging.getLogger(__name__)

TECHNIQUES_CACHE_KEY = "directory:techniques:v2"
TECHNIQUES_STAMP_KEY = "directory:techniques-stamp"
EXAMPLE_TOWNS_CACHE_KEY = "directory:example-towns"


def _cached[T](key: str, compute: Callable[[], T], timeout: int) -> T:
    """cache.get_or_set that computes instead when the cache (Redis) is down: the
    directory stays up, only slower."""
    # A stored page showing this value must not keep it longer than it is kept.
    pagecache.valid_for_at_most(timeout)
    try:
        return cache.get_or_set(key, compute, timeout=timeout)
    except Exception:  # the cache backend raises its client's own errors
        logger.warning("Cache unavailable for %s; computing it instead.", key)
        return compute()


TECHNIQUES_SECONDS = 300
# The list as this process last read it from the cache, and the stamp it was
# stored with: (stamp, techniques).
_kept_techniques: tuple[str, tuple[Technique, ...]] | None = None


def all_techniques() -> list[Technique]:
    """The shared technique list, cached briefly: every search page needs it and it
    changes a few times a year (an edit shows within five minutes).

    The cache holds the list with a stamp, and the stamp alone under a key of its
    own. A process keeps the list it last read: while the cache holds the same
    stamp (one small read) it uses its own copy instead of reading and unpickling
    the list again. A new list (expiry, a cleared cache) has a new stamp."""
    global _kept_techniques
    pagecache.valid_for_at_most(TECHNIQUES_SECONDS)
    try:
        stamp = cache.get(TECHNIQUES_STAMP_KEY)
        kept = _kept_techniques
        if stamp is not None and kept is not None and kept[0] == stamp:
            return list(kept[1])
        stored = cache.get(TECHNIQUES_CACHE_KEY)
        if stored is None or stamp is None or stored[0] != stamp:
            stamp = uuid.uuid4().hex
            stored = (stamp, tuple(Technique.objects.all()))
            cache.set_many(
                {TECHNIQUES_CACHE_KEY: stored, TECHNIQUES_STAMP_KEY: stamp},
                timeout=TECHNIQUES_SECONDS,
            )
    except Exception:  # the cache backend raises its client's own errors
        logger.warning(
            "Cache unavailable for %s; computing it instead.", TECHNIQUES_CACHE_KEY
        )
        return list(Technique.objects.all())
    _kept_techniques = stored
    return list(stored[1])


def towns_with_practitioners(limit: int = 5) -> list[str]:
    """Gazetteer towns where the most listed practitioners work: places to offer
    when what was typed is not found and looks like nothing we know. Cached like
    the techniques; it only changes as practitioners join."""

    def busiest() -> list[str]:
        typed = list(
            Location.objects.filter(practitioner__in=Practitioner.objects.listed())
            .values("town")
            .annotate(locations=Count("pk"))
            .order_by("-locations", "town")
            .values_list("town", flat=True)[: limit * 4]
        )
        # Towns are typed by practitioners: keep those the gazetteer resolves.
        names = dict(
            Place.objects.filter(
                kind=Place.Kind.TOWN, key__in=[geo.normalise(t) for t in typed]
            ).values_list("key", "name")
        )
        found = (names.get(geo.normalise(town)) for town in typed)
        return list(dict.fromkeys(name for name in found if name))[:limit]

    return _cached(EXAMPLE_TOWNS_CACHE_KEY, busiest, timeout=300)


def techniques_offered(
    practitioner_ids: QuerySet, techniques: list[Technique], limit: int = 8
) -> list[Technique]:
    """The techniques most of these practitioners (a subquery of ids) offer, most
    offered first. One query."""
    counts = dict(
        Practitioner.techniques.through.objects.filter(
            practitioner_id__in=practitioner_ids
        )
        .values("technique_id")
        .annotate(n=Count("pk"))
        .values_list("technique_id", "n")
    )
    offered = [t for t in techniques if t.pk in counts]
    offered.sort(key=lambda t: (-counts[t.pk], t.name))
    return offered[:limit]


@dataclass
class Criteria:
    where: geo.Found | None = None
    radius: int = 10
    techniques: list[Technique] = field(default_factory=list)
    text: str = ""
    gender: str = ""
    language: str = ""
    home_visits: bool = False
    online: bool = False
    free_within_days: int | None = None
    # "Show the nearest": the radius grows until someone matches.
    nearest: bool = False
    # "rating": the best rated first (within the radius, when a place is given).
    sort: str = ""


def practitioners(criteria: Criteria) -> "Alphabetical | NearestFirst":
    """Listed practitioners matching the criteria, nearest first when a place is
    given, else by name: a sequence the Paginator slices.

    A page's rows carry `technique_ids`, `verified_ids`, `town` and (with a place)
    `distance` in miles, so showing them needs no further queries.
    """
    today = timezone.localdate()
    by_rating = criteria.sort == SORT_RATING
    if criteria.where is None:
        return Alphabetical(
            lambda: _filtered(criteria, today)[0],
            by_rating=by_rating,
            key=_sql_key(criteria, today),
        )
    # Only the listing and the techniques: each place of work's own copies of
    # them say who matches (the busiest searches, and the dearest in a city),
    # and the querysets below are never built unless asked for.
    only_listed = not (
        criteria.text
        or criteria.gender
        or criteria.language
        or criteria.home_visits
        or criteria.online
        or criteria.free_within_days
    )
    filtered = functools.cache(lambda: _filtered(criteria, today))
    technique_ids = [t.pk for t in criteria.techniques]
    return NearestFirst(
        lambda: filtered()[0],
        criteria.where,
        criteria.radius,
        home_visits=criteria.home_visits,
        techniques_apart=(lambda: filtered()[1], technique_ids)
        if technique_ids
        else None,
        by_rating=by_rating,
        listed_on=today if only_listed else None,
        key=None if only_listed else _sql_key(criteria, today),
    )


def _named(text: str) -> list[int]:
    """The techniques whose names contain the text, from the cached list."""
    return [t.pk for t in all_techniques() if text.upper() in t.name.upper()]


def _sql_key(criteria: Criteria, today: date) -> tuple | None:
    """Everything the SQL of `_filtered(criteria, today)` depends on (the place
    aside), or None when it depends on the moment (free within N days)."""
    if criteria.free_within_days:
        return None
    return (
        today,
        criteria.text,
        tuple(_named(criteria.text)) if criteria.text else (),
        criteria.gender,
        criteria.language,
        criteria.home_visits,
        criteria.online,
        tuple(t.pk for t in criteria.techniques),
    )


def _filtered(criteria: Criteria, today: date) -> tuple[QuerySet, QuerySet]:
    """The practitioners listed on `today` matching the criteria (the place
    aside), and the same without the techniques."""
    qs = Practitioner.objects.listed(today)
    if criteria.text:
        query = SearchQuery(criteria.text, search_type="websearch", config="english")
        words = Q(search_vector=query) | Q(display_name__icontains=criteria.text)
        # Technique names containing the text, from the cached list: when none
        # does (most searches), PostgreSQL reads the practitioners in table order
        # and stops at a page, instead of testing every one against a subquery.
        named = _named(criteria.text)
        if named:
            words |= Q(
                pk__in=Practitioner.techniques.through.objects.filter(
                    technique_id__in=named
                ).values("practitioner_id")
            )
        qs = qs.filter(words)
    if criteria.gender:
        qs = qs.filter(gender=criteria.gender)
    if criteria.language:
        qs = qs.filter(languages__contains=[criteria.language])
    if criteria.home_visits:
        qs = qs.filter(home_visits=True)
    if criteria.online:
        qs = qs.filter(offers_online_booking=True)
    if criteria.free_within_days:
        now = timezone.now()
        qs = qs.filter(
            next_free_at__gt=now,
            next_free_at__lte=now + timedelta(days=criteria.free_within_days),
            next_free_stale_at__gt=now,
        )
    other_filters = qs
    technique_ids = [t.pk for t in criteria.techniques]
    if technique_ids:
        qs = qs.filter(
            Exists(
                Practitioner.techniques.through.objects.filter(
                    practitioner_id=OuterRef("pk"), technique_id__in=technique_ids
                )
            )
        )
    return qs, other_filters


# How far "Show the nearest" and "no one within N miles" look, step by step: each
# step is one bounded search on the location index, so a far-flung place costs a
# few small queries rather than a scan of every location.
WIDER_RADII = [1, 3, 5, 10, 25, 50, 100, 250, 800]


@dataclass(frozen=True)
class Nearest:
    miles: float  # to the nearest matching practitioner
    radius: int  # the first of WIDER_RADII that holds them


def nearest_beyond(criteria: Criteria) -> Nearest | None:
    """The nearest practitioner matching the other filters, however far, when
    nobody does within the radius; None when nobody matches anywhere. One query
    (one per wider radius with home visits)."""
    if criteria.where is None:
        return None
    qs = practitioners(replace(criteria, where=None)).practitioners
    wider = [r for r in WIDER_RADII if r > criteria.radius]
    if not wider:
        return None
    if not criteria.home_visits:
        # Who is inside a circle then depends on the distance only: the nearest
        # match anywhere (the index read nearest first, stopping at them) says
        # which of the wider circles is the first to hold someone.
        miles = NearestFirst(qs, criteria.where, wider[-1]).nearest_miles()
        if miles is None:
            return None
        return Nearest(miles=miles, radius=next(r for r in wider if miles <= r))
    for radius in wider:
        miles = NearestFirst(
            qs, criteria.where, radius, home_visits=True
        ).nearest_miles(box=True)
        if miles is not None:
            return Nearest(miles=miles, radius=radius)
    return None


# Long text a result card never shows: left in the table.
NOT_ON_CARDS = ("bio", "search_vector", "qualifications_text", "status_reason")


def _for_display(practitioners: QuerySet, *, town: bool = True) -> QuerySet:
    """Adds what a result card shows; used on one page's rows only. Without
    `town` the caller knows each one's town (the place of work nearest the place
    searched)."""
    shown = practitioners.defer(*NOT_ON_CARDS).annotate(
        technique_ids=ArraySubquery(
            Practitioner.techniques.through.objects.filter(
                practitioner_id=OuterRef("pk")
            ).values("technique_id")
        ),
        verified_ids=ArraySubquery(
            Qualification.objects.filter(practitioner_id=OuterRef("pk"))
            .order_by()
            .values("technique_id")
        ),
    )
    if not town:
        return shown
    return shown.annotate(
        town=Subquery(
            Location.objects.filter(practitioner_id=OuterRef("pk"))
            .order_by("pk")
            .values("town")[:1]
        ),
    )


@functools.cache
def _display_sql(*, town: bool) -> str:
    """The SQL of `_for_display` over every practitioner, compiled once per
    process: the card columns of a page's rows are then one query with its
    condition added (`_displayed`), without compiling three subqueries again."""
    sql, params = _for_display(
        Practitioner.objects.order_by(), town=town
    ).query.sql_with_params()
    if params:  # nothing above takes a parameter; the condition's follow it
        raise ValueError("The card query unexpectedly takes parameters.")
    return sql


_PRACTITIONERS_TABLE = ' FROM "directory_practitioner"'


@functools.cache
def _ranked_display_sql() -> tuple[str, str]:
    """The card query around a ranking (`NearestFirst._ranking_sql`): the SQL
    before and after it. The ranking is joined as `page`, so a page of a radius
    search is one query: ranked, and its cards read for the ranked rows only.
    Each row carries the ranking's `distance` and `town` (of the nearest place
    of work) and `ranking_farthest` (the farthest place of work it read)."""
    head, table, tail = _display_sql(town=False).rpartition(_PRACTITIONERS_TABLE)
    if not table or tail:  # the card query has no WHERE, ORDER BY or join
        raise ValueError("The card query does not end with its table.")
    return (
        f"{head}, page.distance, page.town, page.farthest AS ranking_farthest"
        f"{table} JOIN (",
        ') AS page ON page.practitioner_id = "directory_practitioner"."id"',
    )


def _displayed(
    condition: str, params, *, town: bool = True, ranked: str = ""
) -> list[Practitioner]:
    """The rows of `_for_display` meeting `condition` (SQL about the
    practitioners' table), in no particular order. With `ranked` (a ranking's
    SQL), the rows are those of the ranking, `condition` follows the join (its
    `ORDER BY`) and each row carries the ranking's columns too
    (`_ranked_display_sql`)."""
    if ranked:
        before, after = _ranked_display_sql()
        sql = f"{before}{ranked}{after} {condition}"
    else:
        sql = f"{_display_sql(town=town)} WHERE {condition}"
    alias = Practitioner.objects.db
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        # The query's columns are those of `_display_sql`: named once per
        # process (the driver builds a description of each column every time).
        key = (town, bool(ranked), alias)
        columns = _columns.get(key)
        if columns is None:
            columns = tuple(column.name for column in cursor.description)
            _columns[key] = columns
        rows = cursor.fetchall()
    layout = _row_layout(columns, alias)
    if layout is None:  # a column needs converting: let Django map the rows
        return list(Practitioner.objects.raw(sql, params))
    names, positions, annotations = layout
    practitioners = []
    if _plain_instances():
        # What `from_db` makes, without the generic work of `Model.__init__`
        # (a test compares the two): the fields' values in the instance's
        # dictionary, the state of a row read from `alias`.
        new, fields = Practitioner.__new__, operator.itemgetter(*positions)
        for row in rows:
            practitioner = new(Practitioner)
            values = practitioner.__dict__
            values.update(zip(names, fields(row), strict=True))
            state = values["_state"] = ModelState()
            state.adding, state.db = False, alias
            for name, position in annotations:
                setattr(practitioner, name, row[position])
            practitioners.append(practitioner)
        return practitioners
    for row in rows:
        practitioner = Practitioner.from_db(alias, names, [row[i] for i in positions])
        for name, position in annotations:
            setattr(practitioner, name, row[position])
        practitioners.append(practitioner)
    return practitioners


# What setting a field's value may do besides storing it, on a new instance: a
# descriptor of these kinds only stores it (the related object's cache and the
# image's dimensions are only touched when a previous value was there).
_STORING_DESCRIPTORS = (
    DeferredAttribute,
    ForeignKeyDeferredAttribute,
    FileDescriptor,
)


def _plain_instances() -> bool:
    """Whether a practitioner can be made by filling its dictionary: nothing
    listens to its creation (`pre_init`, `post_init`: an ImageField with
    dimension fields would) and each field's attribute only stores its value."""
    if pre_init.has_listeners(Practitioner) or post_init.has_listeners(Practitioner):
        return False
    return _only_storing_attributes()


@functools.cache
def _only_storing_attributes() -> bool:
    return all(
        isinstance(
            inspect.getattr_static(Practitioner, field.attname, None),
            _STORING_DESCRIPTORS,
        )
        for field in Practitioner._meta.concrete_fields
    )


_columns: dict[tuple[bool, bool, str], tuple[str, ...]] = {}


@functools.cache
def _row_layout(columns: tuple[str, ...], alias: str):
    """Which of the card query's columns are the practitioner's fields (their
    names and positions, as `Model.from_db` takes them) and which are annotations:
    worked out once per process, where `raw()` works it out for every query.
    None when a field's value would need converting from what the driver gives
    (none does today: a test says so)."""
    connection = connections[alias]
    by_column = {f.column: f for f in Practitioner._meta.concrete_fields}
    names, positions, annotations = [], [], []
    for position, column in enumerate(columns):
        field = by_column.get(column)
        if field is None:
            annotations.append((column, position))
            continue
        if field.get_db_converters(connection) or connection.ops.get_db_converters(
            field.get_col(Practitioner._meta.db_table)
        ):
            return None
        names.append(field.attname)
        positions.append(position)
    return tuple(names), tuple(positions), tuple(annotations)


def _longest_home_visit() -> Subquery:
    """The farthest any practitioner travels for home visits, in miles."""
    return Subquery(
        Practitioner.objects.filter(home_visits=True)
        .order_by()
        .annotate(longest=Func(F("home_visit_miles"), function="MAX"))
        .values("longest"),
        output_field=FloatField(),
    )


# Counting stops here ("500+"): nobody reads 42 pages, and counting a crowded
# circle (London, 100,000 practitioners) costs more the further it goes, so the
# cap keeps search at 100,000 practitioners within 1.5x of 10,000
# (docs/benchmarks.md, "The count's cap").
COUNT_LIMIT = 500
SORT_RATING = "rating"
# The best rated first: the stored average (written by the reviews app), then the
# number of reviews; practitioners without reviews last.
BY_RATING = [F("rating_average").desc(nulls_last=True), F("rating_count").desc()]


def _rating_key(practitioner: Practitioner) -> tuple:
    average = practitioner.rating_average
    return (average is None, -(average or 0), -practitioner.rating_count)


# The SQL of alphabetical searches, compiled once per process for each set of
# criteria (`_sql_key`): building and compiling the ORM's query cost more than
# PostgreSQL's work for it. Each entry is a few kilobytes.
_alphabetical_sql = LockedLRU(256)
# The same for the practitioner filter of a radius search (with other filters
# than the techniques).
_matching_sql_kept = LockedLRU(256)


class Alphabetical(Sequence):
    """Matching practitioners by name, for the Paginator: a count, then one query
    that loads a page (the card details are computed for that page's rows only).

    `practitioners` is a queryset or a function making it; with a `key` (what its
    SQL depends on), the SQL is compiled once per process for that key."""

    def __init__(
        self,
        practitioners: QuerySet | Callable[[], QuerySet],
        *,
        by_rating: bool = False,
        key: tuple | None = None,
    ):
        self.by_rating = by_rating
        self._practitioners = practitioners
        self._key = key
        self._sql_made: tuple | None = None
        self._count: int | None = None
        # More than COUNT_LIMIT match: the page says "500+" and pages that far.
        self.more = False

    @property
    def practitioners(self) -> QuerySet:
        """The matching practitioners, in the order shown."""
        order = (
            [*BY_RATING, "display_name", "pk"] if self.by_rating else ["display_name"]
        )
        return _made(self._practitioners).order_by(*order, "pk")

    def _sql(self) -> tuple[str, str, tuple] | None:
        """SQL of the matching ids unordered (to count), the same in the order
        shown (to page), and their parameters; None when no row can match."""

        def compiled():
            practitioners = self.practitioners
            try:
                count, params = (
                    practitioners.order_by().values("pk").query.sql_with_params()
                )
                page, page_params = practitioners.values("pk").query.sql_with_params()
            except EmptyResultSet:  # a condition no row can meet (the ORM knows)
                return None
            if page_params != params:  # the same conditions, the same parameters
                raise ValueError("The page's parameters differ from the count's.")
            return count, page, tuple(params)

        if self._sql_made is None:
            if self._key is None:
                self._sql_made = (compiled(),)
            else:
                key = (self._key, self.by_rating)
                self._sql_made = (_alphabetical_sql.get_or_make(key, compiled),)
        return self._sql_made[0]

    def count(self) -> int:
        """How many match, counted up to COUNT_LIMIT: counting every one of a
        hundred thousand practitioners costs more than the page itself, and
        nobody pages past the first thousand of an alphabetical list."""
        if self._count is None:
            counted = 0
            sql = self._sql()
            if sql is not None:
                ids, _, params = sql
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT COUNT(*) FROM ({ids} LIMIT {COUNT_LIMIT + 1:d}) "
                        "AS counted",
                        params,
                    )
                    counted = cursor.fetchone()[0]
            self.more = counted > COUNT_LIMIT
            self._count = min(counted, COUNT_LIMIT)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        sql = self._sql()
        start, stop, _ = index.indices(self.count())
        if sql is None or stop <= start:
            return []
        _, ids, params = sql
        page_ids = f"{ids} LIMIT {stop - start:d} OFFSET {start:d}"
        rows = _displayed(f'"directory_practitioner"."id" IN ({page_ids})', params)
        if self.by_rating:
            return sorted(rows, key=lambda p: (*_rating_key(p), p.display_name, p.pk))
        return sorted(rows, key=lambda p: (p.display_name, p.pk))


def _made(practitioners: "QuerySet | Callable[[], QuerySet]") -> QuerySet:
    return practitioners() if callable(practitioners) else practitioners


class NearestFirst(Sequence):
    """Practitioners within a radius, nearest first, for the Paginator.

    Locations are read through the GiST index `location_sphere` (each location as a
    point on the unit sphere, PostgreSQL's `cube`): it answers the box around the
    circle, and returns locations nearest first. Exact distances are computed for
    those rows only, the practitioners passing the other filters are a semi-join,
    and the nearest location of each a DISTINCT ON.

    Where the circle is crowded (a city, with a hundred thousand practitioners on
    the site), the cost is kept to what a page needs: the count stops at
    COUNT_LIMIT ("500+"), and a page is ranked from the nearest locations only,
    read in order from the index until there are enough (see `rows`), so page one
    costs the same in London as in a village.

    With `home_visits`, a practitioner farther away than the radius is kept too
    when their home-visit range reaches the place. The box then grows to the
    longest range any practitioner offers, read in the same query (from a partial
    index), so it stays as small as the data allows.
    """

    def __init__(
        self,
        practitioners: QuerySet | Callable[[], QuerySet],
        place: geo.Found,
        radius: int,
        *,
        home_visits: bool = False,
        techniques_apart: tuple[QuerySet | Callable[[], QuerySet], list[int]]
        | None = None,
        by_rating: bool = False,
        listed_on: date | None = None,
        key: tuple | None = None,
    ):
        # A queryset, or a function making it (`practitioners()` builds it only
        # when a query needs it). With a `key` (what its SQL depends on), its SQL
        # is compiled once per process for that key.
        self._practitioners = practitioners
        self._key = key
        # The practitioners (without the techniques, with `techniques_apart`)
        # are exactly those listed on this day: the circle then tests each place
        # of work's copy of its practitioner's listing (`Location.listed_until`,
        # kept by the database) and reads no practitioner's row.
        self.listed_on = listed_on
        # The same practitioners without the technique filter, and the techniques
        # (any of them): the circle's SQL then tests each place of work's copy
        # of its practitioner's techniques (`Location.technique_ids`) before the
        # practitioner's row, if it reads that at all.
        self.techniques_apart = techniques_apart
        # Best rated first inside the circle, nearest first among equals.
        self.by_rating = by_rating
        self.place = place
        self.radius = radius
        self.home_visits = home_visits
        self._count: int | None = None
        self.more = False
        # How many matching places of work the count read, and whether that was
        # all of those inside the circle.
        self._read = 0
        self._all_read = False
        self._compiled: tuple[QuerySet, tuple[str, tuple]] | None = None

    @property
    def practitioners(self) -> QuerySet:
        """The matching practitioners (the place aside)."""
        return _made(self._practitioners)

    def _circle(self, columns: str, *, box: bool = True) -> tuple[str, list]:
        """SQL of the locations of matching practitioners inside the circle (alias
        `l`, their distance `{distance}` in `columns`), and its parameters.

        With `box`, the index narrows them to the box around the circle first
        (what a count or a whole ranking needs). Without it, add the nearest-first
        order and a LIMIT no larger than the number inside: PostgreSQL then reads
        the index nearest first and stops there (it would otherwise read the box
        and sort it, misjudging how many places of work the box holds).
        """
        place = self.place
        distance = geo.distance_sql(place.latitude, place.longitude, "l")
        radius = float(self.radius)
        join, near, reach = "", f"{distance} <= {radius!r}", f"{radius!r}"
        if self.home_visits:
            join = "JOIN directory_practitioner hv ON hv.id = l.practitioner_id"
            near = f"({near} OR {distance} <= hv.home_visit_miles)"
            reach = (
                f"GREATEST({radius!r}, COALESCE((SELECT MAX(home_visit_miles) "
                "FROM directory_practitioner WHERE home_visits), 0))"
            )
        practitioners, offers = self._practitioners, ""
        if self.techniques_apart:
            practitioners, ids = self.techniques_apart
            # The place of work's copy of its practitioner's techniques (kept by
            # the database): a test on each row read, before any other.
            offers = (
                "l.technique_ids && ARRAY["
                f"{', '.join(str(int(pk)) for pk in ids)}]::bigint[] AND "
            )
        if self.listed_on is not None:
            matching, params = "l.listed_until >= %s", (self.listed_on,)
        else:
            sql, params = self._matching_sql(practitioners)
            matching = f"l.practitioner_id IN ({sql})"
        inside = ""
        if box:
            # A hair wider than the circle: the exact test is the distance.
            inside = (
                f"{geo.SPHERE_SQL.format(t='l')} <@ cube_enlarge("
                f"{geo.sphere_point_sql(place.latitude, place.longitude)}, "
                f"{geo.chord_sql(reach)} + 1e-9, 3) AND "
            )
        sql = (
            f"SELECT {columns.format(distance=distance)} "
            f"FROM directory_location l {join} "
            f"WHERE {inside}{near} AND {offers}{matching}"
        )
        return sql, list(params)

    def _matching_sql(
        self, practitioners: QuerySet | Callable[[], QuerySet]
    ) -> tuple[str, tuple]:
        """The SQL of the matching practitioners' ids, compiled once: the count
        and the ranking both use it. With a `key`, once per process."""
        compiled = self._compiled
        if compiled is None or compiled[0] is not practitioners:

            def make() -> tuple[str, tuple]:
                return (
                    _made(practitioners).order_by().values("pk").query.sql_with_params()
                )

            if self._key is None:
                sql = make()
            else:
                apart = practitioners is not self._practitioners
                sql = _matching_sql_kept.get_or_make((self._key, apart), make)
            self._compiled = compiled = (practitioners, sql)
        return compiled[1]

    def _nearest_first(self) -> str:
        return (
            f"{geo.SPHERE_SQL.format(t='l')} <-> "
            f"{geo.sphere_point_sql(self.place.latitude, self.place.longitude)}"
        )

    def count(self) -> int:
        """How many practitioners match, counted up to COUNT_LIMIT (one query that
        stops reading once it has seen enough)."""
        if self._count is None:
            # At most this many matching places of work are read: more than
            # COUNT_LIMIT practitioners are among them unless many work in several
            # places inside the circle (then everyone is counted).
            sample = COUNT_LIMIT + COUNT_LIMIT // 4 + 1
            rows, params = self._circle("l.practitioner_id")
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COUNT(DISTINCT practitioner_id), COUNT(*) "
                    f"FROM ({rows} LIMIT {sample:d}) AS sample",
                    params,
                )
                distinct, read = cursor.fetchone()
                self._read, self._all_read = read, read < sample
                if distinct > COUNT_LIMIT:
                    self.more = True
                    self._count = COUNT_LIMIT
                elif read < sample:
                    self._count = distinct
                else:  # many places of work each: count them all
                    cursor.execute(
                        "SELECT COUNT(DISTINCT practitioner_id) "
                        f"FROM ({rows}) AS inside",
                        params,
                    )
                    self._count = min(cursor.fetchone()[0], COUNT_LIMIT)
                    self.more = self._count == COUNT_LIMIT
        return self._count

    def __len__(self) -> int:
        return self.count()

    def practitioner_ids(self, sample: int = 2 * COUNT_LIMIT) -> QuerySet:
        """Matching practitioners, as a subquery: all of them, or in a crowded
        circle a sample of `sample` places of work (enough to say which
        techniques are offered there)."""
        place = self.place
        reach = self.radius
        near = Q(distance__lte=self.radius)
        if self.home_visits:
            reach = Greatest(
                Value(float(self.radius)),
                Coalesce(_longest_home_visit(), Value(0.0)),
                output_field=FloatField(),
            )
            near |= Q(distance__lte=F("practitioner__home_visit_miles"))
        return (
            Location.objects.filter(
                **geo.bounding_box(place.latitude, place.longitude, reach)
            )
            .annotate(distance=geo.distance_miles(place.latitude, place.longitude))
            .filter(near)
            .filter(practitioner__in=self.practitioners.order_by().values("pk"))
            .order_by()
            .values("practitioner_id")[:sample]
        )

    def _ranking_sql(
        self, stop: int, read: int | None, start: int = 0
    ) -> tuple[str, list]:
        """The first `stop` of the ranking (less the first `start`), from the
        `read` nearest matching places of work inside the circle (all of them
        when None). Each row: practitioner id, miles, town, how many places were
        read and the farthest of them."""
        columns = "l.practitioner_id, l.id, l.town, {distance} AS distance"
        if read is None:
            rows, params = self._circle(columns)
        else:
            rows, params = self._circle(columns, box=False)
            rows += f" ORDER BY {self._nearest_first()} LIMIT {read:d}"
        sql = (
            "SELECT ranked.practitioner_id, ranked.distance, ranked.town,"
            " ranked.read, ranked.farthest FROM ("
            " SELECT DISTINCT ON (practitioner_id) * FROM ("
            "  SELECT nearest.*, COUNT(*) OVER () AS read,"
            "  MAX(distance) OVER () AS farthest"
            f"  FROM ({rows}) AS nearest"
            " ) AS counted ORDER BY practitioner_id, distance, id"
            f") AS ranked {self._order_sql()} LIMIT {stop - start:d}"
        )
        if start:
            sql += f" OFFSET {start:d}"
        return sql, params

    def _order_sql(self) -> str:
        if not self.by_rating:
            return "ORDER BY ranked.distance, ranked.practitioner_id"
        # Best rated first (unrated last), then most reviewed, then nearest.
        return (
            "JOIN directory_practitioner rated ON rated.id = ranked.practitioner_id "
            "ORDER BY rated.rating_average DESC NULLS LAST, rated.rating_count DESC, "
            "ranked.distance, ranked.practitioner_id"
        )

    def rows(self, index: slice) -> list[tuple[int, float, str]]:
        """(practitioner id, miles, town) of a slice of the ranking.

        The count comes first (the Paginator asks for it anyway): it says how many
        matching places of work the circle holds, at least. The nearest of them
        are read from the index, about twice as many as the slice needs (a
        practitioner may work in several places) and never more than the circle
        holds, so the read stops inside it. The first `stop` practitioners among
        them are the first of the whole circle when they are all of it, or when
        they are all nearer than the farthest place read: anyone not read is at
        least that far. Otherwise (many places of work each, a tie at the edge, a
        page deeper than the count read) the whole circle is ranked.
        """
        stop = index.stop if index.stop is not None else COUNT_LIMIT
        read = self._nearest_read(stop)
        with connection.cursor() as cursor:
            if read == 0:
                ranked = []
            else:
                cursor.execute(*self._ranking_sql(stop, read))
                ranked = cursor.fetchall()
            if read and ranked and not self._whole(read):
                enough = len(ranked) == stop and ranked[-1][1] < ranked[0][4] - 1e-3
                if not enough:
                    cursor.execute(*self._ranking_sql(stop, None))
                    ranked = cursor.fetchall()
        return [row[:3] for row in ranked][index.start or 0 :]

    def _nearest_read(self, stop: int) -> int | None:
        """How many of the nearest matching places of work to rank the first
        `stop` practitioners from: None for the whole circle, 0 when it is empty
        (after the count, which says how many the circle holds)."""
        self.count()
        read = 2 * stop + 10
        if self.by_rating:
            # The best rated may be anywhere in the circle: rank all of it.
            return None if self._read else 0
        if self._all_read:
            return min(read, self._read)
        return None if read > self._read else read

    def _whole(self, read: int | None) -> bool:
        """Whether reading `read` places of work read the whole circle."""
        return read is None or (self._all_read and read == self._read)

    def page(self, index: slice) -> list[Practitioner]:
        """The practitioners of a slice of the ranking with their cards' columns,
        `distance` and `town`: ranked and read in one query (`rows` and the card
        query together), in the order shown. As `rows`, a second query ranks
        the whole circle when the nearest places read do not settle the slice."""
        start = index.start or 0
        stop = index.stop if index.stop is not None else COUNT_LIMIT
        read = self._nearest_read(stop)
        if read == 0 or stop <= start:
            return []
        # The ranking's order, on the joined rows (the ranking skips the
        # earlier pages, so their cards are not read).
        order = "page.distance, page.practitioner_id"
        if self.by_rating:
            order = (
                '"directory_practitioner"."rating_average" DESC NULLS LAST, '
                f'"directory_practitioner"."rating_count" DESC, {order}'
            )
        tail = f"ORDER BY {order}"

        def ranked(read: int | None) -> list[Practitioner]:
            sql, params = self._ranking_sql(stop, read, start)
            return _displayed(tail, params, ranked=sql)

        page = ranked(read)
        if not self._whole(read):
            # Settled when the ranking filled the slice with practitioners all
            # nearer than the farthest place read (see `rows`).
            enough = (
                len(page) == stop - start
                and page[-1].distance < page[0].ranking_farthest - 1e-3
            )
            if not enough and (page or start):
                page = ranked(None)
        for practitioner in page:
            del practitioner.ranking_farthest
        return page

    def nearest_miles(self, *, box: bool = False) -> float | None:
        """How far the nearest match inside the circle is; None when nobody is.
        Without `box` the index is read nearest first until a match (the whole
        of it when nobody matches): for one match, far cheaper than a wide box."""
        rows, params = self._circle("{distance}", box=box)
        with connection.cursor() as cursor:
            cursor.execute(f"{rows} ORDER BY {self._nearest_first()} LIMIT 1", params)
            first = cursor.fetchone()
        return None if first is None else first[0]

    def explain(self) -> str:
        """PostgreSQL's plan for the first page of the ranking."""
        self.count()
        sql, params = self._ranking_sql(12, min(34, self._read))
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        return self.page(index)
