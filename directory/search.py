"""Directory search: one read, a fixed number of queries whatever the page size."""

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db import connection
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
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from . import geo
from .models import Location, Place, Practitioner, Qualification, Technique

logger = logging.getLogger(__name__)

TECHNIQUES_CACHE_KEY = "directory:techniques"
EXAMPLE_TOWNS_CACHE_KEY = "directory:example-towns"


def _cached[T](key: str, compute: Callable[[], T], timeout: int) -> T:
    """cache.get_or_set that computes instead when the cache (Redis) is down: the
    directory stays up, only slower."""
    try:
        return cache.get_or_set(key, compute, timeout=timeout)
    except Exception:  # the cache backend raises its client's own errors
        logger.warning("Cache unavailable for %s; computing it instead.", key)
        return compute()


def all_techniques() -> list[Technique]:
    """The shared technique list, cached briefly: every search page needs it and it
    changes a few times a year (an edit shows within five minutes)."""
    return _cached(
        TECHNIQUES_CACHE_KEY, lambda: list(Technique.objects.all()), timeout=300
    )


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
    qs = Practitioner.objects.listed()
    if criteria.techniques:
        qs = qs.filter(
            Exists(
                Practitioner.techniques.through.objects.filter(
                    practitioner_id=OuterRef("pk"),
                    technique_id__in=[t.pk for t in criteria.techniques],
                )
            )
        )
    if criteria.text:
        query = SearchQuery(criteria.text, search_type="websearch", config="english")
        qs = qs.filter(
            Q(search_vector=query)
            | Q(display_name__icontains=criteria.text)
            | Exists(
                Practitioner.techniques.through.objects.filter(
                    practitioner_id=OuterRef("pk"),
                    technique__name__icontains=criteria.text,
                )
            )
        )
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

    by_rating = criteria.sort == SORT_RATING
    if criteria.where is None:
        return Alphabetical(qs, by_rating=by_rating)
    return NearestFirst(
        qs,
        criteria.where,
        criteria.radius,
        home_visits=criteria.home_visits,
        by_rating=by_rating,
    )


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
    nobody does within the radius; None when nobody matches anywhere."""
    if criteria.where is None:
        return None
    qs = practitioners(replace(criteria, where=None)).practitioners
    for radius in (r for r in WIDER_RADII if r > criteria.radius):
        first = NearestFirst(
            qs, criteria.where, radius, home_visits=criteria.home_visits
        ).rows(slice(0, 1))
        if first:
            return Nearest(miles=first[0][1], radius=radius)
    return None


def _for_display(practitioners: QuerySet) -> QuerySet:
    """Adds what a result card shows; used on one page's rows only."""
    return practitioners.annotate(
        technique_ids=ArraySubquery(
            Practitioner.techniques.through.objects.filter(
                practitioner_id=OuterRef("pk")
            ).values("technique_id")
        ),
        verified_ids=ArraySubquery(
            Qualification.objects.filter(practitioner_id=OuterRef("pk")).values(
                "technique_id"
            )
        ),
        town=Subquery(
            Location.objects.filter(practitioner_id=OuterRef("pk"))
            .order_by("pk")
            .values("town")[:1]
        ),
    )


def _longest_home_visit() -> Subquery:
    """The farthest any practitioner travels for home visits, in miles."""
    return Subquery(
        Practitioner.objects.filter(home_visits=True)
        .order_by()
        .annotate(longest=Func(F("home_visit_miles"), function="MAX"))
        .values("longest"),
        output_field=FloatField(),
    )


COUNT_LIMIT = 1000
SORT_RATING = "rating"
# The best rated first: the stored average (written by the reviews app), then the
# number of reviews; practitioners without reviews last.
BY_RATING = [F("rating_average").desc(nulls_last=True), F("rating_count").desc()]


def _rating_key(practitioner: Practitioner) -> tuple:
    average = practitioner.rating_average
    return (average is None, -(average or 0), -practitioner.rating_count)


class Alphabetical(Sequence):
    """Matching practitioners by name, for the Paginator: a count, then one query
    that loads a page (the card details are computed for that page's rows only)."""

    def __init__(self, practitioners: QuerySet, *, by_rating: bool = False):
        self.by_rating = by_rating
        order = [*BY_RATING, "display_name", "pk"] if by_rating else ["display_name"]
        self.practitioners = practitioners.order_by(*order, "pk")
        self._count: int | None = None
        # More than COUNT_LIMIT match: the page says "1,000+" and pages that far.
        self.more = False

    def count(self) -> int:
        """How many match, counted up to COUNT_LIMIT: counting every one of a
        hundred thousand practitioners costs more than the page itself, and
        nobody pages past the first thousand of an alphabetical list."""
        if self._count is None:
            counted = self.practitioners.order_by()[: COUNT_LIMIT + 1].count()
            self.more = counted > COUNT_LIMIT
            self._count = min(counted, COUNT_LIMIT)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        page_ids = self.practitioners.values("pk")[index]
        rows = _for_display(Practitioner.objects.filter(pk__in=page_ids))
        if self.by_rating:
            return sorted(rows, key=lambda p: (*_rating_key(p), p.display_name, p.pk))
        return sorted(rows, key=lambda p: (p.display_name, p.pk))


class NearestFirst(Sequence):
    """Practitioners within a radius, nearest first, for the Paginator.

    The locations inside the circle come from the (latitude, longitude) index via a
    bounding box, and exact distances are computed for those rows only, in
    PostgreSQL: the practitioners passing the other filters are a semi-join, the
    nearest location of each a DISTINCT ON, and only one page of them comes back
    (then the card details of that page).

    Where the circle is crowded (a city, with a hundred thousand practitioners on
    the site), the cost is kept to what a page needs: the count stops at
    COUNT_LIMIT ("1,000+"), and the first pages are ranked inside a smaller circle
    that holds them (anyone outside it is farther than everyone inside), falling
    back to the whole circle when it does not.

    With `home_visits`, a practitioner farther away than the radius is kept too
    when their home-visit range reaches the place. The box then grows to the
    longest range any practitioner offers, read in the same query (from a partial
    index), so it stays as small as the data allows.
    """

    def __init__(
        self,
        practitioners: QuerySet,
        place: geo.Found,
        radius: int,
        *,
        home_visits: bool = False,
        by_rating: bool = False,
    ):
        self.practitioners = practitioners
        # Best rated first inside the circle, nearest first among equals.
        self.by_rating = by_rating
        self.place = place
        self.radius = radius
        self.home_visits = home_visits
        # The nearest location of each matching practitioner inside the circle.
        self.query = self._ranking(radius)
        self._count: int | None = None
        self.more = False

    def _within(self, radius: float) -> QuerySet:
        """Locations of matching practitioners inside the circle."""
        place = self.place
        reach = radius
        near = Q(distance__lte=radius)
        if self.home_visits:
            reach = Greatest(
                Value(float(radius)),
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
        )

    def _ranking(self, radius: float) -> QuerySet:
        return (
            self._within(radius)
            .order_by("practitioner_id", "distance")
            .distinct("practitioner_id")
        )

    def count(self) -> int:
        """How many practitioners match, counted up to COUNT_LIMIT (one query that
        stops reading once it has seen enough)."""
        if self._count is None:
            sample = (2 * COUNT_LIMIT) + 2
            rows = self._within(self.radius).order_by().values("practitioner_id")
            sql, params = rows[:sample].query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COUNT(DISTINCT practitioner_id), COUNT(*) "
                    f"FROM ({sql}) AS sample",
                    params,
                )
                distinct, read = cursor.fetchone()
            if distinct > COUNT_LIMIT:
                self.more = True
                self._count = COUNT_LIMIT
            elif read < sample:
                self._count = distinct
            else:  # many places of work each: count them all
                self._count = min(self.query.count(), COUNT_LIMIT)
                self.more = self._count == COUNT_LIMIT
        return self._count

    def __len__(self) -> int:
        return self.count()

    def practitioner_ids(self, sample: int = 2 * COUNT_LIMIT) -> QuerySet:
        """Matching practitioners, as a subquery: all of them, or in a crowded
        circle a sample of `sample` places of work (enough to say which
        techniques are offered there)."""
        return self._within(self.radius).order_by().values("practitioner_id")[:sample]

    def rows(self, index: slice) -> list[tuple[int, float, str]]:
        """(practitioner id, miles, town) of a slice of the ranking."""
        stop = index.stop if index.stop is not None else COUNT_LIMIT
        if self.more and stop < COUNT_LIMIT and not self.by_rating:
            # More than COUNT_LIMIT inside the circle: the first `stop` are very
            # likely inside one holding about twice as many (area grows with the
            # square of the radius).
            inner = self.radius * math.sqrt(min(1.0, 2 * stop / COUNT_LIMIT))
            ranked = self._ranked(inner, stop)
            if len(ranked) == stop:
                return ranked[index.start or 0 :]
        return self._ranked(self.radius, stop)[index.start or 0 :]

    def _ranked(self, radius: float, stop: int) -> list[tuple[int, float, str]]:
        place = self.place
        return list(
            Location.objects.filter(pk__in=self._ranking(radius).values("pk"))
            .annotate(distance=geo.distance_miles(place.latitude, place.longitude))
            .order_by(*self._order())
            .values_list("practitioner_id", "distance", "town")[:stop]
        )

    def _order(self) -> list:
        if not self.by_rating:
            return ["distance", "practitioner_id"]
        return [
            F("practitioner__rating_average").desc(nulls_last=True),
            F("practitioner__rating_count").desc(),
            "distance",
            "practitioner_id",
        ]

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        rows = self.rows(index)
        by_id = {
            p.pk: p
            for p in _for_display(
                Practitioner.objects.filter(pk__in=[r[0] for r in rows])
            )
        }
        page = []
        for pk, distance, town in rows:
            practitioner = by_id[pk]
            practitioner.distance = distance
            practitioner.town = town
            page.append(practitioner)
        return page
