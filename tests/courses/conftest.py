import pytest

from courses import emails

from .support import EMAIL_EVENTS


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
