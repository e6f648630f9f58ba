"""Celery tasks (see CELERY_BEAT_SCHEDULE). Thin: the service re-checks each
booking under its lock, so a repeated or overlapping run invites no one twice."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=90, time_limit=120)
def invite_due() -> int:
    return services.invite_due()
