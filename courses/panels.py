"""What courses shows on other apps' pages (core.panels)."""

from collections.abc import Sequence

from django.db.models import Prefetch

from directory import names
from directory.geo import haversine_miles
from directory.models import Place, Technique

from .models import Course, CourseDate

# A course date this close to a town is "near" it on the town's page.
NEAR_TOWN_MILES = 60


def next_course_dates(
    *, techniques: Sequence[Technique], techniques_text: str = ""
) -> dict | None:
    """On a blog post: our next dates teaching the techniques it discusses (the
    panel's template reads them in one query). Nothing for a post without any."""
    if not techniques:
        return None
    return {"techniques": techniques, "techniques_text": techniques_text}


NEXT_DATES_PER_COURSE = 3


def courses_teaching(*, technique: Technique) -> dict | None:
    """On a technique's page: the published courses that teach it, each with its
    next open dates. Two queries, however many courses and dates."""
    dates = CourseDate.objects.open_for_enrolment().order_by("starts_on", "pk")
    courses = list(
        Course.objects.published()
        .filter(techniques=technique)
        .order_by("title")
        .prefetch_related(
            Prefetch(
                "dates",
                queryset=dates[:NEXT_DATES_PER_COURSE],
                to_attr="next_dates",
            )
        )
    )
    if not courses:
        return None
    for course in courses:
        for course_date in course.next_dates:
            course_date.course = course  # the template links to it: no query
    return {"technique": technique, "courses": courses}


def course_dates_near(place: Place, *, limit: int = 3) -> dict:
    """On a town page: our next dates near the town, else our next dates anywhere.

    Two queries: the listed dates, then the gazetteer places of their venues'
    towns (course dates carry a town, not coordinates).
    """
    upcoming = list(CourseDate.objects.listed().select_related("course")[:200])
    keys = {names.place_key(d.venue_town) for d in upcoming}
    where: dict[str, Place] = {}
    for town in (
        Place.objects.filter(kind=Place.Kind.TOWN, key__in=keys)
        .order_by("key", "-population", "pk")
        .only("key", "latitude", "longitude")
    ):
        where.setdefault(town.key, town)
    near = []
    for course_date in upcoming:
        venue = where.get(names.place_key(course_date.venue_town))
        if venue is None:
            continue
        miles = haversine_miles(
            place.latitude, place.longitude, venue.latitude, venue.longitude
        )
        if miles <= NEAR_TOWN_MILES:
            course_date.miles = miles
            near.append(course_date)
    return {
        "place": place,
        "course_dates": near[:limit] or upcoming[:limit],
        "near": bool(near),
    }
