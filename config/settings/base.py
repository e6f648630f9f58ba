"""Settings shared by every environment.

Every value that differs between machines comes from an environment variable, with a
default that works on a developer machine (local PostgreSQL and Redis).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_hours(name: str, default: str = "") -> list[int]:
    """A comma list of positive whole hours, largest first, each once."""
    items = env_list(name, default)
    if not all(item.isdigit() and int(item) > 0 for item in items):
        raise ImproperlyConfigured(
            f"{name} takes positive whole hours separated by commas, e.g. 48,24,2."
        )
    return sorted({int(item) for item in items}, reverse=True)


SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-local-development-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# `seed_demo` creates accounts with published passwords; production turns it off.
ALLOW_DEMO_DATA = env_bool("DJANGO_ALLOW_DEMO_DATA", True)
SITE_NAME = env("SITE_NAME", "Holistic Touch School & Practitioner Network")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
CONTACT_EMAIL = env("CONTACT_EMAIL", "hello@holistictouch.example")
CONTACT_PHONE = env("CONTACT_PHONE", "01273 000 000")

# The project's own apps. Site-wide jobs find the apps' modules for them in this
# order (core/registry.py): the demo data (later apps build on earlier ones), the
# privacy export and erasure (notifications after the apps whose erasure queues
# emails, so it cancels those too) and the sitemap's sections.
PROJECT_APPS = [
    "core",
    "users",
    "directory",
    "bookings",
    "courses",
    "notifications",
    "blog",
]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_celery_beat",
    *PROJECT_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
            ],
        },
    },
]

# Database: PostgreSQL only; the schema uses its features on purpose.
DATABASE_URL = env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/practitioners")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60"))
    )
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Page queries are short: PostgreSQL's JIT compiler costs more than it saves here.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the cache (sessions stay in the database), allauth's rate limits, Celery.
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "practitioners"),
        "TIMEOUT": 300,
    }
}

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["users.backends.Backend"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login; every address is verified before first use.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "users.forms.SignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up says plainly that an address is taken (people expect it); the password
# reset form answers every address alike (users.allauth_forms).
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_FORMS = {
    "login": "users.allauth_forms.SiteLoginForm",
    "reset_password": "users.allauth_forms.QuietResetPasswordForm",
}
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", "http")
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}

# Staff reach the admin only through allauth's login (and its rate limits).
ADMIN_URL = env("DJANGO_ADMIN_URL", "admin/")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = Path(env("NODE_MODULES_DIR", str(BASE_DIR / "node_modules")))
# Bootstrap and htmx come from their npm packages (package.json); no CDN, no copies.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
# Uploaded photos and images are served by Django itself when DEBUG is on or this is
# set (docker-compose sets it). A busy public site serves /media/ from its proxy.
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", False)

# Email: SMTP settings from the environment; local.py prints to the console.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / ".local" / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"Holistic Touch <{CONTACT_EMAIL}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Content-Security-Policy, enforced: only this site's own scripts, styles and fonts.
# The one exception: blog videos play in YouTube's privacy-enhanced (no-cookie) player.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-src": ["https://www.youtube-nocookie.com"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Celery: Redis broker, JSON only, late acks; beat's schedule lives in the database.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat (one process only) queues these jobs. Each expires before its next run: a run
# not started in time is dropped, as the next one does the same work, so runs never
# pile up in Redis while the workers are down. (django-celery-beat spells
# `expires` expire_seconds.)
CELERY_BEAT_SCHEDULE = {
    "deliver-due-emails": {
        "task": "notifications.tasks.deliver_due_emails",
        "schedule": 60.0,
        "options": {"expire_seconds": 55},
    },
    # Bookings: requests nobody reviewed lapse once their minimum notice begins.
    "bookings-lapse-unreviewed-requests": {
        "task": "bookings.tasks.lapse_unreviewed_requests",
        "schedule": 300.0,
        "options": {"expire_seconds": 240},
    },
    # Bookings: next free times whose time has passed are worked out again.
    "bookings-refresh-next-free-times": {
        "task": "bookings.tasks.refresh_next_free_times",
        "schedule": 300.0,
        "options": {"expire_seconds": 240},
    },
    # Courses: each job is idempotent, so a late or repeated run is harmless.
    "courses-expire-unpaid-reservations": {
        "task": "courses.tasks.expire_unpaid_reservations",
        "schedule": 300.0,
        "options": {"expire_seconds": 240},
    },
    "courses-expire-waiting-list-offers": {
        "task": "courses.tasks.expire_waiting_list_offers",
        "schedule": 300.0,
        "options": {"expire_seconds": 240},
    },
    "courses-queue-start-reminders": {
        "task": "courses.tasks.queue_course_reminders",
        "schedule": 3600.0,
        "options": {"expire_seconds": 3000},
    },
    # Blog: scheduled posts go live within a minute of their publish time.
    "blog-publish-due-posts": {
        "task": "blog.tasks.publish_due_posts",
        "schedule": crontab(),  # every minute
        "options": {"expire_seconds": 55},
    },
}

# Email outbox (notifications/outbox.py). A failed send is retried after
# base * 2**attempts seconds (2, 4, 8, 16 min by default), then marked failed.
NOTIFICATIONS_RETRY_BASE_SECONDS = int(env("NOTIFICATIONS_RETRY_BASE_SECONDS", "60"))
NOTIFICATIONS_MAX_ATTEMPTS = int(env("NOTIFICATIONS_MAX_ATTEMPTS", "5"))
# A row claimed this long ago and still "sending" lost its worker; it is sent again.
# Keep it well above the delivery tasks' hard time limits (120 s) + EMAIL_TIMEOUT.
NOTIFICATIONS_STALE_SENDING_SECONDS = int(
    env("NOTIFICATIONS_STALE_SENDING_SECONDS", "600")
)
# The beat sweep claims no new email after this many seconds; the one in hand still
# has time to finish. Keep it below the sweep's soft time limit (90 s) minus two
# EMAIL_TIMEOUTs (a slow connect plus a slow send).
NOTIFICATIONS_SWEEP_BUDGET_SECONDS = int(
    env("NOTIFICATIONS_SWEEP_BUDGET_SECONDS", "45")
)

# Bookings: the reminder emails of a confirmed appointment, in hours before its start
# (comma list, e.g. "48,24,2"; empty: no reminders). "24" means 24 hours of real
# time, whatever the clocks do in between (docs/bookings.md, "Reminders and clock
# changes").
BOOKING_REMINDER_OFFSETS_HOURS = env_hours("BOOKING_REMINDER_OFFSETS_HOURS", "24")

# Courses: how long an unpaid reservation and a waiting-list offer hold a place,
# when the "course starts soon" reminder goes, and how students pay the deposit
# (placeholders: {deposit}, {deadline}, {reference}, {phone}, {email}).
COURSES_RESERVATION_HOURS = int(env("COURSES_RESERVATION_HOURS", "72"))
COURSES_OFFER_HOURS = int(env("COURSES_OFFER_HOURS", "48"))
COURSES_REMINDER_DAYS = int(env("COURSES_REMINDER_DAYS", "7"))
COURSES_DEPOSIT_INSTRUCTIONS = env(
    "COURSES_DEPOSIT_INSTRUCTIONS",
    "Pay your deposit of {deposit} by {deadline} to keep your place. Call us on "
    "{phone} or email {email} quoting {reference}: we take the deposit by card over "
    "the phone or send you our bank details. Unpaid reservations are released after "
    "that time.",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
