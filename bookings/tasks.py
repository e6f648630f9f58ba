"""Celery tasks (see CELERY_BEAT_SCHEDULE). Thin: the services re-check each row
under its lock, so a repeated or overlapping run changes nothing."""

from celery import shared_task

from . import external_calendars, next_free, services, waitlist


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


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=58)
def refresh_due_calendars() -> int:
    return external_calendars.refresh_due_calendars()


# The fetch has its own time limit (BOOKINGS_CALENDAR_FETCH_TIMEOUT_SECONDS).
@shared_task(acks_late=True, ignore_result=True, soft_time_limit=90, time_limit=120)
def refresh_external_calendar(calendar_id: int) -> bool:
    return external_calendars.refresh_calendar(calendar_id=calendar_id).ok


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=90, time_limit=120)
def forget_ended_waitlist_requests() -> int:
    return waitlist.forget_ended_requests()
