"""Thin Celery tasks: ids in, one outbox call, no logic.

Both may run twice (late acks, redelivery); the outbox claims rows under a lock,
so a second run finds nothing left to do. No ETA/countdown tasks: a reminder is a
row with `send_after`, picked up by the beat sweep.
"""

from celery import shared_task

from . import outbox


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=30, time_limit=60)
def deliver_email(pk: int) -> bool:
    return outbox.deliver_one(pk=pk)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=90, time_limit=120)
def deliver_due_emails() -> int:
    return outbox.deliver_due()


@shared_task(acks_late=True, ignore_result=True)
def strip_old_email_bodies() -> int:
    return outbox.strip_old_bodies()
