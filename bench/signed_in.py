"""A signed-in visitor for the load runs: an ordinary client account made for the
benchmark (no practitioner profile, not staff) and a session of it, sent by wrk as
a cookie. Both are marked like the booking mix's rows (an address @LOAD_DOMAIN, a
session key starting with LOAD_SESSION_PREFIX) and removed after the run."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.utils import timezone
from django.utils.crypto import get_random_string

from users.models import Session

from .booking_load import LOAD_DOMAIN, LOAD_SESSION_PREFIX

CLIENT_EMAIL = f"signed-in-client@{LOAD_DOMAIN}"


def prepare() -> str:
    """The Cookie header value of a signed-in session of the bench's client."""
    User = get_user_model()
    user, _ = User.objects.get_or_create(
        email=CLIENT_EMAIL, defaults={"full_name": "Bench Client"}
    )
    key = LOAD_SESSION_PREFIX + get_random_string(
        32 - len(LOAD_SESSION_PREFIX), "abcdefghijklmnopqrstuvwxyz0123456789"
    )
    # What django.contrib.auth.login stores, for the site's authentication backend
    # (and the user id the site's session engine saves beside it).
    data = {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
        HASH_SESSION_KEY: user.get_session_auth_hash(),
    }
    Session.objects.create(
        session_key=key,
        session_data=Session.get_session_store_class()().encode(data),
        expire_date=timezone.now() + timedelta(days=1),
        user_id=user.pk,
    )
    return f"{settings.SESSION_COOKIE_NAME}={key}"


def remove() -> int:
    """Delete the bench's client account and its sessions; the number of accounts
    removed."""
    Session.objects.filter(session_key__startswith=LOAD_SESSION_PREFIX).delete()
    deleted = get_user_model().objects.filter(email=CLIENT_EMAIL).delete()[1]
    return deleted.get(get_user_model()._meta.label, 0)
