"""The scale generator on an empty database: it refuses a database that is not for
benchmarks and writes the same data twice from one seed. (test_bench.py checks
the data it writes.)"""

import pytest
from django.conf import settings

from bench import scale
from bookings.models import Booking
from directory.models import Practitioner
from tests.bench.test_bench import SMALL

pytestmark = pytest.mark.django_db


def test_the_generator_refuses_a_database_that_is_not_for_benchmarks(monkeypatch):
    # Named here: the test database's own name may end in _bench (test_wt_bench).
    monkeypatch.setitem(settings.DATABASES["default"], "NAME", "test_practitioners")
    with pytest.raises(scale.NotABenchDatabase, match="must end in _bench"):
        scale.generate(seed=1, sizes=SMALL)
    assert not Practitioner.objects.exists()


def test_the_generator_is_repeatable(monkeypatch):
    monkeypatch.setattr(scale, "check_database", lambda: "test")

    def snapshot():
        return (
            list(Practitioner.objects.order_by("slug").values_list("slug", "headline")),
            list(
                Booking.objects.order_by("starts_at", "practitioner__slug").values_list(
                    "practitioner__slug", "starts_at"
                )[:200]
            ),
        )

    scale.generate(seed=7, sizes=SMALL, log=lambda *_: None)
    first = snapshot()
    scale.generate(seed=7, sizes=SMALL, log=lambda *_: None)
    assert snapshot() == first
