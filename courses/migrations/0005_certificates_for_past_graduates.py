"""Enrolments completed before certificates existed get theirs now (no email: the
graduate sees it in their account), and the course qualifications they gave are
tied to it, so that revoking it withdraws them like any other."""

from django.db import migrations
from django.utils import timezone

from courses.certificates import new_number


def issue(apps, schema_editor):
    Enrolment = apps.get_model("courses", "Enrolment")
    Certificate = apps.get_model("courses", "Certificate")
    Practitioner = apps.get_model("directory", "Practitioner")
    Qualification = apps.get_model("directory", "Qualification")
    completed = (
        Enrolment.objects.filter(status="completed", certificate__isnull=True)
        .select_related("course_date__course")
        .order_by("pk")
    )
    for enrolment in completed:
        course_date = enrolment.course_date
        course = course_date.course
        issued_at = enrolment.completed_at or timezone.now()
        number = new_number(timezone.localtime(issued_at).year)
        while Certificate.objects.filter(number=number).exists():
            number = new_number(timezone.localtime(issued_at).year)
        certificate = Certificate.objects.create(
            enrolment=enrolment,
            number=number,
            full_name=enrolment.full_name,
            course_title=course.title,
            venue_town=course_date.venue_town,
            starts_on=course_date.starts_on,
            ends_on=course_date.ends_on,
            hours=course.total_hours,
            issued_at=issued_at,
        )
        techniques = list(course.techniques.all())
        certificate.techniques.set(techniques)
        practitioner = Practitioner.objects.filter(user_id=enrolment.student_id).first()
        if practitioner is not None:
            Qualification.objects.filter(
                practitioner=practitioner,
                technique__in=techniques,
                source="course",
                certificate_number="",
            ).update(certificate_number=number)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0004_course_pages_timetable_certificates"),
        ("directory", "0005_technique_pages_certificate_links"),
    ]

    operations = [migrations.RunPython(issue, migrations.RunPython.noop)]
