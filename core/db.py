"""Reading what the database said."""

from django.db import IntegrityError


def constraint_name(error: IntegrityError) -> str | None:
    """The name of the constraint PostgreSQL says `error` broke, or None when it
    names none (or another database raised it)."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)
