"""Developer machine: DEBUG on, email printed by the web server and the worker."""

from .base import *  # noqa: F403
from .base import env, env_bool, mailer

DEBUG = env_bool("DJANGO_DEBUG", True)
MAILERS = {
    "default": mailer(
        env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    )
}

# Off while developing: an edited template must show at once (a stored page is
# keyed by the code as the process started). PAGE_CACHE_SECONDS=3600 tries it.
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "0"))
