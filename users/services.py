import logging

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from . import privacy
from .models import User
from .privacy import DeletionRefused

logger = logging.getLogger(__name__)

# A tombstone's address: unique per row, and `.invalid` never receives mail.
TOMBSTONE_EMAIL = "deleted-{pk}@deleted.invalid"


def update_profile(*, user: User, full_name: str) -> User:
    user.full_name = full_name.strip()
    user.save(update_fields=["full_name"])
    return user


@transaction.atomic
def delete_account(*, user: User) -> bool:
    """Delete `user` and everything we hold about them, or refuse and change nothing.

    Each app erases its own data first (see `users.privacy`): upcoming appointments
    are cancelled (the practitioner is told), health answers deleted, past bookings
    anonymised, course places given up, pending emails cancelled. Then the user row
    is deleted; if records we must keep still point at it (a paid or completed
    enrolment, a practitioner's past appointments), it becomes an anonymous,
    inactive tombstone instead: no name, no address, no password.

    Raises DeletionRefused when it cannot be done safely. Returns True when the row
    was deleted, False when it was anonymised. Running it again changes nothing.
    """
    # The lock queues a second deletion (a double click) behind this one, and holds
    # back new rows that point at this user (a booking, an enrolment) until we are
    # done: inserting them needs a key-share lock on this row.
    locked = User.objects.select_for_update().filter(pk=user.pk).first()
    if locked is None or not locked.is_active:
        return locked is None
    if problems := privacy.deletion_problems(user=locked):
        raise DeletionRefused(problems)
    privacy.erase_app_data(user=locked)
    EmailAddress.objects.filter(user=locked).delete()
    pk = locked.pk
    try:
        with transaction.atomic():
            locked.delete()
    except (ProtectedError, RestrictedError):
        _anonymise(locked)
        logger.info("account %s: anonymised (records kept point at it)", pk)
        return False
    logger.info("account %s: deleted", pk)
    return True


def _anonymise(user: User) -> None:
    user.email = TOMBSTONE_EMAIL.format(pk=user.pk)
    user.full_name = ""
    # A new hash also ends every session on other devices: Django checks it.
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
