"""Directory search: one read, a fixed number of queries whatever the page size."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from . import geo
from .models import Location, Practitioner, Qualification, Technique


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


def practitioners(criteria: Criteria) -> "QuerySet[Practitioner] | NearestFirst":
    """Listed practitioners matching the criteria, nearest first when a place is given.

    Each row carries `technique_ids`, `verified_ids`, `town` and (with a place)
    `distance` in miles, so a page of results needs no further queries.
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

    technique_ids = ArraySubquery(
        Practitioner.techniques.through.objects.filter(
            practitioner_id=OuterRef("pk")
        ).values("technique_id")
    )
    verified_ids = ArraySubquery(
        Qualification.objects.filter(practitioner_id=OuterRef("pk")).values(
            "technique_id"
        )
    )
    qs = qs.annotate(technique_ids=technique_ids, verified_ids=verified_ids)

    if criteria.where is None:
        first_town = Location.objects.filter(practitioner_id=OuterRef("pk")).order_by(
            "pk"
        )
        return qs.annotate(town=Subquery(first_town.values("town")[:1])).order_by(
            "display_name", "pk"
        )
    return NearestFirst(qs, criteria.where, criteria.radius)


class NearestFirst(Sequence):
    """Practitioners within a radius, nearest first, for the Paginator.

    One query ranks the matching practitioners by their nearest location (the
    bounding box is answered from the (latitude, longitude) index and exact
    distances are computed for the locations inside it only); slicing then loads
    just the rows of one page. Counting needs no second query.
    """

    def __init__(self, practitioners: QuerySet, place: geo.Found, radius: int):
        self.practitioners = practitioners
        nearest = (
            Location.objects.filter(
                practitioner__in=practitioners.values("pk"),
                **geo.bounding_box(place.latitude, place.longitude, radius),
            )
            .annotate(distance=geo.distance_miles(place.latitude, place.longitude))
            .filter(distance__lte=radius)
            .order_by("practitioner_id", "distance")
            .distinct("practitioner_id")
            .values_list("practitioner_id", "distance", "town")
        )
        self.query = nearest
        self._ranked: list[tuple[int, float, str]] | None = None

    @property
    def ranked(self) -> list[tuple[int, float, str]]:
        if self._ranked is None:
            self._ranked = sorted(self.query, key=lambda row: (row[1], row[0]))
        return self._ranked

    def __len__(self) -> int:
        return len(self.ranked)

    def count(self) -> int:
        return len(self)

    def __getitem__(self, index):
        rows = self.ranked[index]
        if not isinstance(index, slice):
            rows = [rows]
        by_id = {
            p.pk: p for p in self.practitioners.filter(pk__in=[r[0] for r in rows])
        }
        page = []
        for pk, distance, town in rows:
            practitioner = by_id[pk]
            practitioner.distance = distance
            practitioner.town = town
            page.append(practitioner)
        return page if isinstance(index, slice) else page[0]
