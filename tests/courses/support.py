"""Shared helpers for the courses tests."""

EMAIL_EVENTS = [
    "enrolment_received",
    "enrolment_confirmed",
    "enrolment_cancelled",
    "waiting_list_offer",
    "waiting_list_offer_expired",
    "course_starts_soon",
]

ENROLMENT_DETAILS = {
    "full_name": "Rosa Student",
    "phone": "07700 900123",
    "experience": "none",
    "motivation": "I want to train as a massage therapist.",
    "heard_about": "friend",
    "access_needs": "",
}
