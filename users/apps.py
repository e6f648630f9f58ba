from django.apps import AppConfig
from django.db.models.signals import post_migrate


class UsersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "users"
    verbose_name = "Users"

    def ready(self) -> None:
        from .sites import sync_site

        post_migrate.connect(sync_site, sender=self, dispatch_uid="users.sync_site")
        use_ratelimit_cache()


def use_ratelimit_cache() -> None:
    """allauth counts rate limits in Django's default cache and has no setting to
    choose another; point it at the "ratelimit" alias, a Redis that never evicts
    counters early (the cache may drop anything under memory pressure, which
    would reset someone's failed-login count)."""
    from allauth.core.internal import ratelimit
    from django.core.cache import caches
    from django.utils.connection import ConnectionProxy

    ratelimit.cache = ConnectionProxy(caches, "ratelimit")
