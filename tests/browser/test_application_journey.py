"""Applying with documents, and staff reviewing and refusing an application,
on a phone (390 px) and a desktop (1280 px), each page checked with axe."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from directory import services
from directory.models import ApplicationDocument, Practitioner
from tests.browser.axe import assert_accessible
from tests.browser.widths import assert_fits
from tests.directory import documents
from tests.directory.factories import PlaceFactory, TechniqueFactory
from tests.users.factories import TEST_PASSWORD, StaffFactory, UserFactory, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}


@pytest.fixture(params=list(VIEWPORTS))
def sized_page(request, browser):
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    yield context.new_page()
    context.close()


def log_in(page, live_server, email: str, *, staff=None) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if staff is not None:
        page.get_by_role("textbox", name=re.compile("Code")).fill(totp_code(staff))
        page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("link", name="Log in")).to_have_count(0)


def _file(name: str, content: bytes, mime: str) -> dict:
    return {"name": name, "mimeType": mime, "buffer": content}


def test_an_applicant_sends_their_insurance_and_qualifications(live_server, sized_page):
    page = sized_page
    PlaceFactory(kind="outward", name="BA1", key="BA1", latitude=51.39, longitude=-2.37)
    TechniqueFactory(name="Hot stone", slug="hot-stone")
    user = UserFactory(email="applicant@example.com", full_name="Ada Applicant")
    log_in(page, live_server, user.email)

    page.goto(f"{live_server.url}/practitioner/apply/")
    expect(page.get_by_role("heading", name="Join the directory")).to_be_visible()
    expect(page.get_by_role("group", name="Your documents")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Headline").fill("Hot stone massage in Bath")
    page.get_by_label("Hot stone").check()
    page.get_by_label("Clinic or room name").fill("Abbey Rooms")
    page.get_by_label("Street address").fill("3 York Street")
    page.get_by_label("Town").fill("Bath")
    page.get_by_label("Postcode").fill("BA1 1NG")
    # A Word file renamed to .pdf: refused, with the reason, and nothing kept.
    insurance = page.get_by_label(re.compile("Your insurance certificate"))
    qualifications = page.get_by_label(re.compile("Evidence of your qualifications"))
    insurance.set_input_files(
        _file("insurance.pdf", b"PK\x03\x04" + b"x" * 500, "application/pdf")
    )
    qualifications.set_input_files([_file("diploma.jpg", documents.photo().read(),
                                          "image/jpeg")])  # fmt: skip
    page.get_by_role("button", name="Send my application").click()
    summary = page.locator(".error-summary").first
    expect(summary).to_contain_text("“insurance.pdf” is not a PDF or an image")
    assert_accessible(page)
    assert not Practitioner.objects.exists()

    # The files must be chosen again (browsers never keep them): a real PDF now.
    page.get_by_label(re.compile("Your insurance certificate")).set_input_files(
        _file("insurance.pdf", documents.pdf_bytes(), "application/pdf")
    )
    page.get_by_label(re.compile("Evidence of your qualifications")).set_input_files(
        [
            _file("diploma.jpg", documents.photo().read(), "image/jpeg"),
            _file("first-aid.pdf", documents.pdf_bytes("First aid"),
                  "application/pdf"),
        ]
    )  # fmt: skip
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_text("Your application is with our staff")).to_be_visible()
    assert_accessible(page)
    practitioner = Practitioner.objects.get(user=user)
    assert sorted(practitioner.documents.values_list("original_name", flat=True)) == [
        "diploma.jpg",
        "first-aid.pdf",
        "insurance.pdf",
    ]


def test_staff_review_an_application_and_refuse_it_with_a_reason(
    live_server, sized_page
):
    page = sized_page
    technique = TechniqueFactory(name="Hot stone", slug="hot-stone")
    applicant = UserFactory(email="applicant@example.com", full_name="Ada Applicant")
    practitioner = services.apply_as_practitioner(
        user=applicant,
        profile={"display_name": "Ada Applicant", "headline": "Hot stones in Bath",
                 "techniques": [technique], "time_zone": "Europe/London",
                 "qualifications_text": "Level 3 diploma"},
        location={"name": "Abbey Rooms", "address": "3 York Street", "town": "Bath",
                  "postcode": "BA1 1NG"},
        coordinates=(51.38, -2.36),
        documents=[
            (ApplicationDocument.Kind.INSURANCE, documents.pdf("insurance.pdf")),
            (ApplicationDocument.Kind.QUALIFICATION, documents.photo("diploma.jpg")),
        ],
    )  # fmt: skip
    staff = StaffFactory(email="staff@example.com")
    log_in(page, live_server, staff.email, staff=staff)

    # Staff land on the admin's index; its staff pages lead to the applications.
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.get_by_role("link", name="Practitioner applications").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Practitioner applications"
    )
    expect(page.locator("#waiting")).to_have_text(
        "1 application waiting for review, the longest waiting first."
    )
    assert_fits(page)
    assert_accessible(page)
    applications = page.get_by_role("list", name="Applications")
    expect(applications.get_by_role("listitem")).to_have_count(1)
    expect(applications).to_contain_text("Waiting for review")
    applications.get_by_role("link", name="Ada Applicant").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Applicant")
    expect(page.get_by_text("Level 3 diploma")).to_be_visible()
    expect(page.get_by_text("applicant@example.com").first).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="insurance.pdf").click()
    assert download.value.suggested_filename == "insurance.pdf"
    assert Path(download.value.path()).read_bytes() == documents.pdf_bytes()

    # No reason: said plainly, nothing changes.
    page.get_by_role("button", name="Refuse…").click()
    expect(page.locator(".error-summary")).to_contain_text(
        "Enter the reason for refusing."
    )
    assert_accessible(page)
    reason = "The insurance certificate is for another person. Send your own."
    page.get_by_label(re.compile("Reason for refusing")).fill(reason)
    page.get_by_role("button", name="Refuse…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Refuse Ada Applicant’s application?"
    )
    expect(page.locator("#reason")).to_have_text(reason)
    assert_accessible(page)
    practitioner.refresh_from_db()
    assert practitioner.status == Practitioner.Status.APPLIED
    page.get_by_role("button", name="Yes, refuse and send the reason").click()
    expect(page.get_by_text("application is refused")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Application refused")
    assert_accessible(page)
    practitioner.refresh_from_db()
    assert practitioner.status == Practitioner.Status.REFUSED

    # Back to the list: nothing waits any more.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Applications"
    ).click()
    expect(page.locator("#waiting")).to_have_text(
        "No application is waiting for review."
    )
    expect(page.get_by_role("list", name="Applications")).to_contain_text(
        "Application refused"
    )
    assert_fits(page)
    assert_accessible(page)

    # The applicant reads the reason where they apply again.
    page.context.clear_cookies()
    log_in(page, live_server, applicant.email)
    page.goto(f"{live_server.url}/practitioner/apply/")
    expect(page.locator("#refusal")).to_contain_text(reason)
    expect(page.get_by_role("button", name="Send my application again")).to_be_visible()
    assert_accessible(page)
