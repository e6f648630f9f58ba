"""Ordering two racing jobs by the row lock the first one takes, not by a head
start: on a busy machine a 0.1 s sleep can be swallowed before the first job
reaches its lock, and the second then goes first."""

import threading
import time

from django.db import DatabaseError, transaction


def wait_until_row_taken(model, pk, *, or_done: threading.Event, timeout=30.0):
    """Returns once another connection holds `model`'s row `pk` (a
    `FOR UPDATE NOWAIT` probe is refused) or `or_done` is set (the first job
    finished before the probe saw it). The probe holds the row only for its own
    statement."""
    deadline = time.monotonic() + timeout
    while not or_done.is_set():
        try:
            with transaction.atomic():
                list(
                    model.objects.select_for_update(nowait=True)
                    .filter(pk=pk)
                    .values_list("pk")
                )
        except DatabaseError:
            return
        assert time.monotonic() < deadline, f"the first job never took {model} {pk}"
        time.sleep(0.005)


def in_order(first: str, *named_jobs, model, pk):
    """Wraps named jobs so that those not named `first` start only once the
    `first` holds `model`'s row `pk` or has finished. `named_jobs`: pairs of
    (name, callable); returns the wrapped callables in the same order."""
    done = {name: threading.Event() for name, _ in named_jobs}

    def wrap(name, job):
        def run():
            if name != first:
                wait_until_row_taken(model, pk, or_done=done[first])
            try:
                return job()
            finally:
                done[name].set()

        return run

    return [wrap(name, job) for name, job in named_jobs]
