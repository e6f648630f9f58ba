from celery import shared_task

from . import services


@shared_task(acks_late=True)
def publish_due_posts() -> int:
    return services.publish_due_posts()
