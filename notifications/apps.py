from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The outbox hands emails to the delivery task by its name: register it
        # in every process, not only in workers (which discover tasks themselves).
        from . import tasks  # noqa: F401
