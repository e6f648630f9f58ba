import os
from unittest import mock

import pytest
from django.core.cache import cache

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make around it are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate-limit counters live in the cache: every test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def kicks():
    """The outbox's after-commit kicks, recorded instead of published: a worker of
    another checkout sharing the local Redis must never take a test's email. Tests
    that want a real worker point `kicks.side_effect` at their own queue."""
    from notifications.tasks import deliver_email

    with mock.patch.object(deliver_email, "apply_async") as apply_async:
        yield apply_async


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def password() -> str:
    return "a-long-test-passphrase"
