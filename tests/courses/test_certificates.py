"""Completion, attendance, certificates and their public verification."""

import io
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from courses import certificates, services
from courses.models import Attendance, Certificate, Enrolment, TeachingDay
from courses.services import EnrolmentError
from directory.models import Qualification
from notifications.models import OutboundEmail
from tests.courses.factories import CourseDateFactory, CourseFactory, EnrolmentFactory
from tests.directory.factories import PractitionerFactory, TechniqueFactory
from tests.users.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def finished_date(days: int = 2, **kwargs):
    """A Deep Tissue date that ended yesterday, with `days` teaching days."""
    deep = TechniqueFactory(name="Deep tissue", slug="deep-tissue")
    trigger = TechniqueFactory(
        name="Trigger point therapy", slug="trigger-point-therapy"
    )
    course = CourseFactory(
        title="Deep Tissue Diploma", techniques=[deep, trigger], total_hours=30
    )
    today = timezone.localdate()
    course_date = CourseDateFactory(
        course=course,
        venue_town="Bath",
        starts_on=today - timedelta(days=max(days, 1)),
        ends_on=today - timedelta(days=1),
        enrolment_deadline=today - timedelta(days=max(days, 1) + 7),
        **kwargs,
    )
    for n in range(days):
        TeachingDay.objects.create(
            course_date=course_date,
            day=course_date.starts_on + timedelta(days=n),
            starts_at=time(9, 30),
            ends_at=time(17, 0),
        )
    return course_date


def confirmed(course_date, student=None, **kwargs) -> Enrolment:
    return EnrolmentFactory(
        course_date=course_date,
        student=student or UserFactory(),
        status=Enrolment.Status.CONFIRMED,
        **kwargs,
    )


def completed(student=None, **kwargs) -> Enrolment:
    enrolment = confirmed(finished_date(), student, **kwargs)
    services.complete_enrolment(enrolment=enrolment)
    enrolment.refresh_from_db()
    return enrolment


# --- numbers --------------------------------------------------------------------------


def test_new_numbers_have_the_printed_shape_and_pass_their_own_check():
    numbers = {certificates.new_number(2026) for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert certificates.normalise(number) == number
        prefix, year, first, second = number.split("-")
        assert (prefix, year) == ("HT", "2026")
        assert len(first) == len(second) == 4


def test_numbers_are_read_as_people_type_them():
    number = certificates.new_number(2026)
    body = number.removeprefix("HT-2026-").replace("-", "")
    for typed in [
        number.lower(),
        f"  {number.replace('-', ' ')} ",
        f"2026{body}",
        f"ht2026-{body[:4]} {body[4:]}",
        number.replace("0", "O").replace("1", "I"),
    ]:
        assert certificates.normalise(typed) == number, typed


@pytest.mark.parametrize(
    "typed, says",
    [
        ("", "Enter the certificate number"),
        ("   ", "Enter the certificate number"),
        ("HT-2026", "ours look like HT-2026-7KQ2-M9X4"),
        ("HT-2026-7KQ2-M9X4-EXTRA", "ours look like"),
        ("<script>alert(1)</script>", "ours look like"),
        ("HT-26-7KQ2-M9X4", "ours look like"),
        ("HT-2026-7KQ2-M9XU", "ours look like"),  # U is not in the alphabet
        ("Ⅻ-２０２６", "ours look like"),
        ("x" * 5000, "ours look like"),
    ],
)
def test_malformed_numbers_are_refused_with_a_sentence(typed, says):
    with pytest.raises(certificates.NumberProblem, match=says):
        certificates.normalise(typed)


def test_a_mistyped_character_is_caught_by_the_check_symbol():
    number = certificates.new_number(2026)
    position = 10  # the third random symbol
    wrong = certificates.ALPHABET[
        (certificates.ALPHABET.index(number[position]) + 1) % 32
    ]
    typo = number[:position] + wrong + number[position + 1 :]
    with pytest.raises(certificates.NumberProblem, match="typing mistake"):
        certificates.normalise(typo)


# --- issuing --------------------------------------------------------------------------


def test_completing_issues_a_certificate_with_what_it_says_and_emails_it():
    student = UserFactory(email="rosa@example.com")
    enrolment = completed(student, full_name="Rosa Martínez")

    certificate = enrolment.certificate
    assert certificates.normalise(certificate.number) == certificate.number
    assert certificate.full_name == "Rosa Martínez"
    assert certificate.course_title == "Deep Tissue Diploma"
    assert certificate.venue_town == "Bath"
    assert certificate.hours == 30
    assert (certificate.starts_on, certificate.ends_on) == (
        enrolment.course_date.starts_on,
        enrolment.course_date.ends_on,
    )
    assert {t.slug for t in certificate.techniques.all()} == {
        "deep-tissue",
        "trigger-point-therapy",
    }
    assert certificate.is_valid and not certificate.linked_from_profile
    email = OutboundEmail.objects.get(kind="course.certificate")
    assert email.to == "rosa@example.com"
    assert certificate.number in email.text_body
    assert f"/verify/{certificate.number}/" in email.text_body


def test_a_later_change_to_the_course_does_not_rewrite_a_certificate():
    enrolment = completed()
    course = enrolment.course_date.course
    course.title = "Renamed Diploma"
    course.save()
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.course_title == "Deep Tissue Diploma"


def test_a_refused_completion_issues_no_certificate():
    enrolment = EnrolmentFactory(status=Enrolment.Status.CONFIRMED)  # not ended
    with pytest.raises(EnrolmentError, match="before the course ends"):
        services.complete_enrolment(enrolment=enrolment)
    assert not Certificate.objects.exists()
    assert not OutboundEmail.objects.filter(kind="course.certificate").exists()


def test_verified_techniques_carry_the_certificate_number():
    practitioner = PractitionerFactory()
    enrolment = completed(practitioner.user)
    numbers = set(
        practitioner.qualifications.values_list("certificate_number", flat=True)
    )
    assert numbers == {enrolment.certificate.number}


# --- attendance and completing a date -------------------------------------------------


def test_the_register_records_present_and_absent_for_days_that_have_begun():
    course_date = finished_date(days=2)
    later = TeachingDay.objects.create(  # a day still to come is left alone
        course_date=course_date,
        day=timezone.localdate() + timedelta(days=1),
        starts_at=time(9, 30),
        ends_at=time(12, 0),
    )
    rosa, sam = confirmed(course_date), confirmed(course_date)
    first, second = list(course_date.days.order_by("day"))[:2]
    saved = services.record_attendance(
        course_date=course_date,
        present={(rosa.pk, first.pk), (rosa.pk, second.pk), (sam.pk, first.pk)},
    )
    assert saved == 4
    marks = dict(
        Attendance.objects.filter(teaching_day=second).values_list(
            "enrolment_id", "present"
        )
    )
    assert marks == {rosa.pk: True, sam.pk: False}
    assert not Attendance.objects.filter(teaching_day=later).exists()

    # Saving again corrects a mark rather than adding one.
    services.record_attendance(
        course_date=course_date,
        present={(rosa.pk, first.pk), (rosa.pk, second.pk), (sam.pk, first.pk),
                 (sam.pk, second.pk)},
    )  # fmt: skip
    assert Attendance.objects.count() == 4
    assert Attendance.objects.get(enrolment=sam, teaching_day=second).present


def test_no_attendance_can_be_recorded_before_the_first_day():
    course_date = CourseDateFactory()
    TeachingDay.objects.create(
        course_date=course_date,
        day=course_date.starts_on,
        starts_at=time(9, 30),
        ends_at=time(17, 0),
    )
    with pytest.raises(EnrolmentError, match="No teaching day"):
        services.record_attendance(course_date=course_date, present=set())
    assert not Attendance.objects.exists()


def test_completing_a_date_completes_those_who_attended_every_day_only():
    course_date = finished_date(days=2)
    present, absent, unrecorded = (confirmed(course_date) for _ in range(3))
    reserved = EnrolmentFactory(course_date=course_date)  # deposit never paid
    first, second = course_date.days.order_by("day")
    services.record_attendance(
        course_date=course_date,
        present={(present.pk, first.pk), (present.pk, second.pk),
                 (absent.pk, first.pk)},
    )  # fmt: skip
    Attendance.objects.filter(enrolment=unrecorded).delete()

    done = services.complete_course_date(course_date=course_date)

    assert done.completed == [present]
    assert dict(done.skipped) == {
        absent: "missed 1 day",
        unrecorded: "attendance not recorded for 2 days",
    }
    statuses = dict(
        Enrolment.objects.filter(course_date=course_date).values_list("pk", "status")
    )
    assert statuses == {
        present.pk: "completed",
        absent.pk: "confirmed",
        unrecorded.pk: "confirmed",
        reserved.pk: "reserved",
    }
    assert Certificate.objects.get().enrolment == present
    # Run again: nothing new, nobody completed twice.
    again = services.complete_course_date(course_date=course_date)
    assert again.completed == [] and Certificate.objects.count() == 1


def test_a_date_without_a_timetable_completes_everyone_confirmed():
    course_date = finished_date(days=0)
    enrolments = [confirmed(course_date) for _ in range(2)]
    done = services.complete_course_date(course_date=course_date)
    assert sorted(e.pk for e in done.completed) == sorted(e.pk for e in enrolments)
    assert Certificate.objects.count() == 2


def test_a_date_cannot_be_completed_before_it_ends():
    course_date = CourseDateFactory()
    enrolment = confirmed(course_date)
    with pytest.raises(EnrolmentError, match="before the course ends"):
        services.complete_course_date(course_date=course_date)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED


# --- revoking -------------------------------------------------------------------------


def test_revoking_withdraws_the_verified_techniques_and_tells_the_graduate():
    practitioner = PractitionerFactory()
    enrolment = completed(practitioner.user)
    certificate = enrolment.certificate
    staff = StaffFactory()

    services.revoke_certificate(
        certificate=certificate, reason="Assessment found to be copied.", by=staff
    )

    certificate.refresh_from_db()
    assert not certificate.is_valid
    assert certificate.revoked_reason == "Assessment found to be copied."
    assert certificate.revoked_by == staff
    assert not practitioner.qualifications.exists()
    # Still offered (they may practise it), no longer vouched for by us.
    assert practitioner.techniques.filter(slug="deep-tissue").exists()
    email = OutboundEmail.objects.get(kind="course.certificate-revoked")
    assert "Assessment found to be copied." in email.text_body
    assert services.grant_course_techniques(enrolment=enrolment) == []


def test_revoking_keeps_a_technique_another_valid_certificate_verifies():
    practitioner = PractitionerFactory()
    first = completed(practitioner.user)
    deep = TechniqueFactory(slug="deep-tissue")
    second_date = finished_date()
    second_date.course.techniques.set([deep])
    second = confirmed(second_date, practitioner.user)
    services.complete_enrolment(enrolment=second)
    second.refresh_from_db()

    services.revoke_certificate(certificate=second.certificate, reason="Error.")

    qualifications = {
        q.technique.slug: q.certificate_number
        for q in practitioner.qualifications.select_related("technique")
    }
    assert qualifications == {
        "deep-tissue": first.certificate.number,
        "trigger-point-therapy": first.certificate.number,
    }


def test_revoking_needs_a_reason_and_happens_once():
    practitioner = PractitionerFactory()
    certificate = completed(practitioner.user).certificate
    with pytest.raises(EnrolmentError, match="Give a reason"):
        services.revoke_certificate(certificate=certificate, reason="  ")
    certificate.refresh_from_db()
    assert certificate.is_valid and practitioner.qualifications.count() == 2

    services.revoke_certificate(certificate=certificate, reason="Issued in error.")
    with pytest.raises(EnrolmentError, match="already revoked"):
        services.revoke_certificate(certificate=certificate, reason="Again.")
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Issued in error."
    assert OutboundEmail.objects.filter(kind="course.certificate-revoked").count() == 1


# --- the graduate's certificate -------------------------------------------------------


def test_the_graduate_downloads_a_real_pdf_with_their_name_and_number(client):
    student = UserFactory()
    enrolment = completed(student, full_name="Zoë Łukasz-Πέτρος")
    client.force_login(student)

    page = client.get(enrolment.get_absolute_url()).content.decode()
    download = reverse("courses:certificate", args=[enrolment.pk])
    assert download in page and enrolment.certificate.number in page

    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        f'filename="certificate-{enrolment.certificate.number}.pdf"'
        in response["Content-Disposition"]
    )
    assert response.content.startswith(b"%PDF-")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Zoë Łukasz-Πέτρος" in text
    assert enrolment.certificate.number in text
    assert "Deep Tissue Diploma" in text
    assert "30 teaching hours" in text
    assert "Deep tissue, Trigger point therapy" in text
    assert f"/verify/{enrolment.certificate.number}/" in text


def test_nobody_else_downloads_a_certificate(client):
    enrolment = completed()
    url = reverse("courses:certificate", args=[enrolment.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(StaffFactory())  # staff use the admin, not someone's account
    assert client.get(url).status_code == 404


def test_there_is_no_certificate_before_completion(client):
    enrolment = confirmed(finished_date())
    client.force_login(enrolment.student)
    url = reverse("courses:certificate", args=[enrolment.pk])
    assert client.get(url).status_code == 404
    assert url not in client.get(enrolment.get_absolute_url()).content.decode()


def test_a_revoked_certificate_is_not_downloaded_and_says_why(client):
    enrolment = completed()
    services.revoke_certificate(
        certificate=enrolment.certificate, reason="Issued in error."
    )
    client.force_login(enrolment.student)
    response = client.get(
        reverse("courses:certificate", args=[enrolment.pk]), follow=True
    )
    html = response.content.decode()
    assert "can no longer be downloaded" in html
    assert "Issued in error." in html


def test_the_graduate_links_their_profile_to_the_certificate(client):
    practitioner = PractitionerFactory()
    enrolment = completed(practitioner.user)
    certificate = enrolment.certificate
    profile = practitioner.get_absolute_url()
    assert certificate.get_absolute_url() not in client.get(profile).content.decode()

    client.force_login(practitioner.user)
    url = reverse("courses:certificate-profile-link", args=[enrolment.pk])
    client.post(url, {"linked": "yes"})
    certificate.refresh_from_db()
    assert certificate.linked_from_profile
    client.logout()
    html = client.get(profile).content.decode()
    assert (
        html.count(f'href="{certificate.get_absolute_url()}"') == 2
    )  # both techniques

    client.force_login(practitioner.user)
    client.post(url, {"linked": "no"})
    assert certificate.get_absolute_url() not in client.get(profile).content.decode()


def test_a_profile_made_after_graduating_gets_the_link_too():
    student = UserFactory()
    enrolment = completed(student)
    services.link_certificate_from_profile(
        certificate=enrolment.certificate, linked=True
    )
    practitioner = PractitionerFactory(user=student)
    services.grant_course_techniques(enrolment=enrolment)
    assert set(
        practitioner.qualifications.values_list("verification_url", flat=True)
    ) == {enrolment.certificate.get_absolute_url()}


def test_someone_else_cannot_link_or_unlink_a_certificate(client):
    enrolment = completed()
    client.force_login(UserFactory())
    url = reverse("courses:certificate-profile-link", args=[enrolment.pk])
    assert client.post(url, {"linked": "yes"}).status_code == 404
    assert not Certificate.objects.get().linked_from_profile


def test_a_revoked_certificate_cannot_be_linked(client):
    enrolment = completed()
    services.revoke_certificate(certificate=enrolment.certificate, reason="Error.")
    client.force_login(enrolment.student)
    url = reverse("courses:certificate-profile-link", args=[enrolment.pk])
    response = client.post(url, {"linked": "yes"}, follow=True)
    assert "cannot link to it" in response.content.decode()
    assert not Certificate.objects.get().linked_from_profile


# --- public verification --------------------------------------------------------------


def test_verifying_a_valid_number_says_for_whom_which_course_and_when(client):
    student = UserFactory(email="rosa.private@example.com")
    enrolment = completed(student, full_name="Rosa Martínez", phone="07700 900777")
    number = enrolment.certificate.number

    response = client.get(reverse("courses:verify-number", args=[number]))

    assert response.status_code == 200
    assert (
        "no-store" in response["Cache-Control"]
        or "no-cache" in response["Cache-Control"]
    )
    html = response.content.decode()
    assert "This certificate is valid" in html
    for shown in ["Rosa Martínez", "Deep Tissue Diploma", "Bath", "30",
                  "Deep tissue, Trigger point therapy",
                  enrolment.course_date.dates_display]:  # fmt: skip
        assert shown in html
    # Nothing else about the person.
    for hidden in ["rosa.private@example.com", "07700 900777", enrolment.reference,
                   enrolment.motivation]:  # fmt: skip
        assert hidden not in html
    assert '<meta name="robots" content="noindex">' in html


def test_a_revoked_certificate_says_so_without_the_reason(client):
    enrolment = completed()
    services.revoke_certificate(
        certificate=enrolment.certificate, reason="Private disciplinary matter."
    )
    html = client.get(enrolment.certificate.get_absolute_url()).content.decode()
    assert "This certificate has been revoked" in html
    assert "This certificate is valid" not in html
    assert "Private disciplinary matter." not in html
    assert "Techniques verified" not in html


def test_the_form_takes_a_number_as_typed_to_its_page(client):
    number = completed().certificate.number
    response = client.get(reverse("courses:verify"), {"number": f" {number.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:verify-number", args=[number])


def test_a_number_in_the_address_as_typed_goes_to_its_printed_form(client):
    number = completed().certificate.number
    response = client.get(f"/verify/{number.lower().replace('-', '')}/")
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{number}/"


def test_an_unknown_number_is_answered_clearly(client):
    number = certificates.new_number(2026)
    response = client.get(reverse("courses:verify-number", args=[number]))
    assert response.status_code == 404
    html = response.content.decode()
    assert f"We have no certificate with the number {number}" in html
    assert "not issued by" in html


@pytest.mark.parametrize(
    "path",
    ["/verify/nonsense/", "/verify/HT-2026-0000-0001/", "/verify/%ff/",
     "/verify/" + "A" * 300 + "/", "/verify/%3Cscript%3E/",
     "/verify/HT-2026-7KQ2-M9XU/"],
)  # fmt: skip
def test_malformed_numbers_in_the_address_are_answered_never_a_500(client, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "That is not a number we can check" in html
    assert "<script>" not in html


@pytest.mark.parametrize("typed", ["nonsense", "", "HT-2026-0000-0001", "x" * 100])
def test_the_form_explains_a_malformed_number(client, typed):
    response = client.get(reverse("courses:verify"), {"number": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="invalid-feedback"' in html
    summary = html.split("error-summary", 1)[1].split("</div>", 1)[0]
    assert 'href="#id_number">' in summary
    assert html.index('id="number-help"') < html.index('id="id_number"')
    assert "autofocus" not in html.split('id="id_number"', 1)[1].split(">", 1)[0]


def test_look_ups_are_rate_limited_per_address(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "verify_certificate": "3/m/ip",
    }
    number = completed().certificate.number
    url = reverse("courses:verify-number", args=[number])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(url)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many checks from your connection" in html
    assert "Deep Tissue Diploma" not in html
    # Unknown numbers count too: guessing is what the limit is for.
    other = client.get(
        reverse("courses:verify-number", args=[certificates.new_number(2026)]),
        REMOTE_ADDR="203.0.113.9",
    )
    assert other.status_code == 404


# --- the staff register ---------------------------------------------------------------


def register_url(course_date) -> str:
    return reverse("courses:register", args=[course_date.course.slug, course_date.pk])


def test_only_staff_who_may_change_enrolments_see_the_register(client):
    course_date = finished_date()
    url = register_url(course_date)
    assert client.get(url).status_code == 302  # log in first
    for user in [UserFactory(), UserFactory(is_staff=True)]:  # no permission
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "complete-all"}).status_code == 404
    client.force_login(StaffFactory())
    assert client.get(url).status_code == 200


def test_staff_keep_the_register_and_complete_the_date(client):
    course_date = finished_date(days=2)
    rosa = confirmed(course_date, full_name="Rosa Martínez")
    sam = confirmed(course_date, full_name="Sam Absent")
    first, second = course_date.days.order_by("day")
    client.force_login(StaffFactory())
    url = register_url(course_date)
    page = client.get(url).content.decode()
    assert "Rosa Martínez" in page and "Sam Absent" in page
    assert f'value="{rosa.pk}:{first.pk}"' in page

    response = client.post(
        url,
        {"action": "attendance", "present": [f"{rosa.pk}:{first.pk}",
         f"{rosa.pk}:{second.pk}", f"{sam.pk}:{first.pk}", "junk", "1:x"]},
        follow=True,
    )  # fmt: skip
    assert "Attendance saved (4 marks)." in response.content.decode()

    response = client.post(url, {"action": "complete-all"}, follow=True)
    html = response.content.decode()
    assert "1 student completed" in html
    assert "Sam Absent" in html and "missed 1 day" in html
    rosa.refresh_from_db()
    sam.refresh_from_db()
    assert rosa.status == "completed" and sam.status == "confirmed"

    # Staff decide Sam made the day up: complete on their own.
    response = client.post(url, {"complete-one": str(sam.pk)}, follow=True)
    assert "Sam Absent (" in response.content.decode()
    sam.refresh_from_db()
    assert sam.status == "completed"
    assert Certificate.objects.count() == 2


@pytest.mark.parametrize("value", ["", "abc", "99999999", "-1", "１２"])
def test_completing_a_student_not_on_the_register_is_a_404(client, value):
    course_date = finished_date()
    other = confirmed(finished_date())
    client.force_login(StaffFactory())
    response = client.post(
        register_url(course_date), {"complete-one": value or str(other.pk)}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "confirmed"


def test_the_register_refuses_completion_before_the_end(client):
    course_date = CourseDateFactory()
    enrolment = confirmed(course_date)
    client.force_login(StaffFactory())
    response = client.post(
        register_url(course_date), {"action": "complete-all"}, follow=True
    )
    assert "before the course ends" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == "confirmed"


# --- admin ----------------------------------------------------------------------------


def admin_action(client, model: str, name: str, objects, **data):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    return client.post(
        reverse(f"admin:courses_{model}_changelist"),
        {"action": name, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data},
        follow=True,
    )


def test_staff_revoke_from_the_admin_with_a_reason(client):
    practitioner = PractitionerFactory()
    certificate = completed(practitioner.user).certificate
    client.force_login(StaffFactory())
    page = admin_action(client, "certificate", "revoke", [certificate])
    assert "Revoke certificates" in page.content.decode()
    refused = admin_action(
        client, "certificate", "revoke", [certificate], apply="1", reason=""
    )
    assert "Enter the reason." in refused.content.decode()
    certificate.refresh_from_db()
    assert certificate.is_valid

    admin_action(
        client, "certificate", "revoke", [certificate], apply="1", reason="Error."
    )
    certificate.refresh_from_db()
    assert not certificate.is_valid
    assert not Qualification.objects.filter(practitioner=practitioner).exists()


def test_staff_find_a_certificate_by_its_number_as_typed_and_download_it(client):
    certificate = completed().certificate
    client.force_login(StaffFactory())
    found = client.get(
        reverse("admin:courses_certificate_changelist"),
        {"q": certificate.number.lower().replace("-", " ")},
    )
    assert certificate.full_name in found.content.decode()
    pdf = client.get(reverse("admin:courses_certificate_pdf", args=[certificate.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert (
        certificate.number in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    )


def test_certificates_cannot_be_added_or_deleted_in_the_admin(client):
    certificate = completed().certificate
    client.force_login(StaffFactory())
    assert client.get(reverse("admin:courses_certificate_add")).status_code == 403
    delete = reverse("admin:courses_certificate_delete", args=[certificate.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Certificate.objects.exists()


def test_staff_complete_dates_from_the_admin(client):
    course_date = finished_date(days=0)
    enrolment = confirmed(course_date)
    client.force_login(StaffFactory())
    page = admin_action(client, "coursedate", "complete_dates", [course_date])
    assert "Complete and issue certificates" in page.content.decode()
    done = admin_action(
        client, "coursedate", "complete_dates", [course_date], apply="1"
    )
    assert "1 completed, certificates issued" in done.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == "completed"


# --- privacy --------------------------------------------------------------------------


def test_the_data_download_includes_the_certificate_and_attendance():
    from courses.privacy import export

    enrolment = completed()
    services.record_attendance(
        course_date=enrolment.course_date,
        present={(enrolment.pk, day.pk) for day in enrolment.course_date.days.all()},
    )
    data = export(enrolment.student)
    exported = data["course_enrolments"][0]
    assert exported["certificate"]["number"] == enrolment.certificate.number
    assert exported["certificate"]["revoked"] is None
    assert [mark["present"] for mark in exported["attendance"]] == [True, True]
