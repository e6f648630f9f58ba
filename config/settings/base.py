"""Settings shared by every environment.

Every value that differs between machines comes from an environment variable, with a
default that works on a developer machine (local PostgreSQL and Redis).
"""

import os
from pathlib import Path
from urllib.parse import urlparse

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


def media_origins(storage: dict) -> list[str]:
    """Where uploaded images load from when they are not on this site: the
    Content-Security-Policy lets pages show them."""
    options = storage.get("OPTIONS", {})
    if "bucket_name" not in options:
        return []
    if options["custom_domain"]:
        return [f"{options['url_protocol']}//{options['custom_domain']}"]
    if options["endpoint_url"]:
        endpoint = urlparse(options["endpoint_url"])
        return [f"{endpoint.scheme}://{endpoint.netloc}"]
    bucket = options["bucket_name"]
    return [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.*"]


def redis_database(url: str, offset: int) -> str:
    """`url` with its database number moved up by `offset` (redis://h:6379/2 -> /3):
    the default home of each Redis role on a single server."""
    parsed = urlparse(url)
    number = int(parsed.path.lstrip("/") or 0) + offset
    return parsed._replace(path=f"/{number}").geturl()


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
    "reviews",
    "payments",
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
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    *PROJECT_APPS,
]

MIDDLEWARE = [
    # First: every log line of the request, and the tasks it queues, carry its id.
    "config.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RefuseNulBytes",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "config.middleware.ReportingEndpoints",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses pages: Django's GZipMiddleware with its BREACH mitigation (random
    # padding in the gzip header), text types only. Below whitenoise, which serves
    # static files already compressed; above every middleware that reads or changes
    # a response body (a page cache or ETag middleware goes below it), so that it
    # compresses last (architecture.md).
    "config.middleware.CompressText",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's AuthenticationMiddleware, using the user read with the session
    # (config/sessions.py).
    "config.middleware.Authentication",
    # Django's MessageMiddleware and ContentSecurityPolicyMiddleware, without their
    # per-request waste (config/middleware.py: the storage made on first use, the
    # policy built once while no nonce is used).
    "config.middleware.LazyMessages",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicy",
    "allauth.account.middleware.AccountMiddleware",
    "config.middleware.StaffNeedTwoFactor",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: a stored page this process keeps is answered before the URL is
    # resolved (core/pagecache.py, architecture.md "Page cache").
    "core.pagecache.ServeKeptPages",
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
                "config.context_processors.two_factor",
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
# Prepared statements: Django's queries use client-side binding and are never
# prepared; the session read (config/sessions.py) is, where psycopg's
# prepare_threshold is set. Behind PgBouncer in transaction mode a connection is
# shared between clients between transactions: no server-side cursors, no
# prepared statements (docs/operations.md, "PgBouncer").
if env_bool("DATABASE_PGBOUNCER_TRANSACTION_MODE", False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
else:
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis has three roles, each with its own URL, because each needs its own eviction
# policy once they move to separate servers (docs/operations.md, "Redis"):
#   the cache (evict anything: allkeys-lru), allauth's rate-limit counters (never
#   evicted early: volatile-ttl or noeviction), and Celery's broker, results and
#   beat schedule (never evicted: noeviction).
# On one server they default to REDIS_URL's database and the next two numbers.
# Sessions stay in the database, so signing in survives a Redis outage; while the
# cache's or the counters' Redis is down, that alias answers from each process's
# memory (config/cache.py): sign-in and its rate limits keep working, the outage
# is logged.
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_cache_options() -> dict:
    return {
        "PRIMARY": "django.core.cache.backends.redis.RedisCache",
        "RETRY_AFTER": int(env("CACHE_RETRY_AFTER_SECONDS", "30")),
        # A request never waits long for a Redis that does not answer.
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
    }


REDIS_CACHE_URL = env("REDIS_CACHE_URL", REDIS_URL)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", redis_database(REDIS_URL, 1))
REDIS_RATELIMIT_URL = env("REDIS_RATELIMIT_URL", redis_database(REDIS_URL, 2))
CACHES = {
    "default": {
        "BACKEND": "config.cache.FallbackCache",
        "LOCATION": REDIS_CACHE_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "practitioners"),
        "TIMEOUT": 300,
        "OPTIONS": redis_cache_options(),
    },
    # allauth counts failed logins here (users/apps.py points it at this alias),
    # and so do the site's own abuse limits (core/ratelimit.py).
    "ratelimit": {
        "BACKEND": "config.cache.FallbackCache",
        "LOCATION": REDIS_RATELIMIT_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "practitioners"),
        "OPTIONS": redis_cache_options(),
    },
}

# The page cache (core/pagecache.py, docs/architecture.md "Page cache"): the pages
# anonymous visitors see, kept in this cache alias at most this many seconds (and
# never past midnight or the moment a page changes with the clock); 0 switches it
# off. A page is served only while no table it read has been written since.
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "3600"))
PAGE_CACHE_ALIAS = "default"
# Tables whose reads and writes never make a stored page out of date: sessions are
# read to learn that a visitor is anonymous, and written by every visitor.
PAGE_CACHE_IGNORED_TABLES = ["users_session", "django_session"]

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["users.backends.Backend"]
# Argon2 for new and changed passwords; the others still check older hashes, which
# Django re-hashes with Argon2 at the person's next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
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
# The link in the verification email confirms the address in one click (no second
# "Confirm" button) and, in the browser that signed up (allauth keeps the pending
# sign-in in that session), signs the person in. A link opened elsewhere confirms
# the address and leads to the login page. An expired, used or forged link shows
# templates/account/email_confirm.html's "no longer works" page.
ACCOUNT_CONFIRM_EMAIL_ON_GET = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up says plainly that an address is taken (people expect it); the password
# reset form answers every address alike (users.allauth_forms).
ACCOUNT_PREVENT_ENUMERATION = False
# allauth's emails are written to the outbox and sent by the worker, like every
# other email (notifications/accounts.py): a mail server outage delays them
# instead of failing the page.
ACCOUNT_ADAPTER = "notifications.accounts.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "users.allauth_forms.SiteLoginForm",
    "signup": "users.allauth_forms.SiteSignupForm",
    "reset_password": "users.allauth_forms.QuietResetPasswordForm",
    "reset_password_from_key": "users.allauth_forms.SiteResetPasswordKeyForm",
    "change_password": "users.allauth_forms.SiteChangePasswordForm",
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
    # The site's own (core/ratelimit.py). Each of these emails an address someone
    # typed, or computes free times: per IP, and per address or account.
    "booking": "10/h/ip,3/h/key",
    "manage_link": "10/h/ip,3/h/key",
    "enrol": "20/h/ip,10/h/user",
    "waiting_list": "20/h/ip,10/h/user",
    # An appointment waiting list (bookings/waitlist.py) emails the address typed.
    "appointment_waitlist": "10/h/ip,3/h/key",
    # Connecting or refreshing another calendar fetches the address typed.
    "calendar_fetch": "60/h/ip,20/h/user",
    # Writing or changing a review, a practitioner's reply or report.
    "review": "20/h/ip,10/h/key",
    "slots": "120/m/ip",
    "csp_report": "30/m/ip",
    # Certificate look-ups at /verify/<number>/ (courses/certificate_views.py).
    "verify_certificate": env("COURSES_VERIFY_RATE_LIMIT", "20/m/ip,200/h/ip"),
}

# Behind the TLS proxy, the client's address is the last X-Forwarded-For entry (the
# one the proxy added); anything before it came from the client and is ignored.
# Directly reached, X-Forwarded-For is ignored altogether and REMOTE_ADDR counts.
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)
ALLAUTH_TRUSTED_PROXY_COUNT = int(
    env("ALLAUTH_TRUSTED_PROXY_COUNT", "1" if BEHIND_TLS_PROXY else "0")
)
# The proxy passes the visitor's Host on as X-Forwarded-Host; Django checks it
# against ALLOWED_HOSTS like any Host header.
USE_X_FORWARDED_HOST = BEHIND_TLS_PROXY
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Security notices by email: password changed, two-factor turned on or off, ...
ACCOUNT_EMAIL_NOTIFICATIONS = True

# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) with
# recovery codes, or a security key (WebAuthn). Required for staff
# (config.middleware.StaffNeedTwoFactor), offered to everyone else.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# The authenticator app's QR code is drawn by segno (users/mfa.py).
MFA_ADAPTER = "users.mfa.MFAAdapter"
MFA_TOTP_ISSUER = "Holistic Touch"
# One 30-second step either side, for phones whose clock drifts a little.
MFA_TOTP_TOLERANCE = 1
# WebAuthn needs HTTPS, except on a developer's own http://localhost.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool(
    "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", DEBUG
)

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
# Bootstrap is served as built by `make deps` into build/static/: its CSS cut to the
# rules the site's templates use (scripts/build-css.mjs, css/bootstrap.min.css) and
# its JavaScript to the components they use (scripts/build-js.mjs,
# js/bootstrap.min.js) (docs/operations.md).
ASSETS_BUILD_DIR = BASE_DIR / "build" / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ASSETS_BUILD_DIR,
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

# Media on S3-compatible object storage (AWS S3, MinIO, Ceph, Scaleway, ...) once a
# bucket is named; local files otherwise. Several web nodes need this (or a shared
# volume): a photo uploaded through one node must be readable through the others.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        # S3Storage, with Cache-Control per object: a year for the images named
        # after their content, a day for the others (core/storage.py).
        "BACKEND": "core.storage.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            # Public images (photos, post and course images) at stable URLs: no
            # signed query strings that change on every page and defeat caches.
            "querystring_auth": False,
            "default_acl": None,
            "file_overwrite": False,
            "custom_domain": env("AWS_S3_CUSTOM_DOMAIN") or None,
            "url_protocol": env("AWS_S3_URL_PROTOCOL", "https:"),
        },
    }
    # Keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (boto3 reads them),
    # or the machine's role.

# Private files (practitioners' insurance certificates and qualification evidence):
# a storage of their own that nothing serves. Locally a directory outside
# MEDIA_ROOT, so neither the proxy, whitenoise nor DJANGO_SERVE_MEDIA ever reaches
# it; with AWS_PRIVATE_STORAGE_BUCKET_NAME, a private bucket (objects private, no
# public policy). Staff read the files through directory:application-document only.
PRIVATE_MEDIA_ROOT = Path(
    env("DJANGO_PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private-media"))
)
STORAGES["private"] = {
    "BACKEND": "directory.storage.PrivateFileSystemStorage",
    "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
}
AWS_PRIVATE_STORAGE_BUCKET_NAME = env("AWS_PRIVATE_STORAGE_BUCKET_NAME")
if AWS_PRIVATE_STORAGE_BUCKET_NAME:
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_PRIVATE_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "private, no-store"},
        },
    }

# Email: Django's MAILERS, one mailer ("default"). Its backend comes from
# EMAIL_BACKEND (SMTP here, the console in local.py, memory in tests), its options
# from the variables that backend reads (`mailer` below).
# Seconds an SMTP connect or send may take; the outbox's time limits allow for it.
MAIL_TIMEOUT_SECONDS = 20


def mailer(backend: str) -> dict:
    """A MAILERS entry for `backend`, with the options that backend takes: the SMTP
    server's from EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD and
    EMAIL_USE_TLS; the file backend's directory from EMAIL_FILE_PATH; none for the
    others (console, memory)."""
    options = {}
    if backend == "django.core.mail.backends.smtp.EmailBackend":
        options = {
            "host": env("EMAIL_HOST", "localhost"),
            "port": int(env("EMAIL_PORT", "25")),
            "username": env("EMAIL_HOST_USER"),
            "password": env("EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "timeout": MAIL_TIMEOUT_SECONDS,
        }
    elif backend == "django.core.mail.backends.filebased.EmailBackend":
        options = {
            "file_path": env("EMAIL_FILE_PATH", str(BASE_DIR / ".local" / "mail"))
        }
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {
    "default": mailer(
        env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    )
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"Holistic Touch <{CONTACT_EMAIL}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Where a pay button's form ends up: its POST is answered with a redirect to
# Stripe-hosted Checkout, and browsers (Chromium) apply form-action to that redirect
# too. Stripe's own address unless the account has a custom Checkout domain.
STRIPE_CHECKOUT_ORIGIN = env("STRIPE_CHECKOUT_ORIGIN", "https://checkout.stripe.com")

# Content-Security-Policy, enforced: only this site's own scripts, styles and fonts.
# The one exception: blog videos play in YouTube's privacy-enhanced (no-cookie) player.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", *media_origins(STORAGES["default"])],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-src": ["https://www.youtube-nocookie.com"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF, STRIPE_CHECKOUT_ORIGIN],
    "frame-ancestors": [CSP.NONE],
    # Browsers report what the policy blocked to /csp-report/ (config.views):
    # report-to for the Reporting API, report-uri for the browsers without it.
    "report-uri": ["/csp-report/"],
    "report-to": ["csp"],
}
# The Reporting-Endpoints header names the "csp" group (config.middleware).
REPORTING_ENDPOINTS = {"csp": "/csp-report/"}
# Features no page of the site uses are off for it and for any frame it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "serial",
        "xr-spatial-tracking",
    ]
}
# The blog's YouTube player may go full screen; WebAuthn (security keys) is ours.
PERMISSIONS_POLICY["fullscreen"] = ["self", "https://www.youtube-nocookie.com"]
PERMISSIONS_POLICY["publickey-credentials-get"] = ["self"]
PERMISSIONS_POLICY["publickey-credentials-create"] = ["self"]
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions stay in the database (sign-in keeps working while Redis is down); this
# engine reads them with one query written once (config/sessions.py).
SESSION_ENGINE = "config.sessions"
CSRF_COOKIE_HTTPONLY = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Celery: Redis broker, JSON only, late acks. Beat is celery-redbeat: its schedule
# and a lock live in the broker's Redis, so a second beat process waits as a hot
# standby and takes over when the first stops (docs/operations.md, "Celery").
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
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
# Django's LOGGING (JSON in production, with request ids) formats the worker's logs.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_IMPORTS = ["config.tasks"]
CELERY_BEAT_SCHEDULER = "config.beat.Scheduler"
CELERY_REDBEAT_REDIS_URL = env("CELERY_REDBEAT_REDIS_URL", CELERY_BROKER_URL)
CELERY_REDBEAT_REDIS_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_REDBEAT_KEY_PREFIX = env("CELERY_REDBEAT_KEY_PREFIX", "redbeat:")
# The active beat wakes at least this often, renews its lock and writes a heartbeat;
# a standby takes over at most CELERY_REDBEAT_LOCK_TIMEOUT seconds after it died.
CELERY_BEAT_MAX_LOOP_INTERVAL = int(env("CELERY_BEAT_MAX_LOOP_INTERVAL", "10"))
CELERY_REDBEAT_LOCK_TIMEOUT = int(env("CELERY_REDBEAT_LOCK_TIMEOUT", "60"))
# /healthz/ready reports beat as late when its heartbeat is older than this.
BEAT_HEARTBEAT_MAX_AGE_SECONDS = int(env("BEAT_HEARTBEAT_MAX_AGE_SECONDS", "120"))
# Beat queues these jobs. Each expires before its next run: a run not started in
# time is dropped, as the next one does the same work, so runs never pile up in
# Redis while the workers are down.
CELERY_BEAT_SCHEDULE = {
    "deliver-due-emails": {
        "task": "notifications.tasks.deliver_due_emails",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Bookings: requests nobody reviewed lapse once their minimum notice begins.
    "bookings-lapse-unreviewed-requests": {
        "task": "bookings.tasks.lapse_unreviewed_requests",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    # Bookings: next free times whose time has passed are worked out again.
    "bookings-refresh-next-free-times": {
        "task": "bookings.tasks.refresh_next_free_times",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    # Reviews: invitations for appointments that ended a couple of hours ago.
    "reviews-invite-due": {
        "task": "reviews.tasks.invite_due",
        "schedule": 600.0,
        "options": {"expires": 540},
    },
    # Courses: each job is idempotent, so a late or repeated run is harmless.
    "courses-expire-unpaid-reservations": {
        "task": "courses.tasks.expire_unpaid_reservations",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    "courses-expire-waiting-list-offers": {
        "task": "courses.tasks.expire_waiting_list_offers",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    "courses-queue-balance-reminders": {
        "task": "courses.tasks.queue_balance_reminders",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Bookings: an appointment held while its client pays is freed when unpaid.
    "bookings-release-unpaid-holds": {
        "task": "bookings.tasks.release_unpaid_holds",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Bookings: practitioners' other calendars that are due are queued, one task
    # each; waiting-list requests past their last day are deleted.
    "bookings-refresh-external-calendars": {
        "task": "bookings.tasks.refresh_due_calendars",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "bookings-forget-ended-waitlist-requests": {
        "task": "bookings.tasks.forget_ended_waitlist_requests",
        "schedule": crontab(hour=3, minute=45),
        "options": {"expires": 3600},
    },
    "courses-queue-start-reminders": {
        "task": "courses.tasks.queue_course_reminders",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Blog: scheduled posts go live within a minute of their publish time.
    "blog-publish-due-posts": {
        "task": "blog.tasks.publish_due_posts",
        "schedule": crontab(),  # every minute
        "options": {"expires": 55},
    },
    # Retention: expired sessions go daily; old emails lose their bodies.
    "clear-expired-sessions": {
        "task": "config.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 3600},
    },
    "strip-old-email-bodies": {
        "task": "notifications.tasks.strip_old_email_bodies",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 3600},
    },
    "delete-refused-application-documents": {
        "task": "directory.tasks.delete_refused_application_documents",
        "schedule": crontab(hour=3, minute=50),
        "options": {"expires": 3600},
    },
}
# The documents of an application refused this many days ago (and not sent again)
# are deleted, files and rows; the refusal itself stays on the profile.
APPLICATION_DOCUMENTS_REFUSED_DAYS = int(
    env("APPLICATION_DOCUMENTS_REFUSED_DAYS", "90")
)
# Sent emails keep their metadata (recipient, subject, kind, times) for good; their
# bodies and attachments are emptied this many days after sending.
NOTIFICATIONS_KEEP_BODIES_DAYS = int(env("NOTIFICATIONS_KEEP_BODIES_DAYS", "90"))
# /healthz/ready calls the outbox stale when an email due this long ago is unsent.
NOTIFICATIONS_STALE_AFTER_MINUTES = int(env("NOTIFICATIONS_STALE_AFTER_MINUTES", "10"))

# Email outbox (notifications/outbox.py). A failed send is retried after
# base * 2**attempts seconds (2, 4, 8, 16 min by default), then marked failed.
NOTIFICATIONS_RETRY_BASE_SECONDS = int(env("NOTIFICATIONS_RETRY_BASE_SECONDS", "60"))
NOTIFICATIONS_MAX_ATTEMPTS = int(env("NOTIFICATIONS_MAX_ATTEMPTS", "5"))
# A row claimed this long ago and still "sending" lost its worker; it is sent again.
# Keep it well above the delivery tasks' hard time limits (120 s) +
# MAIL_TIMEOUT_SECONDS.
NOTIFICATIONS_STALE_SENDING_SECONDS = int(
    env("NOTIFICATIONS_STALE_SENDING_SECONDS", "600")
)
# The beat sweep claims no new email after this many seconds; the one in hand still
# has time to finish. Keep it below the sweep's soft time limit (90 s) minus two
# MAIL_TIMEOUT_SECONDS (a slow connect plus a slow send).
NOTIFICATIONS_SWEEP_BUDGET_SECONDS = int(
    env("NOTIFICATIONS_SWEEP_BUDGET_SECONDS", "45")
)

# Bookings: the reminder emails of a confirmed appointment, in hours before its start
# (comma list, e.g. "48,24,2"; empty: no reminders). "24" means 24 hours of real
# time, whatever the clocks do in between (docs/bookings.md, "Reminders and clock
# changes").
BOOKING_REMINDER_OFFSETS_HOURS = env_hours("BOOKING_REMINDER_OFFSETS_HOURS", "24")
# A guest's private manage link stops working this many days after the appointment
# (or after a new link was emailed); the expired page offers a new one by email.
BOOKING_MANAGE_LINK_DAYS = int(env("BOOKING_MANAGE_LINK_DAYS", "30"))

# Courses: how long an unpaid reservation and a waiting-list offer hold a place,
# when the "course starts soon" reminder goes, and how students pay the deposit
# (placeholders: {deposit}, {deadline}, {reference}, {phone}, {email}).
COURSES_RESERVATION_HOURS = int(env("COURSES_RESERVATION_HOURS", "72"))
COURSES_OFFER_HOURS = int(env("COURSES_OFFER_HOURS", "48"))
COURSES_REMINDER_DAYS = int(env("COURSES_REMINDER_DAYS", "7"))
COURSES_DEPOSIT_INSTRUCTIONS = env(
    "COURSES_DEPOSIT_INSTRUCTIONS",
    "Pay your deposit of {deposit} online by {deadline} to confirm your place: use "
    "the Pay the deposit button on your enrolment page. To pay by bank transfer "
    "instead, call us on {phone} or email {email} quoting {reference}. Unpaid "
    "reservations are released after that time.",
)

# Payments (docs/payments.md). With STRIPE_SECRET_KEY set, clients pay on
# Stripe-hosted Checkout; without it, on the built-in test provider (no money moves).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
# Where the SDK sends API calls; empty: Stripe's own. The tests point it at a
# local server that answers the few endpoints the site uses.
STRIPE_API_BASE = env("STRIPE_API_BASE")
STRIPE_MAX_NETWORK_RETRIES = int(env("STRIPE_MAX_NETWORK_RETRIES", "2"))
STRIPE_TIMEOUT_SECONDS = int(env("STRIPE_TIMEOUT_SECONDS", "20"))
# How long an appointment that needs paying online is held while the client pays.
BOOKINGS_PAYMENT_HOLD_MINUTES = int(env("BOOKINGS_PAYMENT_HOLD_MINUTES", "15"))

# Reviews (docs/reviews.md): the invitation goes this many hours after a completed
# appointment ends, and not for appointments that ended more than
# REVIEWS_INVITE_WITHIN_DAYS ago; a review can be written up to REVIEWS_WRITE_DAYS
# after the appointment and changed for REVIEWS_EDIT_DAYS after it was written.
REVIEWS_INVITE_AFTER_HOURS = float(env("REVIEWS_INVITE_AFTER_HOURS", "2"))
REVIEWS_INVITE_WITHIN_DAYS = int(env("REVIEWS_INVITE_WITHIN_DAYS", "7"))
REVIEWS_WRITE_DAYS = int(env("REVIEWS_WRITE_DAYS", "60"))
REVIEWS_EDIT_DAYS = int(env("REVIEWS_EDIT_DAYS", "14"))
REVIEWS_PER_PAGE = int(env("REVIEWS_PER_PAGE", "10"))

# Practitioners' other calendars (docs/bookings.md, "Other calendars"): how often
# each is read, how many failures in a row before the practitioner is told, and
# the limits of one fetch.
BOOKINGS_CALENDAR_REFRESH_MINUTES = int(env("BOOKINGS_CALENDAR_REFRESH_MINUTES", "15"))
BOOKINGS_CALENDAR_FAILURES_TO_ALERT = int(
    env("BOOKINGS_CALENDAR_FAILURES_TO_ALERT", "4")
)
BOOKINGS_CALENDAR_FETCH_TIMEOUT_SECONDS = float(
    env("BOOKINGS_CALENDAR_FETCH_TIMEOUT_SECONDS", "15")
)
BOOKINGS_CALENDAR_MAX_BYTES = int(env("BOOKINGS_CALENDAR_MAX_BYTES", str(5 * 2**20)))
BOOKINGS_CALENDAR_MAX_EVENTS = int(env("BOOKINGS_CALENDAR_MAX_EVENTS", "5000"))
BOOKINGS_CALENDARS_PER_PRACTITIONER = int(
    env("BOOKINGS_CALENDARS_PER_PRACTITIONER", "5")
)
# Local addresses ("127.0.0.1:8123") the calendar fetcher may reach although they
# are private. Only the tests set it, for their local server; never read from the
# environment, so no deployment can open the fetcher to its own network.
BOOKINGS_CALENDAR_FETCH_TEST_ADDRESSES: list[str] = []
# The waiting list: active requests per email address, and how long a stopped
# request is kept before it is deleted.
BOOKINGS_WAITLIST_MAX_ACTIVE = int(env("BOOKINGS_WAITLIST_MAX_ACTIVE", "3"))
BOOKINGS_WAITLIST_KEEP_DAYS = int(env("BOOKINGS_WAITLIST_KEEP_DAYS", "7"))
# A course balance is due this many days before the start; reminders go this many
# days before that, and again on the day it is due.
COURSES_BALANCE_DUE_DAYS = int(env("COURSES_BALANCE_DUE_DAYS", "28"))
COURSES_BALANCE_REMINDER_DAYS = int(env("COURSES_BALANCE_REMINDER_DAYS", "7"))
# Certificates: the font the PDF is set in (DejaVu Sans, from npm). How many
# certificate numbers one address may look up at /verify/ is
# ACCOUNT_RATE_LIMITS["verify_certificate"] (COURSES_VERIFY_RATE_LIMIT).
COURSES_CERTIFICATE_FONT_DIR = env(
    "COURSES_CERTIFICATE_FONT_DIR", str(NODE_MODULES / "dejavu-fonts-ttf" / "ttf")
)

# Logs: plain lines on a developer machine, one JSON object a line in production
# (DJANGO_LOG_FORMAT=json); both carry the request id (config/request_id.py).
# Every handler redacts bearer secrets (manage links, feed tokens, receipt links,
# allauth's keys) from what it writes, and both formatters redact the whole line
# (a request attached to a record, a traceback): config/logfilters.py.
# runserver's access log is the `django.server` logger; gunicorn's gets the same
# filter through logger_class in gunicorn.conf.py; production's mail_admins
# handler redacts the error email.
LOG_FORMAT = env("DJANGO_LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.request_id.RequestIdFilter"},
        "redact_secrets": {"()": "config.logfilters.RedactSecrets"},
    },
    "formatters": {
        "plain": {
            "()": "config.logfilters.RedactingFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s",
        },
        "json": {
            "()": "config.logfilters.RedactingJsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level"},
        },
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact_secrets"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
        },
    },
}

# Errors: to Sentry when SENTRY_DSN is set (config/sentry.py scrubs personal data
# first), else by email to ADMINS ("Name <address>" list) through Django's logging.
SENTRY_DSN = env("SENTRY_DSN")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", "production")
SENTRY_TRACES_SAMPLE_RATE = float(env("SENTRY_TRACES_SAMPLE_RATE", "0"))
ADMINS = env_list("DJANGO_ADMINS")
