import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Request ids travel with the tasks a request queues (connects Celery's signals).
from . import request_id  # noqa: E402, F401


@app.task(name="config.ping")
def ping() -> str:
    """Answers "pong": proves a worker is consuming from the broker."""
    return "pong"
