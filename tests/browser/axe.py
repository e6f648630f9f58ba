"""Accessibility check that every browser test runs on each page it visits."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()
BLOCKING = {"serious", "critical"}


def assert_accessible(page, context: str | None = None) -> None:
    """`context`: a selector to check only that part (an open dialog or panel,
    with the page dimmed behind it).

    Waits for the page's `load` event first: a click that navigates returns once
    the new document is committed, and in the moment before the parser makes its
    <html> element `document.documentElement` is null and axe fails on it."""
    page.wait_for_load_state("load")
    results = _axe.run(page, context=context) if context else _axe.run(page)
    violations = [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in BLOCKING
    ]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"Accessibility problems on {page.url}:\n{report}"
