"""Developer machine: DEBUG on, email printed by the web server and the worker."""

from .base import *  # noqa: F403
from .base import env, env_bool, mailer

DEBUG = env_bool("DJANGO_DEBUG", True)
MAILERS = {
    "default": mailer(
        env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    )
}
