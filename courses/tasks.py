"""Periodic jobs (see CELERY_BEAT_SCHEDULE). Each may run twice: the services
re-check every row under its lock, so a repeated run changes nothing."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def expire_unpaid_reservations() -> int:
    return services.expire_unpaid_reservations()


@shared_task(acks_late=True)
def expire_waiting_list_offers() -> int:
    return services.expire_waiting_list_offers()


@shared_task(acks_late=True)
def queue_course_reminders() -> int:
    return services.queue_course_reminders()


@shared_task(acks_late=True)
def queue_balance_reminders() -> int:
    return services.queue_balance_reminders()
