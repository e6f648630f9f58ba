from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What several apps share. It imports no app of the project."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import pagecache

        # Every connection reports what it writes (and, for a page being stored,
        # what it reads) to the page cache.
        pagecache.connect()
