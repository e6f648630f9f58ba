"""After each load: how each place is told apart from others of its name, and the
address of its town page.

A place's label is its county when the file gave one; else the island it is on
(within a few miles of the island's main town); else "near" the nearest bigger
town; else its nation. "Newport, Isle of Wight", "Newport, near Telford" and
"Newport, Wales" are then three different places, and each label typed after a
comma picks its place again. Slugs: the most populous place of a name gets the
name ("newport"), the others the name and label ("newport-near-telford").
"""

import math
from collections import defaultdict

from django.db import transaction
from django.utils.text import slugify

from ..geo import haversine_miles
from ..models import Place

ISLAND_MILES = 6
NEAR_MILES = 25
# A town worth naming as a landmark.
LANDMARK_POPULATION = 5_000
# A city is told apart by its nation, not by a neighbour.
CITY_POPULATION = 50_000
CELL = 0.5  # degrees of latitude (about 35 miles) per grid cell


def refresh() -> int:
    """Recompute labels and slugs of every place name; returns how many changed."""
    from .builtin import name_areas

    name_areas()
    towns = list(
        Place.objects.filter(kind=Place.Kind.TOWN)
        .order_by("pk")
        .only(
            "pk",
            "ref",
            "name",
            "key",
            "county",
            "nation",
            "population",
            "latitude",
            "longitude",
            "label",
            "slug",
        )  # fmt: skip
    )
    computed = _labels(towns)
    slugs = _slugs(towns, computed)
    changed = [
        place
        for place in towns
        if (place.label, place.slug) != (computed[place.pk], slugs[place.pk])
    ]
    with transaction.atomic():
        # Slugs are unique: clear the ones that move before setting any.
        moving = [p.pk for p in changed if p.slug and p.slug != slugs[p.pk]]
        Place.objects.filter(pk__in=moving).update(slug="")
        for place in changed:
            place.label = computed[place.pk]
            place.slug = slugs[place.pk]
        Place.objects.bulk_update(changed, ["label", "slug"], batch_size=2000)
    return len(changed)


class _Grid:
    """Places bucketed by position, to find near ones without comparing all."""

    def __init__(self, places):
        self.cells = defaultdict(list)
        for place in places:
            self.cells[self._cell(place.latitude, place.longitude)].append(place)

    @staticmethod
    def _cell(latitude: float, longitude: float) -> tuple[int, int]:
        return (
            math.floor(latitude / CELL),
            math.floor(longitude * math.cos(math.radians(54)) / CELL),
        )

    def near(self, latitude: float, longitude: float):
        row, column = self._cell(latitude, longitude)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                yield from self.cells.get((row + dr, column + dc), ())


def _labels(towns: list[Place]) -> dict[int, str]:
    islands = [t for t in towns if t.ref.startswith("islands:")]
    landmarks = _Grid(t for t in towns if t.population >= LANDMARK_POPULATION
                      and not t.ref.startswith("islands:"))  # fmt: skip
    labels = {}
    for town in towns:
        labels[town.pk] = _label(town, islands, landmarks)
    return labels


def _label(town: Place, islands: list[Place], landmarks: _Grid) -> str:
    if town.county:
        return town.county
    if town.ref.startswith("islands:"):
        return town.nation
    for island in islands:
        miles = haversine_miles(
            town.latitude, town.longitude, island.latitude, island.longitude
        )
        if miles <= ISLAND_MILES:
            return island.name
    if town.population < CITY_POPULATION:
        # The landmark that best says where it is: big and close (Telford rather
        # than a nearer suburb of it).
        best, score = None, 0.0
        for landmark in landmarks.near(town.latitude, town.longitude):
            if landmark.population <= town.population or landmark.key == town.key:
                continue
            miles = haversine_miles(
                town.latitude, town.longitude, landmark.latitude, landmark.longitude
            )
            if miles <= NEAR_MILES and landmark.population / (miles + 1) ** 2 > score:
                best, score = landmark, landmark.population / (miles + 1) ** 2
        if best is not None:
            return f"near {best.name}"
    return town.nation


def _slugs(towns: list[Place], labels: dict[int, str]) -> dict[int, str]:
    by_key = defaultdict(list)
    for town in towns:
        by_key[town.key].append(town)
    slugs: dict[int, str] = {}
    taken: set[str] = set()
    # The most populous place of each name claims the plain slug first.
    groups = sorted(by_key.values(), key=lambda g: -max(t.population for t in g))
    for group in groups:
        group.sort(key=lambda t: (-t.population, t.pk))
        for n, town in enumerate(group):
            base = (
                slugify(town.name)
                if n == 0
                else slugify(f"{town.name} {labels[town.pk]}")
            )
            base = (base or "place")[:130]
            slug, suffix = base, 1
            while slug in taken:
                suffix += 1
                slug = f"{base}-{suffix}"
            taken.add(slug)
            slugs[town.pk] = slug
    return slugs
