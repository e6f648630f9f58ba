import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from directory import services
from directory.models import Practitioner
from tests.browser.widths import assert_page_at_both_widths
from tests.directory import documents
from tests.directory.factories import PlaceFactory, TechniqueFactory
from tests.users.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_therapist_applies_is_approved_and_edits_their_profile(live_server, page):
    PlaceFactory(kind="outward", name="BA1", key="BA1", latitude=51.39, longitude=-2.37)
    TechniqueFactory(slug="deep-tissue")
    TechniqueFactory(slug="reflexology")
    user = UserFactory(email="therapist@example.com", full_name="Tess Therapist")
    log_in(page, live_server, user.email)

    page.goto(f"{live_server.url}/practitioner/")
    expect(page.get_by_role("heading", name="Join the directory")).to_be_visible()
    assert_page_at_both_widths(
        page, page.get_by_role("button", name="Send my application")
    )
    expect(page.get_by_label("Name shown on your profile")).to_have_value(
        "Tess Therapist"
    )
    page.get_by_label("Headline").fill("Reflexology and deep tissue in Bath")
    page.get_by_label("Bio").fill("I have practised for **six** years.")
    page.get_by_label("Deep tissue").check()
    page.get_by_label("Reflexology").check()
    insured = (timezone.localdate() + timedelta(days=300)).isoformat()
    page.get_by_label("Professional insurance expires on").fill(insured)
    page.get_by_label("Prices from (£)").fill("50")
    page.get_by_label("Clinic or room name").fill("Abbey Rooms")
    page.get_by_label("Street address").fill("3 York Street")
    page.get_by_label("Town").fill("Bath")
    page.get_by_label("Postcode").fill("BA1 1NG")
    page.get_by_label(re.compile("Your insurance certificate")).set_input_files(
        {"name": "insurance.pdf", "mimeType": "application/pdf",
         "buffer": documents.pdf_bytes()}
    )  # fmt: skip
    page.get_by_label(re.compile("Evidence of your qualifications")).set_input_files(
        {"name": "diploma.pdf", "mimeType": "application/pdf",
         "buffer": documents.pdf_bytes("Diploma")}
    )  # fmt: skip
    page.get_by_role("button", name="Send my application").click()

    expect(page.get_by_text("Your application is with our staff")).to_be_visible()
    expect(page.get_by_role("heading", name="Your practice")).to_be_visible()
    assert_page_at_both_widths(page)
    practitioner = Practitioner.objects.get(user=user)
    assert practitioner.status == Practitioner.Status.APPLIED

    services.set_status(practitioner=practitioner, status="approved")
    page.reload()
    expect(page.get_by_text("Your profile is listed in the directory.")).to_be_visible()
    page.get_by_role("link", name="Edit profile").click()
    assert_page_at_both_widths(page, page.get_by_role("button", name="Save profile"))
    page.get_by_label("Headline").fill("Reflexology in the heart of Bath")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()

    page.get_by_role("link", name="See your public profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tess Therapist")
    expect(page.get_by_text("Reflexology in the heart of Bath")).to_be_visible()
    expect(page.locator(".bio strong")).to_have_text("six")
    assert_page_at_both_widths(page)
