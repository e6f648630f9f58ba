"""Writes to the directory: applications, approvals and verified techniques."""

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from users.models import User

from .models import Practitioner, Qualification, Technique


class DirectoryError(Exception):
    """A change the directory refuses, with a message for the person."""


def unique_practitioner_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:70] or "practitioner"
    slug, n = base, 1
    taken = Practitioner.objects.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def grant_verified_technique(
    *,
    practitioner: Practitioner,
    technique: Technique,
    source: str = Qualification.Source.STAFF,
    reference: str = "",
) -> Qualification:
    """Mark a technique verified on a profile (idempotent); it is also offered."""
    qualification, created = Qualification.objects.get_or_create(
        practitioner=practitioner,
        technique=technique,
        defaults={"source": source, "reference": reference},
    )
    if not created and source == Qualification.Source.COURSE:
        # A completed course is the stronger evidence: record it.
        qualification.source = source
        qualification.reference = reference or qualification.reference
        qualification.save(update_fields=["source", "reference"])
    practitioner.techniques.add(technique)
    return qualification


@transaction.atomic
def set_status(
    *, practitioner: Practitioner, status: str, reason: str = "", by: User | None = None
) -> Practitioner:
    if status not in Practitioner.Status.values:
        raise DirectoryError(f"Unknown status “{status}”.")
    locked = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
    if status == Practitioner.Status.SUSPENDED and not reason.strip():
        raise DirectoryError("Give a reason when suspending a practitioner.")
    if locked.status == status:
        return locked
    locked.status = status
    locked.status_reason = reason.strip()
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_reason", "status_changed_at"])
    practitioner.status = locked.status
    practitioner.status_reason = locked.status_reason
    practitioner.status_changed_at = locked.status_changed_at
    return locked
