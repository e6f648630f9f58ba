"""An anonymous reader gets a page from the page cache, sees an edit at the next
visit, and a signed-in member never gets the stored page (core/pagecache.py)."""

import re

import pytest
from playwright.sync_api import expect

from blog.models import Post
from tests.blog.factories import PostFactory
from tests.browser.axe import assert_accessible
from tests.users.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 3600


def test_a_reader_gets_the_stored_page_then_the_edit_and_a_member_their_own(
    live_server, page, browser
):
    post = PostFactory(title="Massage after a long run", slug="after-a-run")
    url = f"{live_server.url}{post.get_absolute_url()}"
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )

    first = page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Massage after a long run"
    )
    # Again, from the cache: the same page with this request's own nonce, which
    # the policy allows (nothing blocked), and the same validator.
    again = page.goto(url)
    assert again.status in (200, 304)
    assert again.header_value("etag") == first.header_value("etag")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Massage after a long run"
    )
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert_accessible(page)
    assert blocked == []

    # An editor changes the title: the very next visit shows it.
    Post.objects.filter(pk=post.pk).update(title="Massage after a marathon")
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Massage after a marathon"
    )

    # A member signed in sees their own header, never the stored page.
    member = UserFactory(full_name="Morgana Fay")
    context = browser.new_context()
    own = context.new_page()
    own.goto(f"{live_server.url}/accounts/login/")
    own.get_by_label("Email").fill(member.email)
    own.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(TEST_PASSWORD)
    own.get_by_role("button", name="Log in").click()
    expect(own.get_by_role("button", name="Morgana")).to_be_visible()
    own.goto(url)
    expect(own.get_by_role("button", name="Morgana")).to_be_visible()
    expect(own.get_by_role("link", name="Log in")).to_have_count(0)
    context.close()
    # ... and the reader still gets the anonymous page.
    page.goto(url)
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
