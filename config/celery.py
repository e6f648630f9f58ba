import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _spell_redbeat_settings_plainly(sender: Celery, **kwargs) -> None:
    # redbeat looks for its settings by their bare names to decide whether they
    # were given (else it warns and falls back to the broker's); Django's
    # CELERY_-prefixed ones are found by value but not by that check.
    for name in ("redbeat_redis_url", "redbeat_redis_options"):
        sender.conf[name] = sender.conf.get(name)


# Request ids travel with the tasks a request queues (connects Celery's signals).
from . import request_id  # noqa: E402, F401


@app.task(name="config.ping")
def ping() -> str:
    """Answers "pong": proves a worker is consuming from the broker."""
    return "pong"
