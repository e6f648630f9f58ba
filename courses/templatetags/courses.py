from django import template
from django.db.models import Manager, QuerySet

from ..models import Course, CourseDate

register = template.Library()


@register.inclusion_tag("courses/_upcoming_dates.html")
def upcoming_course_dates(techniques, limit: int = 3) -> dict:
    """The next open dates of published courses teaching any of `techniques`.

    `techniques`: a Technique queryset, a related manager or a list of Technique.
    One query, whatever the number of techniques or dates.
    """
    try:
        limit = min(max(int(limit), 1), 20)
    except (TypeError, ValueError):
        limit = 3
    if isinstance(techniques, Manager):
        techniques = techniques.all()
    course_dates: list[CourseDate] = []
    if isinstance(techniques, QuerySet) or techniques:
        teaching = Course.objects.published().filter(techniques__in=techniques)
        course_dates = list(
            CourseDate.objects.open_for_enrolment()
            .filter(course__in=teaching.values("pk"))
            .select_related("course")[:limit]
        )
    return {"course_dates": course_dates}
