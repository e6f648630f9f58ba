"""Places and distances, resolved from the gazetteer table: never the network."""

import math
import re
from dataclasses import dataclass

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Expression, ExpressionWrapper, F, FloatField, Value
from django.db.models.functions import ACos, Cos, Greatest, Least, Radians, Sin

from .models import Place

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LATITUDE = 69.0

POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
OUTWARD_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


@dataclass(frozen=True)
class Found:
    name: str
    latitude: float
    longitude: float
    approximate: bool = False  # a full postcode we only know by its outward code


def normalise(text: str) -> str:
    return " ".join(text.upper().replace(",", " ").split())


def resolve(text: str) -> Found | None:
    """A UK postcode, an outward code (BN1) or a town name, to coordinates."""
    key = normalise(text)
    if not key:
        return None
    if match := POSTCODE_RE.match(key):
        outward, inward = match.groups()
        places = {
            p.kind: p
            for p in Place.objects.filter(
                kind__in=[Place.Kind.POSTCODE, Place.Kind.OUTWARD],
                key__in=[f"{outward} {inward}", outward],
            )
        }
        if place := places.get(Place.Kind.POSTCODE):
            return Found(place.name, place.latitude, place.longitude)
        if place := places.get(Place.Kind.OUTWARD):
            return Found(f"{outward} {inward}", place.latitude, place.longitude, True)
        return None
    kind = Place.Kind.OUTWARD if OUTWARD_RE.match(key) else Place.Kind.TOWN
    place = Place.objects.filter(kind=kind, key=key).first()
    if place is None and kind == Place.Kind.OUTWARD:
        place = Place.objects.filter(kind=Place.Kind.TOWN, key=key).first()
    if place is None:
        return None
    return Found(place.name, place.latitude, place.longitude)


def suggestions(text: str, limit: int = 5) -> list[str]:
    """Towns and outward codes that look like what was typed."""
    key = normalise(text)[:60]
    if not key:
        return []
    return list(
        Place.objects.exclude(kind=Place.Kind.POSTCODE)
        .annotate(similarity=TrigramSimilarity("key", key))
        .filter(similarity__gt=0.2)
        .order_by("-similarity", "name")
        .values_list("name", flat=True)[:limit]
    )


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


def haversine_miles(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The same distance in Python, for tests and the slot-free pages."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))
