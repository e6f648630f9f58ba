"""What reviews shows on other apps' pages (core.panels)."""

from directory.models import Practitioner

from .models import Review

LATEST = 5


def reviews_panel(practitioner: Practitioner) -> dict | None:
    """The latest published reviews (one query; none when there are none)."""
    if not practitioner.rating_count:
        return None
    latest = list(Review.objects.published().filter(practitioner=practitioner)[:LATEST])
    return {"practitioner": practitioner, "reviews": latest, "more": LATEST}
