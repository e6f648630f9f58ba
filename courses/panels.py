"""What courses shows on other apps' pages (core.panels)."""

from collections.abc import Sequence

from directory.models import Technique


def next_course_dates(
    *, techniques: Sequence[Technique], techniques_text: str = ""
) -> dict | None:
    """On a blog post: our next dates teaching the techniques it discusses (the
    panel's template reads them in one query). Nothing for a post without any."""
    if not techniques:
        return None
    return {"techniques": techniques, "techniques_text": techniques_text}
