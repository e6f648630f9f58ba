"""A course date's teaching days as an iCalendar file (RFC 5545), for the enrolled
student's calendar app: one event a day, in UK time, at the venue."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from core.links import absolute_url, site_host

from .models import Enrolment, TeachingDay


def teaching_days_ics(
    enrolment: Enrolment, timetable: list[TeachingDay], *, only: int | None = None
) -> bytes:
    """The events of `timetable` (the date's days, in order), or only the day with
    the id `only`."""
    course_date = enrolment.course_date
    title = f"{course_date.course.title}, {course_date.venue_town}"
    page = absolute_url(enrolment.get_absolute_url())
    stamp = timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//Holistic Touch//Courses//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    for position, day in enumerate(timetable, start=1):
        if only is not None and day.pk != only:
            continue
        event = Event()
        # The same UID every time: importing the file again updates the entry.
        event.add("uid", f"course-day-{day.pk}-enrolment-{enrolment.pk}@{site_host()}")
        event.add("dtstamp", stamp)
        event.add("dtstart", day.starts)
        event.add("dtend", day.ends)
        if len(timetable) > 1:
            event.add("summary", f"{title} (day {position} of {len(timetable)})")
        else:
            event.add("summary", title)
        event.add("location", course_date.venue_display)
        notes = [day.note] if day.note else []
        notes.append(f"Your enrolment {enrolment.reference}: {page}")
        event.add("description", "\n".join(notes))
        event.add("url", page)
        calendar.add_component(event)
    return calendar.to_ical()


@login_required
@require_GET
def enrolment_calendar(
    request: HttpRequest, pk: int, day: int | None = None
) -> HttpResponse:
    """Every teaching day (or one) of the student's own enrolment; another
    person's, or one that no longer holds a place, is a 404."""
    enrolment = get_object_or_404(
        Enrolment.objects.for_student(request.user)
        .holding_place()
        .select_related("course_date__course"),
        pk=pk,
    )
    timetable = list(enrolment.course_date.days.all())
    chosen = [d for d in timetable if day is None or d.pk == day]
    if not chosen:
        raise Http404("No such teaching day in this timetable.")
    response = HttpResponse(
        teaching_days_ics(enrolment, timetable, only=day),
        content_type="text/calendar; charset=utf-8",
    )
    name = f"{enrolment.course_date.course.slug}-{enrolment.reference}"
    if day is not None:
        name += f"-{chosen[0].day.isoformat()}"
    response["Content-Disposition"] = f'attachment; filename="{name}.ics"'
    return response
