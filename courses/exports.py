"""Class lists as CSV, for staff (the course date page and the admin)."""

import csv
from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from .models import Enrolment

CSV_HEADER = [
    "reference",
    "course",
    "town",
    "dates",
    "status",
    "full name",
    "email",
    "phone",
    "experience",
    "access or learning needs",
    "deposit",
    "deposit paid at",
    "payment reference",
    "enrolled at",
]


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with these as a formula.
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + text
    return text


def write_class_list(response: HttpResponse, enrolments: Iterable[Enrolment]) -> None:
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for e in enrolments:
        paid_at = timezone.localtime(e.deposit_paid_at) if e.deposit_paid_at else None
        writer.writerow(
            _cell(value)
            for value in [
                e.reference,
                e.course_date.course.title,
                e.course_date.venue_town,
                e.course_date.dates_display,
                e.get_status_display(),
                e.full_name,
                e.student.email,
                e.phone,
                e.get_experience_display(),
                e.access_needs,
                e.deposit,
                f"{paid_at:%Y-%m-%d %H:%M}" if paid_at else "",
                e.payment_reference,
                f"{timezone.localtime(e.created_at):%Y-%m-%d %H:%M}",
            ]
        )


def class_list_response(enrolments: QuerySet[Enrolment], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    write_class_list(
        response,
        enrolments.select_related("course_date__course", "student").order_by(
            "course_date__starts_on", "course_date", "full_name"
        ),
    )
    return response
