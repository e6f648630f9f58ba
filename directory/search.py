"""Directory search: one read, a fixed number of queries whatever the page size."""

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


def practitioners(criteria: Criteria) -> QuerySet[Practitioner]:
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

    place = criteria.where
    # The bounding box is answered from the (latitude, longitude) index; the exact
    # distance is then computed only for the locations inside it.
    nearby = (
        Location.objects.filter(
            **geo.bounding_box(place.latitude, place.longitude, criteria.radius)
        )
        .annotate(distance=geo.distance_miles(place.latitude, place.longitude))
        .filter(distance__lte=criteria.radius)
    )
    nearest = nearby.filter(practitioner_id=OuterRef("pk")).order_by("distance")
    return (
        qs.filter(pk__in=nearby.values("practitioner_id"))
        .annotate(
            distance=Subquery(nearest.values("distance")[:1]),
            town=Subquery(nearest.values("town")[:1]),
        )
        .order_by("distance", "display_name", "pk")
    )
