from django.apps import AppConfig
from django.db.models.signals import post_migrate


class UsersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "users"
    verbose_name = "Users"

    def ready(self) -> None:
        from .sites import sync_site

        post_migrate.connect(sync_site, sender=self, dispatch_uid="users.sync_site")
