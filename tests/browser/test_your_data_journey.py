import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, HealthIntake
from tests.bookings.factories import BookingFactory, HealthIntakeFactory
from tests.browser.widths import assert_page_at_both_widths
from tests.users.factories import TEST_PASSWORD, UserFactory
from users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_downloads_their_data_then_deletes_their_account(live_server, page):
    user = UserFactory(email="dana@example.com", full_name="Dana Leaving")
    starts_at = timezone.now().replace(microsecond=0) + timedelta(days=10)
    booking = BookingFactory(
        client=user,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        blocked_starts_at=starts_at,
        blocked_ends_at=starts_at + timedelta(hours=1),
    )
    HealthIntakeFactory(booking=booking, details="Stiff neck after a fall")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Dana")).to_be_visible()

    page.goto(f"{live_server.url}/account/")
    expect(page.get_by_role("heading", name="Your data")).to_be_visible()
    assert_page_at_both_widths(
        page, page.get_by_role("button", name="Download my data")
    )
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    assert re.fullmatch(
        r"my-data-\d{4}-\d{2}-\d{2}\.json", download.value.suggested_filename
    )
    data = json.loads(Path(download.value.path()).read_text())
    assert data["account"]["email"] == "dana@example.com"
    [appointment] = data["appointments"]
    assert appointment["health_answers"]["anything_else"] == "Stiff neck after a fall"

    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Delete your account")).to_be_visible()
    assert_page_at_both_widths(
        page, page.get_by_role("button", name="Delete my account")
    )
    page.get_by_label("Your current password").fill("not-my-password")
    page.get_by_role("button", name="Delete my account").click()
    mistake = "That is not your current password."
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary.get_by_role("link", name=mistake)).to_be_visible()
    assert_page_at_both_widths(
        page, page.get_by_role("button", name="Delete my account")
    )
    assert User.objects.filter(pk=user.pk).exists()

    page.get_by_label("Your current password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Your account is deleted")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert_page_at_both_widths(page)

    assert not User.objects.filter(pk=user.pk).exists()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.client_name == "Deleted client"
    assert not HealthIntake.objects.filter(booking=booking).exists()
    page.goto(f"{live_server.url}/account/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
