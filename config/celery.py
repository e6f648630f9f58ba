import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

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


@after_setup_logger.connect
@after_setup_task_logger.connect
def redact_secrets(logger, **kwargs) -> None:
    """Celery replaces the root logger's handlers with its own: they redact bearer
    secrets too, like every handler in settings.LOGGING."""
    from config.logfilters import RedactSecrets

    for handler in logger.handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())


@app.task(name="config.ping")
def ping() -> str:
    """Answers "pong": proves a worker is consuming from the broker."""
    return "pong"
