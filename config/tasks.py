"""Site-wide periodic jobs (retention)."""

from celery import shared_task
from django.utils import timezone

from users.models import Session


@shared_task(acks_late=True, ignore_result=True)
def clear_expired_sessions() -> int:
    """Delete expired sessions (what `manage.py clearsessions` does); returns how
    many. Idempotent: a second run finds none."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
