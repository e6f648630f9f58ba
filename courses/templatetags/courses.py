import json
from datetime import datetime
from decimal import Decimal

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Manager, QuerySet
from django.utils.safestring import SafeString, mark_safe

from ..models import Course, CourseDate, format_deadline, format_money

register = template.Library()

# As django.utils.html.json_script: nothing in the data can close the <script>.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(value: dict) -> SafeString:
    """JSON for inside <script type="application/ld+json">, escaped like json_script."""
    text = json.dumps(value, cls=DjangoJSONEncoder).translate(_JSON_SCRIPT_ESCAPES)
    return mark_safe(text)  # noqa: S308 - escaped above


@register.filter
def deadline(value: datetime | None) -> str:
    """When a hold ends: '14:30 on Friday 13 March 2026' or 'the end of Friday…'."""
    return format_deadline(value) if value else ""


@register.filter
def money(value: Decimal | None) -> str:
    return format_money(value)


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
