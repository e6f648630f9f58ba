import io
import os
import threading
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection

from tests.seeding import restore_seeded_rows

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make around it are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _seeded_rows(request):
    """The rows data migrations write (the techniques, the blog's default disclaimer
    and Editors group, the site's name), there for every test that uses the
    database. A transactional test (a browser journey, real commits) empties every
    table when it ends, and plain tests can come after one: pytest keeps the tests
    of Playwright's session-wide browser parameter (`[chromium]`) together, which
    moves the browser journeys in among the plain tests pytest-django put first. So
    when the techniques are missing, every migration's rows are put back with the
    migration's own functions (tests/seeding.py)."""
    uses_database = ("db", "transactional_db", "live_server")
    if not any(name in request.fixturenames for name in uses_database) and not (
        request.node.get_closest_marker("django_db")
    ):
        yield
        return
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        restore_seeded_rows()
    yield


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """`seed_demo`'s data, loaded once for the module that asks for it (it takes
    seconds), inside a transaction rolled back after the module's last test. Each
    test runs in a savepoint of it (pytest-django's test transaction), so what one
    test changes the next never sees. Only for a module whose every test may see
    the demo: it is there from the first test that asks to the module's end."""
    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock():
        restore_seeded_rows()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


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


@pytest.fixture
def stripe_server(settings):
    """Stripe's API, played by a local HTTP server; the site's SDK calls go there.
    With it the site uses Stripe, not the test provider (tests/payments/)."""
    from tests.payments.helpers import WEBHOOK_SECRET
    from tests.payments.stripe_server import API_KEY, FakeStripe

    server = FakeStripe().start()
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    yield server
    server.stop()


class DeliveredMail:
    """The emails sent so far, after the outbox has delivered what is due: reading
    it (len, index, iterate, compare) runs the delivery first, as a worker would."""

    def _sent(self) -> list:
        from django.core import mail

        from notifications import outbox

        outbox.deliver_due()
        return mail.outbox

    def __len__(self) -> int:
        return len(self._sent())

    def __getitem__(self, index):
        return self._sent()[index]

    def __iter__(self):
        return iter(list(self._sent()))

    def __eq__(self, other) -> bool:
        return list(self._sent()) == list(other)


@pytest.fixture
def delivered_mail(mailoutbox) -> DeliveredMail:
    """Emails as they reach people: account emails go through the outbox too."""
    return DeliveredMail()


@pytest.fixture
def calendar_server(settings):
    """A local server publishing iCalendar files; the calendar fetcher may reach
    its one address and port, and no other local address (tests/bookings/)."""
    from tests.bookings.calendar_server import CalendarServer

    server = CalendarServer().start()
    settings.BOOKINGS_CALENDAR_FETCH_TEST_ADDRESSES = [server.address]
    yield server
    server.stop()


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


@pytest.fixture
def run_together(transactional_db):
    """Runs jobs at one moment: each in a thread of its own, with its own database
    connection, all released together by a barrier. Returns, in order, what each job
    returned or the exception it raised. Needs real commits (`transactional_db`):
    one test transaction would hide each thread's writes from the others."""

    def run(*jobs) -> list:
        barrier = threading.Barrier(len(jobs), timeout=30)
        results: list = [None] * len(jobs)

        def one(index, job):
            try:
                barrier.wait()
                results[index] = job()
            except Exception as error:  # the test reads it among the results
                results[index] = error
            finally:
                connection.close()

        threads = [
            threading.Thread(target=one, args=(index, job))
            for index, job in enumerate(jobs)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        return results

    return run
