"""Your data: everything we hold about a person, to download, and closing an account.

`users` imports no domain app. Each app that holds personal data provides
`<app>/privacy.py`, found by core.registry (as `seed_demo` finds `<app>/demo.py`):

- `export(user) -> dict`: what the app holds about `user`, JSON-serialisable, under
  top-level keys of its own with names a person can read. Never another person's
  data; never a private note someone else wrote. A fixed number of queries.
- `can_erase(user) -> str | None` (optional): why the account cannot be deleted
  safely now, in a sentence that tells the person what to do; None when it can.
- `erase(user) -> None`: delete or anonymise what the app holds, through its own
  services so that places free up and the other party is told. Runs inside the
  deletion transaction, after every `can_erase` said yes; raises `DeletionRefused`
  if a re-check fails, which rolls back the whole deletion.

Apps run in settings.PROJECT_APPS order. `notifications` comes after the apps whose
erase queues emails (a cancelled enrolment emails the student), so those are
cancelled with the rest of the person's pending emails.
"""

from collections.abc import Callable
from datetime import datetime, tzinfo
from types import ModuleType
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

from core.registry import project_modules

from .models import User


class DeletionRefused(Exception):
    """The account cannot be deleted now; `reasons` say why and what to do."""

    def __init__(self, reasons: list[str] | str):
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__(" ".join(self.reasons))


def privacy_modules() -> list[ModuleType]:
    """The other apps' `privacy` modules, in PROJECT_APPS order (this one runs them)."""
    return [
        module for module in project_modules("privacy") if module.__name__ != __name__
    ]


def _hooks(name: str) -> list[Callable]:
    return [
        hook
        for module in privacy_modules()
        if (hook := getattr(module, name, None)) is not None
    ]


# --- helpers the apps' modules share -----------------------------------------------


def isoformat(value: datetime | None, zone: tzinfo | None = None) -> str | None:
    """ISO 8601 with the UTC offset, in `zone` (default: the site's time zone)."""
    if value is None:
        return None
    return timezone.localtime(value, zone).isoformat()


def verified_addresses(user: User) -> list[str]:
    """The addresses this person has proved are theirs, lower-cased.

    Only verified ones: anyone can add someone else's address to their account,
    and must not get (or cancel) that person's emails by doing so.
    """
    return sorted(
        {
            email.lower()
            for email in EmailAddress.objects.filter(
                user=user, verified=True
            ).values_list("email", flat=True)
        }
    )


# --- export ------------------------------------------------------------------------


def export_data(*, user: User) -> dict[str, Any]:
    """Everything we hold about `user`, ready for `json.dumps`."""
    addresses = EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    data: dict[str, Any] = {
        "about_this_file": (
            f"Everything {settings.SITE_NAME} holds about you, as of the time "
            "below. Times are ISO 8601 with their offset from UTC. Emails are "
            "listed by subject and date; ask us if you want a copy of one."
        ),
        "exported_at": isoformat(timezone.now()),
        "account": {
            "email": user.email,
            "name": user.full_name,
            "joined": isoformat(user.date_joined),
            "last_signed_in": isoformat(user.last_login),
        },
        "email_addresses": [
            {
                "email": address.email,
                "verified": address.verified,
                "primary": address.primary,
            }
            for address in addresses
        ],
    }
    for export in _hooks("export"):
        data.update(export(user))
    return data


# --- deletion ----------------------------------------------------------------------


def deletion_problems(*, user: User) -> list[str]:
    """Why the account cannot be deleted now (empty when it can)."""
    problems = []
    if user.is_staff or user.is_superuser:
        problems.append(
            "Staff accounts cannot be deleted here. Ask another member of staff to "
            "remove your staff access first, or contact us at "
            f"{settings.CONTACT_EMAIL}."
        )
    for can_erase in _hooks("can_erase"):
        if reason := can_erase(user):
            problems.append(reason)
    return problems


def erase_app_data(*, user: User) -> None:
    """Each app deletes or anonymises what it holds. Inside the caller's transaction."""
    for erase in _hooks("erase"):
        erase(user)
