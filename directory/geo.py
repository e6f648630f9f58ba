"""Places and distances, resolved from the gazetteer table: never the network."""

import functools
import math
import re
from dataclasses import dataclass

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Expression, ExpressionWrapper, F, FloatField, Q, Value
from django.db.models.functions import (
    ACos,
    Cos,
    Greatest,
    Least,
    Lower,
    Radians,
    Sin,
)

from core import pagecache

from . import names
from .models import Place

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LATITUDE = 69.0

POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
OUTWARD_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
AREA_RE = re.compile(r"^[A-Z]{1,2}$")
# Same-named places closer than this are one place from two sources.
SAME_PLACE_MILES = 3


@dataclass(frozen=True)
class Found:
    name: str
    latitude: float
    longitude: float
    # A full postcode we only know by its outward code or area.
    approximate: bool = False
    # Other places of the name typed, best first: (as shown, as typed to pick it).
    alternatives: tuple[tuple[str, str], ...] = ()
    slug: str = ""  # a place name's town page
    label: str = ""  # what tells it apart, when other places share its name


def normalise(text: str) -> str:
    """Upper-case and single-spaced, commas dropped: how codes are compared."""
    return " ".join(text.upper().replace(",", " ").split())


def resolve(text: str) -> Found | None:
    """A UK postcode, an outward code (BN1), a postcode area (BN) or a place name
    (as people type it, optionally with a county, island or nation after a
    comma) to coordinates. One query, two when a qualifier names another place.

    Kept in the process's memory for the gazetteer table's generation
    (core/pagecache.py): a place asked for again costs no query until the
    gazetteer is written to."""
    generations = pagecache.generations_now([Place._meta.db_table])
    if generations is None:
        return _resolve(text)
    return _resolve_at(text, generations)


@functools.lru_cache(maxsize=2048)
def _resolve_at(text: str, generations: tuple[str, ...]) -> Found | None:
    return _resolve(text)


def _resolve(text: str) -> Found | None:
    key = normalise(text)
    if not key:
        return None
    if match := POSTCODE_RE.match(key):
        return _postcode(*match.groups())
    if OUTWARD_RE.match(key):
        places = _by_kind(
            Place.objects.filter(
                Q(kind=Place.Kind.OUTWARD, key=key)
                | Q(kind=Place.Kind.TOWN, key=names.place_key(text))
                | Q(kind=Place.Kind.AREA, key=_letters(key))
            )
        )
        if place := places.get(Place.Kind.OUTWARD):
            return Found(place.name, place.latitude, place.longitude)
        if place := places.get(Place.Kind.TOWN):
            return _named(place)
        if place := places.get(Place.Kind.AREA):
            return Found(key, place.latitude, place.longitude, approximate=True)
        return None
    if AREA_RE.match(key):
        place = Place.objects.filter(kind=Place.Kind.AREA, key=key).first()
        if place is not None:
            return _area(place)
    return _place_name(text)


def _letters(outward: str) -> str:
    return re.match(r"[A-Z]+", outward).group(0)


def _by_kind(places) -> dict[str, Place]:
    found: dict[str, Place] = {}
    for place in places:
        current = found.get(place.kind)
        if current is None or place.population > current.population:
            found[place.kind] = place
    return found


def _postcode(outward: str, inward: str) -> Found | None:
    full = f"{outward} {inward}"
    places = _by_kind(
        Place.objects.filter(
            Q(kind=Place.Kind.POSTCODE, key=full)
            | Q(kind=Place.Kind.OUTWARD, key=outward)
            | Q(kind=Place.Kind.AREA, key=_letters(outward))
        )
    )
    if place := places.get(Place.Kind.POSTCODE):
        return Found(place.name, place.latitude, place.longitude)
    place = places.get(Place.Kind.OUTWARD) or places.get(Place.Kind.AREA)
    if place is None:
        return None
    return Found(full, place.latitude, place.longitude, approximate=True)


def _area(place: Place) -> Found:
    name = f"{place.name} ({place.label})" if place.label else place.name
    return Found(name, place.latitude, place.longitude)


def _named(place: Place, alternatives=()) -> Found:
    return Found(
        place.name,
        place.latitude,
        place.longitude,
        alternatives=tuple(alternatives),
        slug=place.slug,
        label=place.label if alternatives else "",
    )


def _place_name(text: str) -> Found | None:
    name, qualifier = names.split_qualifier(text)
    key = names.place_key(name)
    if not key:
        return None
    candidates = sorted(
        Place.objects.filter(kind=Place.Kind.TOWN).filter(
            Q(key=key) | Q(alt_keys__contains=[key])
        ),
        # The name itself before another name of a place; then the most populous.
        key=lambda p: (p.key != key, -p.population, p.pk),
    )
    if not candidates:
        return None
    if any(c.key == key for c in candidates):
        candidates = [c for c in candidates if c.key == key]
    candidates = _distinct(candidates)
    chosen = candidates[0]
    if qualifier:
        chosen = _qualified(candidates, names.place_key(qualifier)) or chosen
    others = [c for c in candidates if c is not chosen]
    return _named(chosen, [(c.described, c.described) for c in others[:5]])


def _distinct(candidates: list[Place]) -> list[Place]:
    """Drop a candidate close to a better one: the same place from two sources."""
    kept: list[Place] = []
    for place in candidates:
        if all(
            haversine_miles(place.latitude, place.longitude, k.latitude, k.longitude)
            > SAME_PLACE_MILES
            for k in kept
        ):
            kept.append(place)
    return kept


def _qualified(candidates: list[Place], qualifier: str) -> Place | None:
    """The candidate a qualifier points at: its nation, county, island or "near"
    town, or the candidate nearest a place of the qualifier's name."""
    if qualifier in names.WHOLE_COUNTRY:
        return None
    nation = names.nation(qualifier)
    for place in candidates:
        if nation and place.nation == nation:
            return place
        if qualifier in {names.place_key(place.county), names.place_key(place.label)}:
            return place
    if nation:
        return None
    qualifier = qualifier.removeprefix("NEAR ")
    landmark = (
        Place.objects.filter(kind=Place.Kind.TOWN)
        .filter(Q(key=qualifier) | Q(alt_keys__contains=[qualifier]))
        .order_by("-population", "pk")
        .first()
    )
    if landmark is None:
        return None
    return min(
        candidates,
        key=lambda p: haversine_miles(
            p.latitude, p.longitude, landmark.latitude, landmark.longitude
        ),
    )


def suggestions(text: str, limit: int = 5) -> list[str]:
    """Place names, areas and outward codes that look like what was typed, from
    the trigram index (place_key_trgm)."""
    key = names.place_key(names.split_qualifier(text)[0])[:60]
    if not key:
        return []
    rows = (
        Place.objects.exclude(kind=Place.Kind.POSTCODE)
        .annotate(folded=Lower("key"))
        .filter(folded__trigram_similar=key.lower())
        .annotate(similarity=TrigramSimilarity("key", key))
        .order_by("-similarity", "-population", "name")
        .values_list("name", flat=True)[: limit * 3]
    )
    return list(dict.fromkeys(rows))[:limit]


def bounding_box(latitude: float, longitude: float, miles: float | Expression) -> dict:
    """Latitude/longitude ranges enclosing a circle: the index narrows to these.

    `miles` may be a database expression (computed once per query); the bounds
    are then expressions too, and still answered from the index.
    """
    dlat = miles / MILES_PER_DEGREE_LATITUDE
    cos_lat = max(math.cos(math.radians(latitude)), 0.01)
    dlng = miles / (MILES_PER_DEGREE_LATITUDE * cos_lat)
    return {
        "latitude__gte": latitude - dlat,
        "latitude__lte": latitude + dlat,
        "longitude__gte": longitude - dlng,
        "longitude__lte": longitude + dlng,
    }


def distance_miles(
    latitude: float,
    longitude: float,
    lat_field: str = "latitude",
    lng_field: str = "longitude",
) -> ExpressionWrapper:
    """Great-circle distance (spherical law of cosines) as a database expression."""
    lat0, lng0 = Value(latitude), Value(longitude)
    cosine = Sin(Radians(lat0)) * Sin(Radians(F(lat_field))) + Cos(Radians(lat0)) * Cos(
        Radians(F(lat_field))
    ) * Cos(Radians(F(lng_field)) - Radians(lng0))
    # Rounding can push the cosine a hair outside [-1, 1]; ACOS would then fail.
    clamped = Greatest(Least(cosine, Value(1.0)), Value(-1.0))
    return ExpressionWrapper(
        ACos(clamped) * Value(EARTH_RADIUS_MILES), output_field=FloatField()
    )


# The expression the GiST index `location_sphere` is built on
# (models.unit_sphere_point), as SQL for a table alias: a query must spell it this
# way for PostgreSQL to answer it from the index.
SPHERE_SQL = (
    "cube(ARRAY[(COS(RADIANS({t}.latitude)) * COS(RADIANS({t}.longitude))), "
    "(COS(RADIANS({t}.latitude)) * SIN(RADIANS({t}.longitude))), "
    "SIN(RADIANS({t}.latitude))])"
)


def sphere_point_sql(latitude: float, longitude: float) -> str:
    """A place as a point on the unit sphere, in SQL (the numbers are written in
    it: they are floats, never text)."""
    lat, lng = float(latitude), float(longitude)
    return (
        f"cube(ARRAY[COS(RADIANS({lat!r})) * COS(RADIANS({lng!r})), "
        f"COS(RADIANS({lat!r})) * SIN(RADIANS({lng!r})), SIN(RADIANS({lat!r}))])"
    )


def distance_sql(latitude: float, longitude: float, table: str) -> str:
    """distance_miles() in SQL, from a place to the row of `table` (an alias):
    the same operations in the same order, so the same miles."""
    lat, lng, t = float(latitude), float(longitude), table
    return (
        f"(ACOS(GREATEST(LEAST(((SIN(RADIANS({lat!r})) * SIN(RADIANS({t}.latitude)))"
        f" + ((COS(RADIANS({lat!r})) * COS(RADIANS({t}.latitude)))"
        f" * COS((RADIANS({t}.longitude) - RADIANS({lng!r}))))), 1.0), -1.0))"
        f" * {EARTH_RADIUS_MILES!r})"
    )


def chord_sql(miles_sql: str) -> str:
    """The straight-line distance on the unit sphere between two places this many
    miles apart along the surface (what the sphere index measures), in SQL."""
    return f"(2 * SIN(LEAST(({miles_sql}) / {2 * EARTH_RADIUS_MILES!r}, PI() / 2)))"


def haversine_miles(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The same distance in Python, for tests and the slot-free pages."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))
