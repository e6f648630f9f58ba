import io
import re
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from courses.models import Certificate, Enrolment, TeachingDay
from tests.browser.widths import assert_page_at_both_widths
from tests.courses.factories import CourseDateFactory, CourseFactory, EnrolmentFactory
from tests.directory.factories import TechniqueFactory
from tests.users.factories import (
    TEST_PASSWORD,
    StaffFactory,
    UserFactory,
    totp_code,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, email: str, *, staff=None) -> None:
    """Signs in; `staff` (who must use two-factor) also types the app's code."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if staff is not None:
        page.get_by_role("textbox", name=re.compile("Code")).fill(totp_code(staff))
        page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("link", name="Log in")).to_have_count(0)


def log_out(page) -> None:
    page.context.clear_cookies()


def test_staff_complete_a_date_the_student_downloads_the_certificate_anyone_checks_it(
    live_server, page
):
    deep = TechniqueFactory(name="Deep tissue", slug="deep-tissue")
    course = CourseFactory(title="Deep Tissue Diploma", techniques=[deep])
    today = timezone.localdate()
    course_date = CourseDateFactory(
        course=course,
        venue_town="Bath",
        starts_on=today - timedelta(days=3),
        ends_on=today - timedelta(days=2),
        enrolment_deadline=today - timedelta(days=10),
    )
    for n in range(2):
        TeachingDay.objects.create(
            course_date=course_date,
            day=course_date.starts_on + timedelta(days=n),
            starts_at=time(9, 30),
            ends_at=time(17),
        )
    student = UserFactory(email="rosa@example.com", full_name="Rosa Martínez")
    enrolment = EnrolmentFactory(
        course_date=course_date,
        student=student,
        full_name="Rosa Martínez",
        status=Enrolment.Status.CONFIRMED,
    )
    staff = StaffFactory(email="staff@example.com", full_name="Sam Staff")

    # Staff keep the register and complete the date.
    log_in(page, live_server, "staff@example.com", staff=staff)
    page.goto(f"{live_server.url}{course_date.get_absolute_url()}")
    page.get_by_role("link", name="Register and completion").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Register and completion"
    )
    assert_page_at_both_widths(page, page.get_by_role("button", name="Save attendance"))
    first, second = course_date.days.order_by("day")
    for day in (first, second):
        page.get_by_label(
            f"Rosa Martínez present on {day.day:%A} {day.day.day} {day.day:%B}"
        ).check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved (2 marks).")).to_be_visible()
    page.get_by_role("button", name="Complete everyone who attended every day").click()
    expect(page.get_by_text("1 student completed")).to_be_visible()
    expect(page.get_by_text("Completed", exact=True)).to_be_visible()
    assert_page_at_both_widths(page)
    certificate = Certificate.objects.get(enrolment=enrolment)
    log_out(page)

    # The student downloads the certificate from their account.
    log_in(page, live_server, "rosa@example.com")
    page.goto(f"{live_server.url}/account/courses/")
    page.get_by_role("link", name=re.compile("Deep Tissue Diploma")).click()
    expect(page.get_by_role("heading", name="Your certificate")).to_be_visible()
    expect(page.get_by_text(certificate.number).first).to_be_visible()
    assert_page_at_both_widths(
        page, page.get_by_role("link", name="Download your certificate (PDF)")
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    assert download.value.suggested_filename == f"certificate-{certificate.number}.pdf"
    pdf = Path(download.value.path()).read_bytes()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Rosa Martínez" in text and certificate.number in text
    log_out(page)

    # Anyone checks its number.
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Check a certificate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a certificate")
    assert_page_at_both_widths(page, page.get_by_role("button", name="Check"))
    page.get_by_label("Certificate number").fill(certificate.number.lower())
    page.get_by_role("button", name="Check").click()
    expect(page).to_have_url(re.compile(f"/verify/{certificate.number}/$"))
    expect(
        page.get_by_role("heading", name=re.compile("This certificate is valid"))
    ).to_be_visible()
    expect(page.get_by_text("Rosa Martínez")).to_be_visible()
    expect(page.get_by_text("Deep Tissue Diploma")).to_be_visible()
    assert_page_at_both_widths(page, page.get_by_role("button", name="Check"))

    page.get_by_label("Certificate number").fill("HT-2026-0000-0000")
    page.get_by_role("button", name="Check").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(page.locator("#number-error")).to_contain_text("typing mistake")
    assert_page_at_both_widths(page, page.get_by_role("button", name="Check"))
    summary.get_by_role("link", name=re.compile("typing mistake")).click()
    expect(page.get_by_label("Certificate number")).to_be_focused()
