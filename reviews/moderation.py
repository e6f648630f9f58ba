"""The automatic checks that hold a review for staff before it is published.

A review is held when its text (or a practitioner's reply) holds a link, an email
address, a phone number or health details (a named condition, a pregnancy, a
medication): a public review must not advertise, expose contact details or make
special-category data about the client public. Staff approve it, or hide it with a
reason, in the admin. Plain Python, no database: tests call `hold_reasons` directly.
"""

import re

LINK = re.compile(
    r"(https?://|www\.|\b[a-z0-9-]+\.(com|co\.uk|uk|org|net|io|info|biz|me)\b)",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Seven or more digits, allowing spaces, dots, dashes, brackets and a leading +.
PHONE = re.compile(r"\+?\(?\d(?:[\s().-]*\d){6,}")
HEALTH_WORDS = (
    "anxiety",
    "arthritis",
    "asthma",
    "cancer",
    "chemo",
    "depression",
    "diabetes",
    "diabetic",
    "diagnosed",
    "diagnosis",
    "epilepsy",
    "fibromyalgia",
    "hiv",
    "medication",
    "miscarriage",
    "multiple sclerosis",
    "pregnancy",
    "pregnant",
    "surgery",
    "tumour",
    "tumor",
)
HEALTH = re.compile(
    r"\b(" + "|".join(re.escape(word) for word in HEALTH_WORDS) + r")\b",
    re.IGNORECASE,
)

CHECKS = (
    (LINK, "a link"),
    (EMAIL, "an email address"),
    (PHONE, "a phone number"),
    (HEALTH, "health details"),
)


def hold_reasons(text: str) -> list[str]:
    """Why `text` must wait for staff (empty: it may be published at once)."""
    reasons = []
    for pattern, reason in CHECKS:
        if pattern.search(text or ""):
            reasons.append(reason)
    # An email address also looks like a link (its domain): name it once.
    if "an email address" in reasons and "a link" in reasons:
        without = EMAIL.sub(" ", text)
        if not LINK.search(without):
            reasons.remove("a link")
    return reasons
