from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What several apps share. It imports no app of the project."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Core"
