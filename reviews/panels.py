"""What reviews shows on other apps' pages (core.panels)."""

from django.utils.safestring import SafeString

from core.jsonld import json_ld
from core.links import absolute_url
from directory.models import Practitioner

from .models import Review

LATEST = 5


def reviews_panel(practitioner: Practitioner) -> dict | None:
    """The latest published reviews (one query; none when there are none), and
    their JSON-LD, naming the business the profile's own JSON-LD describes."""
    if not practitioner.rating_count:
        return None
    latest = list(Review.objects.published().filter(practitioner=practitioner)[:LATEST])
    return {
        "practitioner": practitioner,
        "reviews": latest,
        "more": LATEST,
        "json_ld": reviews_json_ld(practitioner, latest),
    }


def reviews_json_ld(practitioner: Practitioner, reviews: list[Review]) -> SafeString:
    return json_ld(
        {
            "@context": "https://schema.org",
            "@type": "HealthAndBeautyBusiness",
            "@id": absolute_url(practitioner.get_absolute_url()) + "#business",
            "name": practitioner.display_name,
            "review": [
                {
                    "@type": "Review",
                    "author": {"@type": "Person", "name": review.shown_name},
                    "datePublished": review.created_at.date().isoformat(),
                    "reviewRating": {
                        "@type": "Rating",
                        "ratingValue": review.rating,
                        "bestRating": 5,
                        "worstRating": 1,
                    },
                    **({"reviewBody": review.text} if review.text else {}),
                }
                for review in reviews
            ],
        }
    )
