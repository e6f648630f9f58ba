"""Thin Celery tasks: one service call, no logic (it may run twice)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=90, time_limit=120)
def delete_refused_application_documents() -> int:
    return services.delete_refused_application_documents()
