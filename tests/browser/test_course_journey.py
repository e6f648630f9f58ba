import re

import pytest
from playwright.sync_api import expect

from courses.models import Enrolment
from tests.browser.axe import assert_accessible
from tests.browser.widths import assert_page_at_both_widths
from tests.courses.factories import CourseDateFactory, CourseFactory, full_course_date
from tests.users.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-passphrase"


def test_a_student_finds_a_bath_date_enrols_and_sees_it_in_their_account(
    live_server, page
):
    diploma = CourseFactory(title="Holistic Massage Diploma")
    CourseDateFactory(course=diploma, venue_town="Brighton", places=12)
    bath = CourseDateFactory(
        course=diploma,
        venue_town="Bath",
        venue_name="Widcombe Studios",
        places=4,
    )
    full_course_date(places=2, venue_town="Bath")
    UserFactory(email="rosa@example.com", full_name="Rosa Student")

    page.goto(f"{live_server.url}/courses/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Courses and dates")
    expect(page.get_by_text("Full – join the waiting list")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Town").select_option("Bath")
    results = page.locator("#results")
    expect(results.get_by_text("Brighton", exact=True)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"town=Bath"))
    results.get_by_role(
        "link", name=re.compile(r"Holistic Massage Diploma in Bath")
    ).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Bath")
    expect(page.get_by_text("4 places left")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Enrol on this date").click()

    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enrol on Holistic Massage Diploma"
    )
    assert_page_at_both_widths(
        page, page.get_by_role("button", name="Reserve my place")
    )
    expect(page.get_by_label("Full name")).to_have_value("Rosa Student")
    page.get_by_label("Phone number").fill("07700 900123")
    page.get_by_label("None yet").check()
    page.get_by_label("Why do you want to take this course?").fill(
        "I want to become a massage therapist."
    )
    page.get_by_role("button", name="Reserve my place").click()

    # Straight to the deposit; leaving the payment page keeps the reservation.
    expect(page.get_by_text("Test payment — no money moves")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Abandon")).click()
    expect(page.get_by_role("heading", name="Pay your deposit")).to_be_visible()
    assert_accessible(page)
    enrolment = Enrolment.objects.get(student__email="rosa@example.com")
    assert enrolment.course_date_id == bath.pk

    page.get_by_role("button", name="Rosa").click()
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My courses"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My courses")
    expect(page.get_by_text(enrolment.reference)).to_be_visible()
    expect(page.get_by_text("Reserved – deposit due")).to_be_visible()
    assert_page_at_both_widths(page)

    page.get_by_role("link", name=re.compile("Holistic Massage Diploma")).click()
    page.get_by_role("link", name="Cancel this enrolment").click()
    assert_page_at_both_widths(page)


def test_the_course_pages_fit_a_phone(live_server, browser):
    course_date = CourseDateFactory(venue_town="Bath")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    for url in [
        "/courses/",
        course_date.course.get_absolute_url(),
        course_date.get_absolute_url(),
    ]:
        page.goto(live_server.url + url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} scrolls sideways ({width}px)"
        assert_accessible(page)
    context.close()


def _inside(inner: dict, outer: dict) -> bool:
    return (
        inner["x"] >= outer["x"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_the_full_badge_stays_inside_the_your_place_card(live_server, browser, width):
    course_date = full_course_date(places=1, venue_town="Bath")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + course_date.get_absolute_url())

    card = page.get_by_role("complementary", name="Your place")
    badge = card.get_by_text("Full – join the waiting list")
    expect(badge).to_be_visible()
    assert _inside(badge.bounding_box(), card.bounding_box())
    context.close()


def test_the_full_badge_stays_inside_its_column_on_the_course_page(
    live_server, browser
):
    course_date = full_course_date(places=1, venue_town="Bath")
    context = browser.new_context(viewport={"width": 800, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + course_date.course.get_absolute_url())

    badge = page.get_by_text("Full – join the waiting list")
    expect(badge).to_be_visible()
    column = badge.locator("xpath=..")
    assert _inside(badge.bounding_box(), column.bounding_box())
    context.close()
