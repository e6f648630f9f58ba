"""schema.org Course / CourseInstance data for search engines."""

from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

from core import images

from .models import Course, CourseDate


def course_instance(course_date: CourseDate, request: HttpRequest) -> dict:
    url = request.build_absolute_uri(course_date.get_absolute_url())
    if course_date.status == CourseDate.Status.CANCELLED:
        event_status = "https://schema.org/EventCancelled"
    else:
        event_status = "https://schema.org/EventScheduled"
    return {
        "@type": "CourseInstance",
        "courseMode": "Onsite",
        "name": f"{course_date.course.title}, {course_date.venue_town}",
        "startDate": course_date.starts_on.isoformat(),
        "endDate": course_date.ends_on.isoformat(),
        "eventStatus": event_status,
        "courseSchedule": {
            "@type": "Schedule",
            "description": course_date.schedule,
            "startDate": course_date.starts_on.isoformat(),
            "endDate": course_date.ends_on.isoformat(),
        },
        "location": {
            "@type": "Place",
            "name": course_date.venue_name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": course_date.venue_address,
                "addressLocality": course_date.venue_town,
                "postalCode": course_date.venue_postcode,
                "addressCountry": "GB",
            },
        },
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": str(course_date.price),
            "priceCurrency": "GBP",
            "category": "Paid",
            "validThrough": course_date.enrolment_deadline.isoformat(),
            "availability": "https://schema.org/"
            + ("SoldOut" if course_date.is_full else "InStock"),
        },
        "url": url,
    }


def course(course: Course, dates: Iterable[CourseDate], request: HttpRequest) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": course.title,
        "description": course.summary,
        "url": request.build_absolute_uri(course.get_absolute_url()),
        "educationalLevel": course.get_level_display(),
        "timeRequired": f"PT{course.total_hours}H",
        "provider": {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "url": request.build_absolute_uri("/"),
        },
        "offers": {
            "@type": "Offer",
            "price": str(course.price),
            "priceCurrency": "GBP",
            "category": "Paid",
        },
        "hasCourseInstance": [course_instance(d, request) for d in dates],
    }
    if course.entry_requirements:
        data["coursePrerequisites"] = " ".join(course.entry_requirements.split())
    if course.syllabus:
        data["syllabusSections"] = [
            {
                "@type": "Syllabus",
                "name": "What you will learn",
                "description": (" ".join(course.syllabus.split())),
            }
        ]
    tutors = [{"@type": "Person", "name": t.name} for t in course.tutors.all()]
    if tutors:
        for instance in data["hasCourseInstance"]:
            instance["instructor"] = tutors
    if url := image_url(course, request):
        data["image"] = url
    return data


def image_url(course: Course, request: HttpRequest) -> str:
    """The course's picture for sharing: its 1200 × 630 rendition when it has
    renditions (core/images.py), else the stored file; empty without one."""
    if not course.image:
        return ""
    url = course.image.url
    if course.image_width:
        url = course.image.storage.url(images.og_name(course.image.name))
    return request.build_absolute_uri(url)
