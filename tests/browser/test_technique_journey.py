import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from bookings.models import Booking, HealthIntake
from tests.blog.factories import PostFactory, VideoFactory
from tests.bookings.factories import bookable_service
from tests.browser.widths import assert_page_at_both_widths
from tests.clock import future_day
from tests.courses.factories import CourseDateFactory, CourseFactory
from tests.directory.factories import LocationFactory, PlaceFactory, TechniqueFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BATH = {"town": "Bath", "postcode": "BA1 1LZ", "latitude": 51.3811, "longitude": -2.359}


def test_a_reader_goes_from_an_article_to_a_technique_to_a_practitioner_and_books(
    live_server, page
):
    PlaceFactory(name="Brighton", latitude=50.8225, longitude=-0.1372)
    deep = TechniqueFactory(slug="deep-tissue", name="Deep tissue")
    deep.body = "## Who it helps\n\nPeople with long-standing tension."
    deep.save()
    ada = LocationFactory(practitioner__display_name="Ada Hughes").practitioner
    ada.techniques.add(deep)
    service = bookable_service(practitioner=ada, slot_interval_minutes=60)
    far = LocationFactory(practitioner__display_name="Evan Moss", **BATH).practitioner
    far.techniques.add(deep)
    post = PostFactory(title="Easing back pain", techniques=[deep])
    course = CourseFactory(title="Deep Tissue Diploma", techniques=[deep])
    CourseDateFactory(course=course, venue_town="Bath")
    VideoFactory(title="Deep tissue demonstration", techniques=[deep])
    day = future_day(2)

    page.goto(f"{live_server.url}{post.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Easing back pain")
    page.get_by_role("region", name="Topics").get_by_role(
        "link", name="Deep tissue"
    ).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Deep tissue")
    expect(page.get_by_role("heading", name="Who it helps")).to_be_visible()
    expect(page.get_by_role("link", name="Deep Tissue Diploma")).to_be_visible()
    expect(page.get_by_role("link", name="Easing back pain")).to_be_visible()
    expect(
        page.get_by_role("link", name="Deep tissue demonstration", exact=True)
    ).to_be_visible()
    assert_page_at_both_widths(
        page, page.get_by_role("button", name="Show the nearest")
    )
    page.get_by_label("Your postcode or town").fill("Brighton")
    page.get_by_role("button", name="Show the nearest").click()

    expect(
        page.get_by_text("1 practitioner within 25 miles of Brighton")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Evan Moss")).to_have_count(0)
    assert_page_at_both_widths(page)
    page.get_by_role("link", name="Ada Hughes").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Hughes")
    assert_page_at_both_widths(
        page, page.get_by_role("link", name=re.compile(f"^Book {service.name}"))
    )
    page.get_by_role("link", name=re.compile(f"^Book {service.name}")).click()
    expect(page.get_by_role("heading", name="Choose a day and time")).to_be_visible()
    page.locator(f'#slot-picker a[href*="date={day.isoformat()}"]').click()
    # The chosen day's times, not the first day's still on screen: before 10:00
    # the first day (today) has a 10:00 of its own.
    times_heading = f"Times on {day:%A} {day.day} {day:%B}"
    expect(page.get_by_role("heading", name=times_heading)).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^10:00 on")).click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    page.get_by_label("Your name").fill("Gwen Guest")
    page.get_by_label("Email").fill("gwen@example.com")
    page.get_by_label("Phone").fill("07700 900456")
    page.get_by_role("button", name="Continue").click()
    for field, _ in HealthIntake.QUESTIONS:
        page.locator(f'input[name="{field}"][value="no"]').check()
    page.get_by_label(re.compile("I consent")).check()
    page.get_by_role("button", name="Book appointment").click()

    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    assert_page_at_both_widths(page)
    booking = Booking.objects.get()
    assert booking.service == service
    assert booking.client_email == "gwen@example.com"


def test_a_video_page_loads_nothing_from_youtube_until_the_visitor_presses_play(
    live_server, page
):
    deep = TechniqueFactory(slug="deep-tissue", name="Deep tissue")
    video = VideoFactory(
        title="Deep tissue demonstration",
        url="https://www.youtube.com/watch?v=abcDEF12345",
        techniques=[deep],
    )
    VideoFactory(title="Another deep video", techniques=[deep])
    requested = []
    local_host = urlsplit(live_server.url).netloc
    page.on(
        "request",
        lambda request: (
            requested.append(request.url)
            if urlsplit(request.url).netloc != local_host
            else None
        ),
    )
    page.route(
        "https://www.youtube-nocookie.com/**",
        lambda route: route.fulfill(
            content_type="text/html", body="<title>Player</title><p>Playing</p>"
        ),
    )

    page.goto(f"{live_server.url}/videos/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Videos")
    assert_page_at_both_widths(page)
    page.get_by_role("complementary").get_by_role("link", name="Deep tissue").click()
    expect(page).to_have_url(re.compile(r"\?technique=deep-tissue"))
    page.get_by_role("link", name="Deep tissue demonstration", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Deep tissue demonstration"
    )
    expect(page.get_by_role("heading", name="Related videos")).to_be_visible()
    assert_page_at_both_widths(
        page,
        page.get_by_role("link", name="Play video: Deep tissue demonstration").first,
    )
    assert requested == []

    page.get_by_role("link", name="Play video: Deep tissue demonstration").first.click()
    frame = page.locator("iframe[title='Deep tissue demonstration']")
    expect(frame).to_have_attribute(
        "src", "https://www.youtube-nocookie.com/embed/abcDEF12345?autoplay=1&rel=0"
    )
    expect(page.frame_locator("iframe").get_by_text("Playing")).to_be_visible()
    assert requested == [
        "https://www.youtube-nocookie.com/embed/abcDEF12345?autoplay=1&rel=0"
    ]
    assert video.get_absolute_url() in page.url
