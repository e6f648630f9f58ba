"""The two widths every journey is checked at: a phone (390 px) and a desktop
(1280 px). A journey runs its flow once, at one width; on each page it visits it
calls `assert_page_at_both_widths`, which checks the page where it is, then
resizes the same page to the other width and checks it again (no second run of
the flow, so the suite stays fast)."""

from playwright.sync_api import Locator, Page, expect

from tests.browser.axe import assert_accessible

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def assert_fits(page: Page) -> None:
    """Nothing makes the page scroll sideways."""
    width, scroll = page.evaluate("[innerWidth, document.documentElement.scrollWidth]")
    assert scroll <= width, f"{page.url} scrolls sideways at {width}px ({scroll}px)"


def settle(page: Page) -> None:
    """Waits for the CSS transitions under way to end (a resize moves the header
    and panels; a hover fades a button's colours in over 0.15 s): axe must not
    judge a colour halfway."""
    # Polled from here: wait_for_function evaluates a string in the page, which
    # the site's Content Security Policy (no 'unsafe-eval') refuses.
    for _ in range(50):
        if not page.evaluate(
            "document.getAnimations().some("
            "a => a instanceof CSSTransition && a.playState === 'running')"
        ):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{page.url}: CSS transitions still running after 2.5 s")


def _check(page: Page, action: Locator | None, context: str | None) -> None:
    settle(page)
    assert_accessible(page, context)
    assert_fits(page)
    if action is not None:
        expect(action).to_be_visible()


def assert_page_at_both_widths(
    page: Page, action: Locator | None = None, context: str | None = None
) -> None:
    """axe (on `context` only, when given), no sideways scrolling and the page's
    main `action` visible: at the page's own width, then at the other one; the
    page is left at its own width."""
    own = page.viewport_size
    other = PHONE if own["width"] > PHONE["width"] else DESKTOP
    _check(page, action, context)
    page.set_viewport_size(other)
    try:
        _check(page, action, context)
    finally:
        page.set_viewport_size(own)
