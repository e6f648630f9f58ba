import pytest

from courses import emails

EMAIL_EVENTS = [
    "enrolment_received",
    "enrolment_confirmed",
    "enrolment_cancelled",
    "waiting_list_offer",
    "waiting_list_offer_expired",
    "course_starts_soon",
]


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, int]]:
    """Records each courses email as (event, object id), in order."""
    calls: list[tuple[str, int]] = []
    for event in EMAIL_EVENTS:
        original = getattr(emails, event)

        def record(obj, *args, _event=event, _original=original, **kwargs):
            calls.append((_event, obj.pk))
            return _original(obj, *args, **kwargs)

        monkeypatch.setattr(emails, event, record)
    return calls
