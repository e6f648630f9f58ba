"""Periodic jobs (see CELERY_BEAT_SCHEDULE). Thin: the service re-checks each
booking under its row lock, so a repeated or overlapping run changes nothing."""

from celery import shared_task

from . import next_free, services


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=90, time_limit=120)
def lapse_unreviewed_requests() -> int:
    return services.lapse_unreviewed_requests()


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=58)
def release_unpaid_holds() -> int:
    return services.release_unpaid_holds()


# next_free.refresh_stale starts no batch after 80 s: these limits are a backstop.
@shared_task(acks_late=True, ignore_result=True, soft_time_limit=100, time_limit=120)
def refresh_next_free_times() -> int:
    return next_free.refresh_stale()
