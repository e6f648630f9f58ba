"""What courses shows on other apps' pages (core.panels)."""

from collections.abc import Sequence

from django.db.models import Prefetch

from directory.models import Technique

from .models import Course, CourseDate


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
