import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from blog.demo import POSTS, TAGS
from tests.blog.factories import PostFactory, TagFactory, VideoFactory
from tests.browser.axe import assert_accessible
from tests.directory.factories import LocationFactory, PlaceFactory, TechniqueFactory
from tests.users.factories import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The article seed_demo publishes: its title, text, techniques and tags.
BACK_PAIN = next(p for p in POSTS if p.slug == "how-massage-therapy-helps-back-pain")
BACK_PAIN_TITLE = "How massage therapy can help with back pain"
BACK_PAIN_TECHNIQUES = ["deep-tissue", "trigger-point-therapy", "myofascial-release"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
BATH = {"town": "Bath", "postcode": "BA1 1LZ", "latitude": 51.3811, "longitude": -2.359}


@pytest.fixture
def back_pain_article():
    assert BACK_PAIN.title == BACK_PAIN_TITLE
    assert BACK_PAIN.techniques == BACK_PAIN_TECHNIQUES
    PlaceFactory(name="Brighton", latitude=50.8225, longitude=-0.1372)
    techniques = {
        slug: TechniqueFactory(slug=slug)
        for slug in [*BACK_PAIN_TECHNIQUES, "hot-stone"]
    }
    for name, slug, where in [
        ("Ada Hughes", "deep-tissue", {}),
        ("Ben Okafor", "trigger-point-therapy", {}),
        ("Dana Price", "myofascial-release", {}),
        ("Cara Reid", "hot-stone", {}),  # nearby, another technique
        ("Evan Moss", "deep-tissue", BATH),  # the right technique, far away
    ]:
        location = LocationFactory(practitioner__display_name=name, **where)
        location.practitioner.techniques.set([techniques[slug]])
    post = PostFactory(
        title=BACK_PAIN.title,
        slug=BACK_PAIN.slug,
        summary=BACK_PAIN.summary,
        body=BACK_PAIN.body,
        meta_description=BACK_PAIN.meta_description,
        author=StaffFactory(full_name="Elena Marsh"),
        techniques=[techniques[slug] for slug in BACK_PAIN.techniques],
        tags=[TagFactory(slug=slug, name=TAGS[slug]) for slug in BACK_PAIN.tags],
    )
    PostFactory(
        title="Types of massage",
        techniques=[techniques["deep-tissue"], techniques["hot-stone"]],
        author=post.author,
    )
    return post


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_a_reader_goes_from_the_back_pain_article_to_practitioners_nearby(
    live_server, browser, back_pain_article, viewport
):
    VideoFactory(
        title="Self-massage for a stiff lower back",
        url="https://www.youtube.com/watch?v=HTdemoBack1",
        post=back_pain_article,
    )
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{live_server.url}/blog/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Blog")
    assert_accessible(page)

    page.get_by_role("link", name=BACK_PAIN_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BACK_PAIN_TITLE)
    expect(page.get_by_text("By Elena Marsh")).to_be_visible()
    for heading in ["Techniques our therapists use", "Deep tissue",
                    "Trigger point therapy", "Myofascial release"]:  # fmt: skip
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Related articles")).to_be_visible()
    # The video waits behind its play button: nothing from YouTube yet.
    play = page.get_by_role(
        "link", name="Play video: Self-massage for a stiff lower back"
    )
    expect(play).to_be_visible()
    expect(page.locator("iframe")).to_have_count(0)
    assert_accessible(page)

    box = page.get_by_role(
        "search",
        name="Find a practitioner for Deep tissue, Myofascial release or "
        "Trigger point therapy near you",
    )
    box.get_by_label("Your postcode or town").fill("Brighton")
    box.get_by_role("button", name="Find").click()

    # The article again, its box now naming who is near, nearest first.
    expect(page).to_have_url(re.compile(r"\?where=Brighton#near-you$"))
    near = page.locator("#near-you")
    expect(near).to_contain_text("3 practitioners within 25 miles of Brighton")
    names = near.get_by_role("listitem")
    expect(names).to_have_count(3)
    for name in ["Ada Hughes", "Ben Okafor", "Dana Price"]:
        expect(names.filter(has_text=name)).to_have_count(1)
    expect(near).not_to_contain_text("Cara Reid")
    expect(near).not_to_contain_text("Evan Moss")
    expect(near.get_by_label("Another postcode or town")).to_have_value("Brighton")
    assert_accessible(page)

    near.get_by_role("link", name="Search with more choices (day, home visits)").click()
    expect(page).to_have_url(re.compile(r"/practitioners/\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["where"] == ["Brighton"]
    assert sorted(query["technique"]) == sorted(BACK_PAIN_TECHNIQUES)
    results = page.locator("#results")
    expect(results.get_by_role("heading", level=2)).to_contain_text(
        "3 practitioners within 25 miles of Brighton"
    )
    cards = results.get_by_role("article")
    expect(cards).to_have_count(3)
    expect(results).not_to_contain_text("Cara Reid")
    expect(results).not_to_contain_text("Evan Moss")
    assert_accessible(page)


def test_an_unknown_place_in_the_box_says_so_and_names_no_one(
    live_server, page, back_pain_article
):
    page.goto(f"{live_server.url}{back_pain_article.get_absolute_url()}")
    box = page.locator("#near-you")
    box.get_by_label("Your postcode or town").fill("Atlantis")
    box.get_by_role("button", name="Find").click()
    expect(box.get_by_role("status")).to_contain_text("We could not find “Atlantis”.")
    expect(box.get_by_label("Your postcode or town")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(box.get_by_role("listitem")).to_have_count(0)
    assert_accessible(page)


def test_a_video_loads_from_youtube_nocookie_only_when_the_reader_asks(
    live_server, page
):
    video = VideoFactory(
        url="https://www.youtube.com/watch?v=abcDEF12345",
        title="Easing a stiff back",
        post=True,
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
    page.goto(f"{live_server.url}{video.shown_in.get_absolute_url()}")
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
    expect(page).to_have_url(re.compile(video.shown_in.get_absolute_url()))
    assert_accessible(page)
