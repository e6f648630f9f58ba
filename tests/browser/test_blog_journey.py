import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.factories import (
    LocationFactory,
    PlaceFactory,
    PostFactory,
    StaffFactory,
    TagFactory,
    TechniqueFactory,
    VideoFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BACK_PAIN_BODY = """\
Most back pain comes from muscles and joints and settles with time and movement.

## Techniques our therapists use

- **Deep tissue** works into the deeper layers of muscle.
- **Trigger point therapy** releases tender knots that refer pain.

> Massage works best as one part of a plan that keeps you active.
"""


@pytest.fixture
def back_pain_article():
    PlaceFactory(name="Brighton", latitude=50.8225, longitude=-0.1372)
    deep = TechniqueFactory(slug="deep-tissue")
    trigger = TechniqueFactory(slug="trigger-point-therapy")
    stone = TechniqueFactory(slug="hot-stone")
    for name, technique in [("Ada Hughes", deep), ("Ben Okafor", trigger),
                            ("Cara Reid", stone)]:  # fmt: skip
        practitioner = LocationFactory(practitioner__display_name=name).practitioner
        practitioner.techniques.set([technique])
    post = PostFactory(
        title="How massage therapy can help with back pain",
        slug="how-massage-therapy-helps-back-pain",
        summary="How massage helps, which techniques we use, and when to see a GP.",
        body=BACK_PAIN_BODY,
        author=StaffFactory(full_name="Elena Marsh"),
        techniques=[deep, trigger],
        tags=[TagFactory(slug="back-pain", name="Back pain")],
    )
    PostFactory(title="Types of massage", techniques=[deep, stone], author=post.author)
    return post


def test_a_reader_goes_from_the_back_pain_article_to_practitioners_nearby(
    live_server, page, back_pain_article
):
    page.goto(f"{live_server.url}/blog/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Blog")
    assert_accessible(page)

    page.get_by_role("link", name="How massage therapy can help with back pain").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "How massage therapy can help with back pain"
    )
    expect(page.get_by_text("By Elena Marsh")).to_be_visible()
    expect(page.get_by_role("heading", name="Related articles")).to_be_visible()
    assert_accessible(page)

    box = page.get_by_role(
        "search",
        name="Find a practitioner for Deep tissue or Trigger point therapy near you",
    )
    box.get_by_label("Your postcode or town").fill("Brighton")
    box.get_by_role("button", name="Find").click()

    expect(page).to_have_url(
        re.compile(
            r"/practitioners/\?where=Brighton"
            r"&technique=deep-tissue&technique=trigger-point-therapy$"
        )
    )
    results = page.locator("#results")
    expect(results.get_by_role("heading", level=2)).to_contain_text(
        "2 practitioners within 10 miles of Brighton"
    )
    cards = results.get_by_role("article")
    expect(cards).to_have_count(2)
    expect(results).to_contain_text("Ada Hughes")
    expect(results).to_contain_text("Ben Okafor")
    expect(results).not_to_contain_text("Cara Reid")
    expect(page.get_by_label("Deep tissue")).to_be_checked()
    expect(page.get_by_label("Trigger point therapy")).to_be_checked()
    assert_accessible(page)


def test_a_video_loads_from_youtube_nocookie_only_when_the_reader_asks(
    live_server, page
):
    video = VideoFactory(
        url="https://www.youtube.com/watch?v=abcDEF12345", title="Easing a stiff back"
    )
    requested = []
    local_host = urlsplit(live_server.url).netloc

    def record(request):
        if urlsplit(request.url).netloc != local_host:
            requested.append(request.url)

    page.on("request", record)
    # Tests never use the network: the player answers from here.
    page.route(
        "https://www.youtube-nocookie.com/**",
        lambda route: route.fulfill(
            content_type="text/html", body="<title>Player</title><p>Playing</p>"
        ),
    )
    page.goto(f"{live_server.url}{video.post.get_absolute_url()}")
    placeholder = page.get_by_role("link", name=re.compile("Play video: Easing"))
    expect(placeholder).to_be_visible()
    assert_accessible(page)
    assert requested == []

    placeholder.click()
    frame = page.locator("iframe[title='Easing a stiff back']")
    expect(frame).to_have_attribute(
        "src", "https://www.youtube-nocookie.com/embed/abcDEF12345?autoplay=1&rel=0"
    )
    expect(page.frame_locator("iframe").get_by_text("Playing")).to_be_visible()
    assert requested == [
        "https://www.youtube-nocookie.com/embed/abcDEF12345?autoplay=1&rel=0"
    ]
    expect(page).to_have_url(re.compile(video.post.get_absolute_url()))
    assert_accessible(page)
